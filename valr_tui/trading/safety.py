"""The safety state: NORMAL, SAFE_IDLE, NEUTRAL, LOCKDOWN. Persisted, audited, observable.

Several conditions can hold at once (data stale *and* reconciliation failing); the state shown and
enforced is the most severe active one. SAFE_IDLE and NEUTRAL clear themselves when their cause
goes away; LOCKDOWN survives restarts and clears only through ``unlock`` with a typed
confirmation, which is itself audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from storage.audit import AuditRepository, Severity
from storage.db import Database
from storage.safety_state import SafetyStateRepository
from valr_tui.errors import SafetyStateConflict, TradingHaltedError, UnlockRefused, ValrTuiError
from valr_tui.trading.clock import Clock, epoch_ms, system_clock

log = logging.getLogger(__name__)

UNLOCK_PHRASE = "UNLOCK"


class SafetyState(StrEnum):
    NORMAL = "NORMAL"
    SAFE_IDLE = "SAFE_IDLE"
    NEUTRAL = "NEUTRAL"
    LOCKDOWN = "LOCKDOWN"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @property
    def label(self) -> str:
        return self.value.replace("_", "-")


_SEVERITY = {
    SafetyState.NORMAL: 0,
    SafetyState.SAFE_IDLE: 1,
    SafetyState.NEUTRAL: 2,
    SafetyState.LOCKDOWN: 3,
}


@dataclass(frozen=True, slots=True)
class SafetyStatus:
    state: SafetyState
    reason: str
    changed_at: float
    conditions: dict[SafetyState, str]  # every active condition and its reason

    @property
    def allows_new_orders(self) -> bool:
        return self.state is SafetyState.NORMAL

    def refusal(self) -> TradingHaltedError:
        """VALR-SAF-001 naming the state and its reason: why a new order is refused now."""
        return TradingHaltedError(
            f"new orders refused: {self.state.label} ({self.reason})", state=self.state.value
        )


def trading_refusal(status: SafetyStatus, storage_fault: ValrTuiError | None) -> ValrTuiError | None:
    """Why a new order is refused now: a storage fault with its own code (VALR-DB-…) first, else
    VALR-SAF-001 unless NORMAL; ``None`` when orders may proceed."""
    if storage_fault is not None:
        return type(storage_fault)(storage_fault.message)
    return None if status.allows_new_orders else status.refusal()


Listener = Callable[[SafetyStatus], None]


@dataclass(frozen=True, slots=True)
class _Transition:
    """One change of the conditions, as it is persisted and audited."""

    before: SafetyState  # the state shown before the change
    condition: SafetyState  # the condition entered or left
    event: str  # the audit event: SAFETY_ENTER, SAFETY_LEAVE or UNLOCK
    reason: str
    correlation_id: str | None = None
    extra: dict[str, str] | None = None  # more audit details (the unlock's operator and why)


class SafetyController:
    """Owns the conditions; writes ``safety_state`` and an audit row on every transition."""

    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self.db = db
        self.audit = AuditRepository(db)
        self._clock = clock
        self._conditions: dict[SafetyState, str] = {}
        self._changed_at = clock()
        self._listeners: list[Listener] = []
        # The row as this process last read or wrote it: every write is a compare-and-set on it.
        self._persisted = SafetyState.NORMAL

    @classmethod
    async def load(cls, db: Database, clock: Clock = system_clock) -> SafetyController:
        """Restore the persisted state: a LOCKDOWN before the restart is a LOCKDOWN after it."""
        ctl = cls(db, clock)
        row = await SafetyStateRepository(db).load()
        if row is not None:
            ctl._persisted = SafetyState(row.state)
            if row.state == SafetyState.LOCKDOWN:
                ctl._conditions[SafetyState.LOCKDOWN] = row.reason
                ctl._changed_at = row.changed_at / 1000
        return ctl

    # -- reading --------------------------------------------------------------------------------
    def _active(self) -> dict[SafetyState, str]:
        """The conditions, plus the database's storage fault (which cannot be persisted: a lost
        file is LOCKDOWN, a full or read-only disk NEUTRAL, both for as long as the fault lasts)."""
        fault = self.db.fault
        if fault is None:
            return self._conditions
        active = dict(self._conditions)
        state = SafetyState.LOCKDOWN if fault.sticky else SafetyState.NEUTRAL
        active[state] = f"{fault.code} {fault.message}"
        return active

    @property
    def state(self) -> SafetyState:
        active = self._active()
        if not active:
            return SafetyState.NORMAL
        return max(active, key=lambda s: s.severity)

    @property
    def reason(self) -> str:
        return self._active().get(self.state, "")

    def status(self) -> SafetyStatus:
        return SafetyStatus(self.state, self.reason, self._changed_at, dict(self._active()))

    def storage_changed(self) -> None:
        """The database's fault appeared or cleared (``Database.watch``): redraw the listeners."""
        status = self.status()
        for listener in list(self._listeners):
            listener(status)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # -- changing -------------------------------------------------------------------------------
    async def raise_condition(
        self, state: SafetyState, reason: str, correlation_id: str | None = None
    ) -> None:
        """Enter ``state`` (or refresh its reason). Idempotent: no audit row if already active."""
        if state is SafetyState.NORMAL:
            raise ValueError("NORMAL is the absence of conditions; use clear_condition")
        if state in self._conditions:
            return
        before = self.state
        self._conditions[state] = reason
        await self._persist(_Transition(before, state, "SAFETY_ENTER", reason, correlation_id))

    async def clear_condition(
        self, state: SafetyState, reason: str, correlation_id: str | None = None
    ) -> None:
        """Leave SAFE_IDLE or NEUTRAL because the cause went away. LOCKDOWN needs ``unlock``."""
        if state is SafetyState.LOCKDOWN:
            raise ValueError("LOCKDOWN clears only through unlock()")
        if state not in self._conditions:
            return
        before = self.state
        cause = self._conditions.pop(state)
        try:
            await self._persist(_Transition(before, state, "SAFETY_LEAVE", reason, correlation_id))
        except BaseException:
            self._conditions[state] = cause  # fail closed: not persisted, so still active
            raise

    async def unlock(self, operator: str, reason: str, typed_confirmation: str) -> None:
        """The explicit operator unlock of LOCKDOWN: exact phrase, a name and a reason."""
        # Every attempt is audited, whatever is missing from it (and whatever its types are).
        operator = operator.strip() if isinstance(operator, str) else ""
        reason = reason.strip() if isinstance(reason, str) else ""
        phrase = typed_confirmation.strip() if isinstance(typed_confirmation, str) else ""
        missing = [name for name, ok in (
            ("LOCKDOWN", SafetyState.LOCKDOWN in self._conditions),
            ("the typed phrase", phrase == UNLOCK_PHRASE),
            ("an operator name", bool(operator)),
            ("a reason", bool(reason)),
        ) if not ok]
        if missing:
            why = "not in LOCKDOWN" if missing[0] == "LOCKDOWN" else "missing " + ", ".join(missing)
            if missing[0] == "LOCKDOWN" and self.db.fault is not None:
                why = (f"the storage fault {self.db.fault.code} is not a LOCKDOWN to unlock: it lasts"
                       " until the database is writable again (a lost file: restart once it is back)")
            await self.audit.record(
                epoch_ms(self._clock), "UNLOCK_REFUSED", f"unlock attempt refused: {why}",
                severity="WARNING", state_before=self.state.value, state_after=self.state.value,
                details={"operator": operator[:80], "reason": reason[:200], "missing": missing},
            )
            raise UnlockRefused(f"unlock refused: {why}")
        before = self.state
        cause = self._conditions.pop(SafetyState.LOCKDOWN)
        try:
            await self._persist(_Transition(
                before, SafetyState.LOCKDOWN, "UNLOCK", f"unlocked by {operator}: {reason}",
                extra={"operator": operator, "why": reason},
            ))
        except BaseException:
            self._conditions[SafetyState.LOCKDOWN] = cause  # fail closed: still locked on disk
            raise

    async def _persist(self, change: _Transition) -> None:
        now = self._clock()
        for _attempt in range(2):
            if await self._write(change, now):
                break
        else:
            raise SafetyStateConflict("the safety state row keeps changing under this process")
        after = self.state
        if after is not change.before:
            self._changed_at = now
            log.warning("safety state %s -> %s: %s", change.before.value, after.value, change.reason)
        status = self.status()
        for listener in list(self._listeners):
            listener(status)

    async def _write(self, change: _Transition, now: float) -> bool:
        """Compare-and-set the row from the state this process last saw. If another writer
        changed it meanwhile, nothing is written: a LOCKDOWN found there is adopted (only an
        operator unlock ends it), and False asks the caller to write again on the new truth."""
        after = self.state
        severity: Severity = "CRITICAL" if SafetyState.LOCKDOWN in (after, change.condition) else "WARNING"
        if after is SafetyState.NORMAL:
            severity = "INFO"
        async with self.db.transaction() as tx:
            stored = await SafetyStateRepository.compare_and_set(  # NORMAL keeps its reason: why
                tx, self._persisted.value, after.value, self.reason or change.reason, change.correlation_id,
                int(now * 1000),
            )
            if stored is not None:
                log.error("safety state row is %s, not the %s this process wrote: adopting it",
                          stored.state, self._persisted.value)
                self._persisted = SafetyState(stored.state)
                if stored.state == SafetyState.LOCKDOWN and change.event != "UNLOCK":
                    self._conditions[SafetyState.LOCKDOWN] = stored.reason
                return False
            await AuditRepository.insert(
                tx, int(now * 1000), change.event, f"{change.condition.label}: {change.reason}",
                severity=severity, correlation_id=change.correlation_id,
                state_before=change.before.value, state_after=after.value,
                details={"condition": change.condition.value, **(change.extra or {})},
            )
        self._persisted = after
        return True
