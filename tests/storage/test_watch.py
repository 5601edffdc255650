"""Database.watch: the integrity check's share of the time is bounded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from storage import db as db_module
from storage.db import Database


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    database = await Database.open(":memory:")
    yield database
    await database.close()


async def checks_while_watching(db: Database, monkeypatch: pytest.MonkeyPatch, cost_s: float) -> int:
    """How many integrity checks 0.4 s of ``watch`` (a round every ms) runs when each costs
    ``cost_s``."""
    checks = 0

    async def integrity_check() -> str:
        nonlocal checks
        checks += 1
        await asyncio.sleep(cost_s)
        return "ok"

    monkeypatch.setattr(db, "integrity_check", integrity_check)
    monkeypatch.setattr(db_module, "QUICK_CHECK_EVERY", 5)
    watcher = asyncio.create_task(db.watch(lambda: None, interval_s=0.001))
    await asyncio.sleep(0.4)
    watcher.cancel()
    with pytest.raises(asyncio.CancelledError):
        await watcher
    return checks


async def test_a_quick_integrity_check_runs_every_few_rounds(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert await checks_while_watching(db, monkeypatch, cost_s=0.0) >= 5


async def test_a_costly_integrity_check_waits_a_thousand_times_its_duration(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20 ms a check: the next one not before 20 s later, so once in the 0.4 s
    assert await checks_while_watching(db, monkeypatch, cost_s=0.02) == 1
