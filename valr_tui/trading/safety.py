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
from valr_tui.errors import TradingHaltedError, UnlockRefused
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


Listener = Callable[[SafetyStatus], None]


class SafetyController:
    """Owns the conditions; writes ``safety_state`` and an audit row on every transition."""

    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self.db = db
        self.audit = AuditRepository(db)
        self._clock = clock
        self._conditions: dict[SafetyState, str] = {}
        self._changed_at = clock()
        self._listeners: list[Listener] = []

    @classmethod
    async def load(cls, db: Database, clock: Clock = system_clock) -> SafetyController:
        """Restore the persisted state: a LOCKDOWN before the restart is a LOCKDOWN after it."""
        ctl = cls(db, clock)
        row = await SafetyStateRepository(db).load()
        if row is not None and row.state == SafetyState.LOCKDOWN:
            ctl._conditions[SafetyState.LOCKDOWN] = row.reason
            ctl._changed_at = row.changed_at / 1000
        return ctl

    # -- reading --------------------------------------------------------------------------------
    @property
    def state(self) -> SafetyState:
        if not self._conditions:
            return SafetyState.NORMAL
        return max(self._conditions, key=lambda s: s.severity)

    @property
    def reason(self) -> str:
        return self._conditions.get(self.state, "")

    def status(self) -> SafetyStatus:
        return SafetyStatus(self.state, self.reason, self._changed_at, dict(self._conditions))

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
        await self._persist(before, reason, correlation_id, "SAFETY_ENTER", state)

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
            await self._persist(before, reason, correlation_id, "SAFETY_LEAVE", state)
        except BaseException:
            self._conditions[state] = cause  # fail closed: not persisted, so still active
            raise

    async def unlock(self, operator: str, reason: str, typed_confirmation: str) -> None:
        """The explicit operator unlock of LOCKDOWN: exact phrase, a name and a reason."""
        if SafetyState.LOCKDOWN not in self._conditions:
            raise UnlockRefused("not in LOCKDOWN")
        if typed_confirmation.strip() != UNLOCK_PHRASE or not operator.strip() or not reason.strip():
            await self.audit.record(
                epoch_ms(self._clock), "UNLOCK_REFUSED", "unlock attempt refused",
                severity="WARNING", state_before="LOCKDOWN", state_after="LOCKDOWN",
                details={"operator": operator.strip()[:80]},
            )
            raise UnlockRefused()
        before = self.state
        cause = self._conditions.pop(SafetyState.LOCKDOWN)
        try:
            await self._persist(
                before, f"unlocked by {operator.strip()}: {reason.strip()}", None, "UNLOCK",
                SafetyState.LOCKDOWN, extra={"operator": operator.strip(), "why": reason.strip()},
            )
        except BaseException:
            self._conditions[SafetyState.LOCKDOWN] = cause  # fail closed: still locked on disk
            raise

    async def _persist(
        self,
        before: SafetyState,
        reason: str,
        correlation_id: str | None,
        event: str,
        condition: SafetyState,
        extra: dict[str, str] | None = None,
    ) -> None:
        after = self.state
        now = self._clock()
        severity: Severity = "CRITICAL" if SafetyState.LOCKDOWN in (after, condition) else "WARNING"
        if after is SafetyState.NORMAL:
            severity = "INFO"
        async with self.db.transaction() as tx:
            await SafetyStateRepository.put(  # NORMAL keeps the reason it was left with: why
                tx, after.value, self.reason or reason, correlation_id, int(now * 1000)
            )
            await AuditRepository.insert(
                tx, int(now * 1000), event, f"{condition.label}: {reason}",
                severity=severity, correlation_id=correlation_id,
                state_before=before.value, state_after=after.value,
                details={"condition": condition.value, **(extra or {})},
            )
        if after is not before:
            self._changed_at = now
            log.warning("safety state %s -> %s: %s", before.value, after.value, reason)
        status = self.status()
        for listener in list(self._listeners):
            listener(status)
