"""SnapshotRepository: batched inserts, newest-first reads, retention, exact decimals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from storage.db import Database
from storage.snapshots import SnapshotRepository, SnapshotRow
from valr_tui.errors import StorageError

D = Decimal


def row(
    pair: str = "BTCZAR", at: int = 1_000, last: str = "1000000.12345678", source: str = "ws"
) -> SnapshotRow:
    return SnapshotRow(pair, D("999999.5"), D("1000001.5"), D(last), D("0.0002"), source, at)  # type: ignore[arg-type]


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    database = await Database.open(":memory:")
    yield database
    await database.close()


async def test_round_trip_keeps_exact_decimals_as_text(db: Database) -> None:
    repo = SnapshotRepository(db)
    assert await repo.insert_many([row(last="0.00000001")]) == 1
    assert await repo.last_n("BTCZAR", 5) == [row(last="0.00000001")]
    stored = await db.fetchone("SELECT last, typeof(last) AS kind FROM market_snapshots")
    assert stored is not None and (stored["last"], stored["kind"]) == ("0.00000001", "text")


async def test_insert_many_is_one_transaction(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = SnapshotRepository(db)
    opened = 0
    real = db.transaction

    def counting():  # type: ignore[no-untyped-def]
        nonlocal opened
        opened += 1
        return real()

    monkeypatch.setattr(db, "transaction", counting)
    assert await repo.insert_many([row(at=i) for i in range(500)]) == 500
    assert opened == 1
    assert await repo.insert_many([]) == 0
    assert opened == 1  # nothing to write: no transaction


async def test_a_bad_row_writes_nothing(db: Database) -> None:
    repo = SnapshotRepository(db)
    with pytest.raises(StorageError):
        await repo.insert_many([row(at=1), row(at=2, source="carrier-pigeon")])
    assert await repo.count() == 0


async def test_last_n_is_newest_first_per_pair(db: Database) -> None:
    repo = SnapshotRepository(db)
    await repo.insert_many([row("BTCZAR", at=t, last=str(t)) for t in (5, 1, 3, 2, 4)])
    await repo.insert_many([row("ETHZAR", at=10)])
    assert [r.captured_at for r in await repo.last_n("BTCZAR", 3)] == [5, 4, 3]
    assert await repo.last_n("BTCZAR", 0) == []
    assert await repo.last_n("XRPZAR", 3) == []
    assert (await repo.count(), await repo.count("BTCZAR"), await repo.count("ETHZAR")) == (6, 5, 1)


async def test_prune_by_age_and_per_pair_cap(db: Database) -> None:
    repo = SnapshotRepository(db)
    await repo.insert_many([row("BTCZAR", at=t) for t in range(1, 11)])
    await repo.insert_many([row("ETHZAR", at=t) for t in range(1, 4)])
    await repo.insert_many([row("XRPZAR", at=7), row("XRPZAR", at=7), row("XRPZAR", at=7)])  # ties
    assert await repo.prune(older_than_ms=3) == 4  # BTC 1,2 and ETH 1,2
    assert await repo.prune(keep_per_pair=2) == 6 + 0 + 1  # BTC keeps 10,9; ETH keeps 3; XRP keeps 2
    assert [r.captured_at for r in await repo.last_n("BTCZAR", 10)] == [10, 9]
    assert await repo.count("ETHZAR") == 1 and await repo.count("XRPZAR") == 2
    assert await repo.prune(keep_per_pair=0) == 5
    assert await repo.count() == 0
    with pytest.raises(StorageError):
        await repo.prune(keep_per_pair=-1)


async def test_prune_uses_the_indexes(db: Database) -> None:
    plan = await db.fetchall(
        "EXPLAIN QUERY PLAN SELECT captured_at, id FROM market_snapshots WHERE pair = ?"
        " ORDER BY captured_at DESC, id DESC LIMIT 1 OFFSET ?", ("BTCZAR", 5)
    )
    assert "idx_market_snapshots_pair_time" in " ".join(str(r["detail"]) for r in plan)
    plan = await db.fetchall(
        "EXPLAIN QUERY PLAN DELETE FROM market_snapshots WHERE captured_at < ?", (5,)
    )
    assert "idx_market_snapshots_time" in " ".join(str(r["detail"]) for r in plan)
