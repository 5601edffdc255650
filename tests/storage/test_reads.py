"""Database reads: one trip to aiosqlite's worker thread each, same rows, same errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiosqlite
import pytest

from storage.db import Database
from valr_tui.errors import StorageError


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    database = await Database.open(":memory:")
    await database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    for name in ("a", "b", "c"):
        await database.execute("INSERT INTO t (name) VALUES (?)", (name,))
    yield database
    await database.close()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The functions sent to aiosqlite's worker thread (each one a wake-up of the event loop)."""
    sent: list[str] = []
    real = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return sent


async def test_fetchall_is_one_trip_to_the_worker_thread(db: Database, trips: list[str]) -> None:
    rows = await db.fetchall("SELECT name FROM t WHERE id >= ? ORDER BY id", (2,))
    assert [row["name"] for row in rows] == ["b", "c"]
    assert len(trips) == 1


async def test_fetchone_is_one_trip_and_gives_the_first_row_or_none(db: Database, trips: list[str]) -> None:
    row = await db.fetchone("SELECT name FROM t ORDER BY id DESC")
    assert row is not None and row["name"] == "c"
    assert await db.fetchone("SELECT name FROM t WHERE id = ?", (99,)) is None
    assert len(trips) == 2


async def test_a_failed_read_is_still_a_coded_storage_error(db: Database) -> None:
    with pytest.raises(StorageError):
        await db.fetchall("SELECT nope FROM t")
    with pytest.raises(StorageError):
        await db.fetchone("SELECT * FROM missing_table")
