"""The safety state: precedence, persistence, audit rows, restart, and the typed unlock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.audit import AuditRepository
from storage.db import Database
from valr_tui.errors import TradingHaltedError, UnlockRefused
from valr_tui.trading.clock import ManualClock
from valr_tui.trading.safety import (
    UNLOCK_PHRASE,
    SafetyController,
    SafetyState,
    SafetyStatus,
)

S = SafetyState


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "safety.db"


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(db_path)
    yield database
    await database.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_760_000_000.0)


def _current(ctl: SafetyController) -> SafetyState:
    """The state as a fresh call (mypy would otherwise narrow ``ctl.state`` across awaits)."""
    return ctl.state


async def _persisted(db: Database) -> tuple[str, str, str | None, int]:
    row = await db.fetchone("SELECT state, reason, correlation_id, changed_at FROM safety_state")
    assert row is not None
    return row["state"], row["reason"], row["correlation_id"], row["changed_at"]


async def test_starts_normal(db: Database, clock: ManualClock) -> None:
    ctl = await SafetyController.load(db, clock)
    assert ctl.state is S.NORMAL and ctl.status().allows_new_orders
    assert (await _persisted(db))[0] == "NORMAL"


async def test_precedence_lockdown_neutral_safe_idle_normal(db: Database, clock: ManualClock) -> None:
    ctl = SafetyController(db, clock)
    await ctl.raise_condition(S.SAFE_IDLE, "data stale")
    assert _current(ctl) is S.SAFE_IDLE
    await ctl.raise_condition(S.LOCKDOWN, "mismatch 2%")
    assert _current(ctl) is S.LOCKDOWN
    await ctl.raise_condition(S.NEUTRAL, "3 failures")
    assert _current(ctl) is S.LOCKDOWN  # a lesser condition never hides LOCKDOWN
    assert set(ctl.status().conditions) == {S.SAFE_IDLE, S.NEUTRAL, S.LOCKDOWN}
    await ctl.unlock("alice", "checked balances by hand", UNLOCK_PHRASE)
    assert _current(ctl) is S.NEUTRAL
    await ctl.clear_condition(S.NEUTRAL, "reconciled")
    assert _current(ctl) is S.SAFE_IDLE
    await ctl.clear_condition(S.SAFE_IDLE, "fresh data")
    assert _current(ctl) is S.NORMAL
    assert [s.severity for s in (S.NORMAL, S.SAFE_IDLE, S.NEUTRAL, S.LOCKDOWN)] == [0, 1, 2, 3]
    assert S.SAFE_IDLE.label == "SAFE-IDLE"


async def test_each_transition_persists_and_audits(db: Database, clock: ManualClock) -> None:
    ctl = SafetyController(db, clock)
    clock.advance(5)
    await ctl.raise_condition(S.SAFE_IDLE, "no data for 60 s", correlation_id="corr-1")
    state, reason, corr, changed_at = await _persisted(db)
    assert (state, reason, corr) == ("SAFE_IDLE", "no data for 60 s", "corr-1")
    assert changed_at == int(clock() * 1000)
    rows = await AuditRepository(db).query()
    assert len(rows) == 1
    entry = rows[0]
    assert (entry.event_type, entry.state_before) == ("SAFETY_ENTER", "NORMAL")
    assert entry.state_after == "SAFE_IDLE"
    assert entry.correlation_id == "corr-1" and entry.severity == "WARNING"
    assert "no data for 60 s" in entry.message

    await ctl.raise_condition(S.LOCKDOWN, "mismatch")
    lock_row = (await AuditRepository(db).query())[0]
    assert lock_row.severity == "CRITICAL" and lock_row.state_after == "LOCKDOWN"

    await ctl.unlock("bob", "reviewed", UNLOCK_PHRASE)
    await ctl.clear_condition(S.SAFE_IDLE, "data back")
    events = [e.event_type for e in await AuditRepository(db).query(newest_first=False)]
    assert events == ["SAFETY_ENTER", "SAFETY_ENTER", "UNLOCK", "SAFETY_LEAVE"]
    last = (await AuditRepository(db).query())[0]
    assert (last.state_before, last.state_after, last.severity) == ("SAFE_IDLE", "NORMAL", "INFO")
    assert (await _persisted(db))[0] == "NORMAL"


async def test_raise_and_clear_are_idempotent(db: Database, clock: ManualClock) -> None:
    ctl = SafetyController(db, clock)
    await ctl.raise_condition(S.NEUTRAL, "first")
    await ctl.raise_condition(S.NEUTRAL, "again")
    await ctl.clear_condition(S.SAFE_IDLE, "was never raised")
    assert len(await AuditRepository(db).query()) == 1
    assert ctl.reason == "first"
    with pytest.raises(ValueError):
        await ctl.raise_condition(S.NORMAL, "nonsense")


async def test_orders_refused_unless_normal(db: Database, clock: ManualClock) -> None:
    ctl = SafetyController(db, clock)
    for state in (S.SAFE_IDLE, S.NEUTRAL, S.LOCKDOWN):
        await ctl.raise_condition(state, f"because {state}")
        assert not ctl.status().allows_new_orders
        refusal = ctl.status().refusal()
        assert isinstance(refusal, TradingHaltedError) and refusal.code == "VALR-SAF-001"
        assert ctl.state.label in str(refusal) and f"because {state}" in str(refusal)


async def test_lockdown_survives_a_restart(db_path: Path, clock: ManualClock) -> None:
    first_db = await Database.open(db_path)
    ctl = SafetyController(first_db, clock)
    await ctl.raise_condition(S.SAFE_IDLE, "stale")
    await ctl.raise_condition(S.LOCKDOWN, "reconciliation mismatch 3.2%")
    await first_db.close()

    clock.advance(3600)
    second_db = await Database.open(db_path)
    try:
        restored = await SafetyController.load(second_db, clock)
        assert restored.state is S.LOCKDOWN
        assert restored.reason == "reconciliation mismatch 3.2%"
        assert restored.status().changed_at == pytest.approx(clock() - 3600)
        assert not restored.status().allows_new_orders
    finally:
        await second_db.close()


async def test_non_lockdown_states_do_not_survive_a_restart(db: Database, clock: ManualClock) -> None:
    ctl = SafetyController(db, clock)
    await ctl.raise_condition(S.NEUTRAL, "failures")
    assert (await SafetyController.load(db, clock)).state is S.NORMAL  # re-derived from fresh checks


async def test_lockdown_cannot_be_cleared_as_a_condition(db: Database, clock: ManualClock) -> None:
    ctl = SafetyController(db, clock)
    await ctl.raise_condition(S.LOCKDOWN, "mismatch")
    with pytest.raises(ValueError):
        await ctl.clear_condition(S.LOCKDOWN, "please")
    assert ctl.state is S.LOCKDOWN


@pytest.mark.parametrize(
    ("operator", "reason", "phrase"),
    [
        ("alice", "checked", "unlock"),
        ("alice", "checked", "UNLOCK NOW"),
        ("alice", "checked", ""),
        ("", "checked", UNLOCK_PHRASE),
        ("   ", "checked", UNLOCK_PHRASE),
        ("alice", "", UNLOCK_PHRASE),
        ("alice", "  ", UNLOCK_PHRASE),
    ],
)
async def test_refused_unlock_is_audited_and_changes_nothing(
    db: Database, clock: ManualClock, operator: str, reason: str, phrase: str
) -> None:
    ctl = SafetyController(db, clock)
    await ctl.raise_condition(S.LOCKDOWN, "mismatch")
    with pytest.raises(UnlockRefused) as info:
        await ctl.unlock(operator, reason, phrase)
    assert info.value.code == "VALR-SAF-002"
    assert ctl.state is S.LOCKDOWN
    assert (await _persisted(db))[0] == "LOCKDOWN"
    newest = (await AuditRepository(db).query())[0]
    assert newest.event_type == "UNLOCK_REFUSED" and newest.severity == "WARNING"


async def test_unlock_is_audited_with_operator_and_reason(db: Database, clock: ManualClock) -> None:
    ctl = SafetyController(db, clock)
    with pytest.raises(UnlockRefused):
        await ctl.unlock("alice", "why", UNLOCK_PHRASE)  # nothing to unlock
    await ctl.raise_condition(S.LOCKDOWN, "mismatch")
    await ctl.unlock(" alice ", "balances verified", f" {UNLOCK_PHRASE} ")
    assert ctl.state is S.NORMAL
    entry = (await AuditRepository(db).query())[0]
    assert entry.event_type == "UNLOCK"
    assert entry.details["operator"] == "alice" and entry.details["why"] == "balances verified"
    state, reason, _, _ = await _persisted(db)
    assert state == "NORMAL" and "alice" in reason


async def test_listeners_are_called_and_can_unsubscribe(db: Database, clock: ManualClock) -> None:
    ctl = SafetyController(db, clock)
    seen: list[SafetyStatus] = []
    unsubscribe = ctl.subscribe(seen.append)
    await ctl.raise_condition(S.SAFE_IDLE, "stale")
    await ctl.raise_condition(S.SAFE_IDLE, "stale again")  # idempotent: no call
    await ctl.raise_condition(S.NEUTRAL, "failures")
    assert [s.state for s in seen] == [S.SAFE_IDLE, S.NEUTRAL]
    assert seen[-1].conditions == {S.SAFE_IDLE: "stale", S.NEUTRAL: "failures"}
    unsubscribe()
    await ctl.clear_condition(S.NEUTRAL, "ok")
    assert len(seen) == 2


async def test_failed_persist_fails_closed(db: Database, clock: ManualClock) -> None:
    ctl = SafetyController(db, clock)
    await ctl.raise_condition(S.LOCKDOWN, "mismatch")
    await db.close()  # the database goes away under us
    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises
        await ctl.unlock("alice", "checked", UNLOCK_PHRASE)
    assert ctl.state is S.LOCKDOWN  # still locked in memory, as it still is on disk
