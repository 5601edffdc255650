"""Storage that tells the truth: one writer per database, no dirty reads, no schema from the future."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from pathlib import Path

import pytest

from storage.db import Database
from storage.instance_lock import lock_path
from valr_tui.errors import DatabaseInUseError, SchemaTooNewError


async def test_a_second_opener_is_refused_naming_the_holder_and_let_in_after_close(tmp_path: Path) -> None:
    path = tmp_path / "one.db"
    first = await Database.open(path)
    try:
        with pytest.raises(DatabaseInUseError) as refused:
            await Database.open(path)
        assert refused.value.code == "VALR-DB-010"
        assert f"pid {os.getpid()}" in refused.value.message
    finally:
        await first.close()
    again = await Database.open(path)  # released on close
    await again.close()


_HOLDER = textwrap.dedent(
    """
    import asyncio, sys
    from storage.db import Database

    async def main() -> None:
        db = await Database.open(sys.argv[1])
        print("held", flush=True)
        await asyncio.sleep(60)

    asyncio.run(main())
    """
)


ROOT = Path(__file__).resolve().parents[2]


async def test_another_process_holds_it_until_killed_9(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _HOLDER, str(path), stdout=asyncio.subprocess.PIPE, cwd=ROOT,
    )
    try:
        assert holder.stdout is not None
        assert (await asyncio.wait_for(holder.stdout.readline(), 30)).strip() == b"held"
        with pytest.raises(DatabaseInUseError) as refused:
            await Database.open(path)
        assert f"pid {holder.pid}" in refused.value.message
    finally:
        holder.send_signal(signal.SIGKILL)
        await holder.wait()
    db = await Database.open(path)  # the OS dropped the dead holder's lock: no stale block
    await db.close()


async def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    db = await Database.open(path)
    await db.execute("INSERT INTO schema_migrations (version, name) VALUES (999, '999_future.sql')")
    await db.close()
    with pytest.raises(SchemaTooNewError) as refused:
        await Database.open(path)
    assert refused.value.code == "VALR-DB-011" and "999" in refused.value.message
    assert not lock_path(path).read_text()  # refused and released: nothing left held


async def test_a_read_never_sees_another_tasks_uncommitted_write(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "dirty.db")
    inside = asyncio.Event()
    seen: list[int] = []

    async def writer() -> None:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute("UPDATE safety_state SET reason = 'half-written' WHERE id = 1")
                inside.set()
                await asyncio.sleep(0.05)  # another task reads meanwhile
                raise RuntimeError("rolled back")

    async def reader() -> None:
        await inside.wait()
        row = await db.fetchone("SELECT reason FROM safety_state WHERE id = 1")
        assert row is not None
        seen.append(row["reason"] == "half-written")

    try:
        await asyncio.gather(writer(), reader())
        assert seen == [False]
        # inside its own transaction a task does see its own writes
        async with db.transaction() as tx:
            await tx.execute("UPDATE safety_state SET reason = 'mine' WHERE id = 1")
            row = await db.fetchone("SELECT reason FROM safety_state WHERE id = 1")
            assert row is not None and row["reason"] == "mine"
    finally:
        await db.close()


async def test_a_stale_safety_writer_cannot_overwrite_lockdown(tmp_path: Path) -> None:
    from valr_tui.trading.safety import SafetyController, SafetyState

    db = await Database.open(tmp_path / "cas.db")
    try:
        stale = await SafetyController.load(db)
        await stale.raise_condition(SafetyState.NEUTRAL, "reconciliation failing")
        locker = await SafetyController.load(db)  # sees NEUTRAL, then locks down
        await locker.raise_condition(SafetyState.LOCKDOWN, "mismatch ZAR")
        # the stale writer still believes NEUTRAL and clears it: it must not write NORMAL
        await stale.clear_condition(SafetyState.NEUTRAL, "reconciliation completed")
        row = await db.fetchone("SELECT state FROM safety_state WHERE id = 1")
        assert row is not None and row["state"] == "LOCKDOWN"
        assert stale.state is SafetyState.LOCKDOWN  # it adopted the stored truth
        audits = await db.fetchall("SELECT state_after FROM institutional_audit ORDER BY id")
        assert [r["state_after"] for r in audits][-1] == "LOCKDOWN"
    finally:
        await db.close()


async def test_the_app_started_on_a_held_database_exits_2_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "held.db"
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _HOLDER, str(path), stdout=asyncio.subprocess.PIPE, cwd=ROOT,
    )
    try:
        assert holder.stdout is not None
        assert (await asyncio.wait_for(holder.stdout.readline(), 30)).strip() == b"held"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VALR_", "EXECUTION_MODE"))}
        env |= {"VALR_DB_PATH": str(path), "VALR_BASE_URL": "http://127.0.0.1:9",
                "VALR_WS_URL": "ws://127.0.0.1:9", "VALR_LOG_PATH": str(tmp_path / "app.log")}
        second = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "valr_tui", stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, cwd=ROOT, env=env,
        )
        _, errors = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 2
        assert b"VALR-DB-010" in errors and f"pid {holder.pid}".encode() in errors
    finally:
        holder.send_signal(signal.SIGKILL)
        await holder.wait()
