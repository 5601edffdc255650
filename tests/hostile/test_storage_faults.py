"""Storage faults with real sqlite: a full database (``max_page_count`` makes sqlite answer
SQLITE_FULL exactly as a full disk does), a read-only file, a database deleted or replaced while
running. Each is a coded VALR-DB error, orders are refused with that code, the safety status (the
banner) names it, and no order is acknowledged unless its row is committed."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from storage.db import Database
from tests.trading.order_fakes import build, close_dbs, open_db
from tests.trading.order_fakes import settings as order_settings
from valr_tui.errors import StorageFullError, StorageLostError, StorageReadOnlyError, ValrTuiError
from valr_tui.trading.safety import SafetyState
from valr_tui.trading.views import OrderRequest

GOOD = OrderRequest("BTCZAR", "BUY", "1000000", "0.001")


@pytest.fixture(autouse=True)
async def _close() -> Any:
    yield
    await close_dbs()


async def _orders(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM trading_orders")
    assert row is not None
    return int(row[0])


async def test_full_database_refuses_orders_with_its_code_and_recovers(tmp_path: Path) -> None:
    db = await open_db(str(tmp_path / "full.db"))
    h = await build(order_settings(dry_run_wallet_zar=Decimal(100000)), db=db)
    await h.manager.submit(GOOD)
    before = await _orders(db)
    pages = (await db.fetchone("PRAGMA page_count"))[0]  # type: ignore[index]
    await db.fetchone(f"PRAGMA max_page_count = {pages}")
    for _ in range(3):  # until the pages run out
        with pytest.raises(ValrTuiError) as info:
            for _ in range(200):
                await h.manager.submit(GOOD)
        if info.value.code == "VALR-DB-002":
            break
    assert info.value.code == "VALR-DB-002"
    assert isinstance(db.fault, StorageFullError)
    status = h.safety.status()
    assert status.state is SafetyState.NEUTRAL and "VALR-DB-002" in status.reason
    with pytest.raises(StorageFullError):
        await h.manager.submit(GOOD)  # refused up front with the storage code
    assert "VALR-DB-002" in [p.code for p in h.manager.preview(GOOD).problems]
    stored = await _orders(db)
    assert stored >= before  # and every acknowledged order is on disk (checked below)
    await db.fetchone("PRAGMA max_page_count = 1000000")
    await db.execute("UPDATE safety_state SET reason = reason WHERE id = 1")  # a write commits
    assert db.fault is None and h.safety.status().state is SafetyState.NORMAL
    assert await db.integrity_check() == "ok"


async def test_read_only_database_is_coded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = await open_db(str(tmp_path / "ro.db"))
    await db.close()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    ro = await Database.open(f"file:{tmp_path / 'ro.db'}?mode=ro")
    try:
        assert list(cwd.iterdir()) == []  # a URI is not a path: no "file:/..." folder in the cwd
        with pytest.raises(StorageReadOnlyError) as info:
            await ro.execute("UPDATE safety_state SET reason = 'x' WHERE id = 1")
        assert info.value.code == "VALR-DB-003"
        assert isinstance(ro.fault, StorageReadOnlyError)
    finally:
        await ro.close()


@pytest.mark.parametrize("how", ["deleted", "replaced", "overwritten"])
async def test_lost_database_file_stops_trading_with_the_reason(tmp_path: Path, how: str) -> None:
    path = tmp_path / "live.db"
    db = await open_db(str(path))
    h = await build(order_settings(dry_run_wallet_zar=Decimal(100000)), db=db)
    result = await h.manager.submit(GOOD)
    assert result.correlation_id
    if how == "deleted":
        path.unlink()
    elif how == "replaced":
        shutil.copy(path, tmp_path / "copy.db")
        os.replace(tmp_path / "copy.db", path)
    else:
        _overwrite_in_place(path)
    with pytest.raises(StorageLostError) as info:
        await h.manager.submit(GOOD)  # found before COMMIT: no "ok" for a row that is lost
    assert info.value.code == "VALR-DB-004" and how in info.value.message
    with pytest.raises(StorageLostError):
        await db.verify()
    status = h.safety.status()
    assert status.state is SafetyState.LOCKDOWN and "VALR-DB-004" in status.reason
    assert "VALR-DB-004" in [p.code for p in h.manager.preview(GOOD).problems]
    with pytest.raises(StorageLostError):
        await db.execute("UPDATE safety_state SET reason = 'x' WHERE id = 1")  # sticky


async def test_watch_reports_a_deleted_file_to_the_safety_listeners(tmp_path: Path) -> None:
    import asyncio

    path = tmp_path / "watched.db"
    db = await open_db(str(path))
    h = await build(order_settings(), db=db)
    seen: list[SafetyState] = []
    h.safety.subscribe(lambda status: seen.append(status.state))
    watcher = asyncio.create_task(db.watch(h.safety.storage_changed, interval_s=0.01))
    try:
        path.unlink()
        for _ in range(200):
            if seen:
                break
            await asyncio.sleep(0.01)
    finally:
        watcher.cancel()
    assert seen == [SafetyState.LOCKDOWN]


def _overwrite_in_place(path: Path) -> None:
    with open(path, "r+b") as handle:  # same inode, garbage where the SQLite header was
        handle.write(b"garbage garbage garbage garbage")


@pytest.mark.parametrize(("operator", "reason", "phrase", "locked"), [
    ("", "fixed", "UNLOCK", True), ("ann", "  ", "UNLOCK", True), ("ann", "fixed", "unlock", True),
    ("ann", "fixed", "UNLOCK", False),
])
async def test_every_refused_unlock_attempt_is_audited(
    operator: str, reason: str, phrase: str, locked: bool
) -> None:
    from valr_tui.errors import UnlockRefused

    h = await build(order_settings())
    if locked:
        await h.safety.raise_condition(SafetyState.LOCKDOWN, "test lockdown")
    with pytest.raises(UnlockRefused):
        await h.safety.unlock(operator, reason, phrase)
    rows = await h.db.fetchall("SELECT message FROM institutional_audit WHERE event_type = 'UNLOCK_REFUSED'")
    assert len(rows) == 1


async def test_audit_rows_are_redacted_before_they_reach_the_database_file(tmp_path: Path) -> None:
    from storage.audit import AuditRepository
    from valr_tui.exchange.hmac_signer import VALRSigner
    from valr_tui.secrets import Secret

    key, secret = "CANARY-AUDIT-KEY-4242aa", "CANARY-AUDIT-SECRET-4242bb"
    VALRSigner(Secret(key), Secret(secret))  # registers both, as the engine's client does
    path = tmp_path / "audit.db"
    db = await open_db(str(path))
    await AuditRepository(db).record(1, "ORDER_REJECTED", f"exchange said: bad key {key}",
                                     details={"echo": secret})
    await db.close()
    _assert_absent(tmp_path, key, secret)


def _assert_absent(folder: Path, *canaries: str) -> None:
    for file in folder.iterdir():  # the database, its -wal and -shm
        data = file.read_bytes()
        assert not any(c.encode() in data for c in canaries), file.name
