"""Storage: ordered, recorded, atomic migrations; WAL and foreign keys; TEXT amounts; rollback;
the audit repository."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from storage.audit import AuditRepository
from storage.db import Database, bundled_migrations, from_text, split_statements, to_text
from valr_tui.errors import DecimalError, StorageError


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "valr.db")
    yield database
    await database.close()


def _table_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows}


async def test_bundled_migrations_are_numbered_in_order() -> None:
    found = bundled_migrations()
    versions = [v for v, _, _ in found]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert versions[:6] == [1, 2, 3, 4, 5, 6]
    assert all(name.startswith(f"{v:03d}_") and name.endswith(".sql") for v, name, _ in found)


async def test_migrations_applied_in_order_and_recorded(db: Database) -> None:
    rows = await db.fetchall("SELECT version, name, applied_at FROM schema_migrations ORDER BY rowid")
    assert [(r["version"], r["name"]) for r in rows] == [(v, n) for v, n, _ in bundled_migrations()]
    assert all(r["applied_at"] for r in rows)
    tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"market_snapshots", "trading_orders", "institutional_audit", "safety_state"} <= tables
    # 003 altered 002's table: order matters
    columns = {r["name"] for r in await db.fetchall("PRAGMA table_info(trading_orders)")}
    assert {"is_simulated", "execution_mode", "valr_order_id"} <= columns


async def test_migrating_twice_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "twice.db"
    first = await Database.open(path)
    count = (await first.fetchone("SELECT COUNT(*) FROM schema_migrations"))[0]  # type: ignore[index]
    assert await first.migrate(bundled_migrations()) == []
    await first.close()
    second = await Database.open(path)  # a restart
    try:
        assert (await second.fetchone("SELECT COUNT(*) FROM schema_migrations"))[0] == count  # type: ignore[index]
        assert await second.migrate(bundled_migrations()) == []
    finally:
        await second.close()


GOOD = (1, "001_good.sql", "CREATE TABLE good (id INTEGER PRIMARY KEY, amount TEXT NOT NULL);")
BAD = (
    2,
    "002_bad.sql",
    "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\n"
    "INSERT INTO good (id, amount) VALUES (1, '1.5');\n"
    "INSERT INTO no_such_table VALUES (1);\n",
)


async def test_failing_migration_leaves_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "bad.db"
    ok = await Database.open(path, migrations=[GOOD])
    await ok.close()
    before = _table_names(path)
    with pytest.raises(StorageError) as info:
        await Database.open(path, migrations=[GOOD, BAD])
    assert info.value.code == "VALR-DB-001"
    assert "002_bad.sql" in str(info.value)
    assert _table_names(path) == before
    assert "half_done" not in _table_names(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_migrations").fetchall() == [(1,)]
        assert conn.execute("SELECT COUNT(*) FROM good").fetchone() == (0,)


async def test_failing_migration_via_migrate(db: Database) -> None:
    with pytest.raises(StorageError):
        await db.migrate([(100, "100_bad.sql", "CREATE TABLE t100 (x TEXT); SELEC oops;")])
    assert await db.fetchone("SELECT name FROM sqlite_master WHERE name = 't100'") is None
    assert await db.fetchone("SELECT 1 FROM schema_migrations WHERE version = 100") is None
    # and the connection is still usable afterwards
    assert await db.migrate([(100, "100_fixed.sql", "CREATE TABLE t100 (x TEXT);")]) == ["100_fixed.sql"]


def test_split_statements_handles_comments_and_semicolons_in_strings() -> None:
    script = (
        "-- header; with a semicolon\nCREATE TABLE a (x TEXT DEFAULT 'a;b');\n\n"
        "INSERT INTO a VALUES ('c');\n-- end\n"
    )
    assert split_statements(script) == [
        "-- header; with a semicolon\nCREATE TABLE a (x TEXT DEFAULT 'a;b');",
        "INSERT INTO a VALUES ('c');",
    ]
    with pytest.raises(StorageError):
        split_statements("CREATE TABLE a (x TEXT)")


async def test_wal_and_foreign_keys_are_on(db: Database) -> None:
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"  # type: ignore[index]
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
    assert await db.integrity_check() == "ok"
    with pytest.raises(StorageError, match="constraint failed"):
        await db.execute(
            "INSERT INTO order_fills (order_id, correlation_id, execution_mode, trade_id, pair, side,"
            " price, quantity, traded_at) VALUES (999, 'c', 'DRY_RUN', 't', 'BTCZAR', 'BUY', '1', '1', 0)"
        )


async def test_no_real_or_float_columns_anywhere(db: Database) -> None:
    tables = [r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert len(tables) >= 8
    offenders = []
    for table in tables:
        for col in await db.fetchall(f"PRAGMA table_info({table})"):
            declared = str(col["type"]).upper()
            if any(word in declared for word in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL")):
                offenders.append(f"{table}.{col['name']} {declared}")
    assert not offenders, f"amount columns must be TEXT: {offenders}"


async def test_transaction_commits_or_rolls_back(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO paper_wallet (currency, total, updated_at) VALUES ('ZAR', '10', 1)")
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("UPDATE paper_wallet SET total = '0' WHERE currency = 'ZAR'")
            await tx.execute("INSERT INTO paper_wallet (currency, total, updated_at) VALUES ('BTC', '1', 1)")
            raise RuntimeError("boom")
    rows = await db.fetchall("SELECT currency, total FROM paper_wallet")
    assert [(r["currency"], r["total"]) for r in rows] == [("ZAR", "10")]
    # the lock was released: another write works
    await db.execute("UPDATE paper_wallet SET total = ? WHERE currency = 'ZAR'", (to_text(Decimal("11.5")),))
    assert from_text((await db.fetchone("SELECT total FROM paper_wallet"))["total"]) == Decimal("11.5")  # type: ignore[index]


def test_to_text_and_from_text() -> None:
    assert to_text(Decimal("1.2300")) == "1.23"
    assert to_text(Decimal("1E+3")) == "1000"
    assert from_text("0.00000001") == Decimal("0.00000001")
    with pytest.raises(DecimalError):
        to_text(1.5)  # type: ignore[arg-type]
    with pytest.raises(DecimalError):
        to_text(Decimal("NaN"))
    with pytest.raises(DecimalError):
        from_text("nope")


async def test_open_refuses_a_path_it_cannot_create(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError):
        await Database.open(blocker / "sub" / "valr.db")


async def test_audit_record_and_query(db: Database) -> None:
    audit = AuditRepository(db)
    amounts = {"price": Decimal("1500000.10"), "qty": Decimal("1E-8")}
    await audit.record(
        1000, "ORDER_SUBMITTED", "first", correlation_id="c-1", execution_mode="DRY_RUN", details=amounts
    )
    await audit.record(3000, "ORDER_FILLED", "third", correlation_id="c-1", severity="WARNING")
    await audit.record(2000, "ORDER_SUBMITTED", "other order", correlation_id="c-2")
    await audit.record(3000, "STATE_CHANGE", "no correlation")

    story = await audit.query(correlation_id="c-1")
    assert [e.message for e in story] == ["third", "first"]  # newest first
    oldest_first = await audit.query(correlation_id="c-1", newest_first=False)
    assert [e.message for e in oldest_first] == ["first", "third"]
    first = story[1]
    assert first.details == {"price": "1500000.10", "qty": "1E-8"}  # exact strings, not floats
    assert Decimal(first.details["price"]) == Decimal("1500000.10")
    assert (first.event_type, first.severity, first.execution_mode, first.occurred_at) == (
        "ORDER_SUBMITTED", "INFO", "DRY_RUN", 1000)
    assert story[0].severity == "WARNING"

    everything = await audit.query()
    assert [e.message for e in everything][:2] == ["no correlation", "third"]  # same ms: id breaks the tie
    submitted = await audit.query(event_types=("ORDER_SUBMITTED",))
    assert {e.correlation_id for e in submitted} == {"c-1", "c-2"}
    assert len(await audit.query(limit=1)) == 1


async def test_audit_insert_joins_the_callers_transaction(db: Database) -> None:
    audit = AuditRepository(db)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await AuditRepository.insert(tx, 1, "X", "rolled back")
            raise RuntimeError
    assert await audit.query() == []
    with pytest.raises(StorageError, match="constraint failed"):
        await audit.record(1, "X", "bad severity", severity="LOUD")


async def test_the_demo_drift_moves_only_the_paper_wallets_zar_total(tmp_path: Path) -> None:
    from storage.paper_wallet import PaperWalletRepository
    from valr_tui.config import Settings
    from valr_tui.launcher import SimulatorFaults

    path = tmp_path / "valr.db"
    faults = SimulatorFaults("http://127.0.0.1:9", Settings(db_path=str(path), log_path=""))
    database = await Database.open(path)
    try:
        assert await faults.inject_fault("balance_drift") == "no paper wallet yet"
        async with database.transaction() as tx:
            await PaperWalletRepository.adjust(tx, "ZAR", 1, total=Decimal("100000"), reserved=Decimal("10"))
            await PaperWalletRepository.adjust(tx, "BTC", 1, total=Decimal("0.5"))
        assert "moved R 50,000.00 out" in await faults.inject_fault("balance_drift")  # money formatted
        repo = PaperWalletRepository(database)
        assert await repo.totals() == {"ZAR": Decimal("50000"), "BTC": Decimal("0.5")}
        assert (await repo.rows())["ZAR"].reserved == Decimal("10")
    finally:
        await database.close()
