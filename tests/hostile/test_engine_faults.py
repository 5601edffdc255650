"""The real engine and dashboard against the simulator, with real faults: the database on a small
tmpfs that fills up (when root can mount one; otherwise sqlite's ``max_page_count``, which fails
the same way), the database file deleted while running, out-of-limit numbers typed into the form,
and an unexpected error inside the dashboard. After each: the app keeps running or ends with one
coded line, the fault is on screen, orders are refused with its code, every order acknowledged
is on disk after a restart, and no canary credential is in any output or file."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from textual.widgets import Input

from storage.db import Database
from tests.reliability.helpers import KEY, SECRET, settings_for, wait_for, wait_trading_ready
from tests.ui.fixtures import settle
from valr_tui.errors import ValrTuiError
from valr_tui.logging_setup import configure_logging
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.safety import SafetyState
from valr_tui.trading.views import OrderRequest
from valr_tui.ui.app import ValrApp

SIGNATURE = re.compile(rb"[0-9a-fA-F]{128}")


def leaks(data: bytes) -> list[str]:
    found = [name for name, canary in (("secret", SECRET), ("key", KEY)) if canary.encode() in data]
    return found + (["signature"] if SIGNATURE.search(data) else [])


def assert_no_leaks(folder: Path, *texts: str) -> None:
    """The canary scan: every file under ``folder`` and every text shown."""
    for path in folder.rglob("*"):
        if path.is_file():
            assert not leaks(path.read_bytes()), f"{path.name} leaks {leaks(path.read_bytes())}"
    for text in texts:
        assert not leaks(text.encode()), f"output leaks {leaks(text.encode())}"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A 1 MB tmpfs when root may mount one, else None (the test injects the fault instead)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        yield None
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        yield None
        return
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    """Fill the file system holding ``folder``; return the filler to delete to free it again."""
    filler = folder / "filler"
    with contextlib.suppress(OSError), open(filler, "wb") as handle:  # close() may be ENOSPC too
        while True:
            handle.write(b"\0" * 4096)
            handle.flush()
    return filler


async def _submit(engine: TradingEngine, price: str) -> str:
    try:
        result = await engine.submit(OrderRequest("BTCZAR", "BUY", price, "0.001"))
    except ValrTuiError as exc:
        return exc.code
    return result.correlation_id


async def test_full_disk_and_deleted_database_with_the_real_engine(
    tmp_path: Path, small_disk: Path | None
) -> None:
    folder = small_disk or tmp_path
    db_path = folder / "engine.db"
    log_path = tmp_path / "valr-tui.log"
    configure_logging(str(log_path))
    acknowledged: list[str] = []
    try:
        async with SimulatorServer(KEY, SECRET, seed=5, tick_interval=None) as sim:
            engine = TradingEngine(settings_for(sim.base_url, sim.ws_url, db_path))
            await engine.start()
            try:
                await wait_trading_ready(engine)
                ticker = engine.market("BTCZAR").ticker
                assert ticker is not None and engine.db is not None
                price = str((ticker.bid * Decimal("0.9")).quantize(Decimal(1)))
                acknowledged.append(await _submit(engine, price))
                assert acknowledged[0].startswith("ord-")

                # Disk full: a real ENOSPC on the tmpfs, or SQLITE_FULL via max_page_count.
                if small_disk is not None:
                    filler = _fill(folder)
                else:
                    pages = (await engine.db.fetchone("PRAGMA page_count"))[0]  # type: ignore[index]
                    await engine.db.fetchone(f"PRAGMA max_page_count = {pages}")
                codes = [await _submit(engine, price) for _ in range(60)]
                acknowledged += [c for c in codes if c.startswith("ord-")]
                assert "VALR-DB-002" in codes, codes
                assert codes[-1] == "VALR-DB-002"  # refused up front while the disk is full
                status = engine.safety_status()
                assert status.state is SafetyState.NEUTRAL and "VALR-DB-002" in status.reason
                assert engine.market("BTCZAR").ticker is not None  # the app keeps running

                # Space again: the next write commits, the fault clears, orders are accepted.
                if small_disk is not None:
                    filler.unlink()
                else:
                    await engine.db.fetchone("PRAGMA max_page_count = 1073741823")
                await engine.db.execute("UPDATE safety_state SET reason = reason WHERE id = 1")
                assert engine.safety_status().state is SafetyState.NORMAL
                acknowledged.append(await _submit(engine, price))
                assert acknowledged[-1].startswith("ord-")

                # The file deleted while running: the watch stops trading with the reason.
                db_path.unlink()
                await wait_for(lambda: engine.safety_status().state is SafetyState.LOCKDOWN,
                               6.0, "LOCKDOWN after the database file was deleted")
                assert "VALR-DB-004" in engine.safety_status().reason
                assert await _submit(engine, price) == "VALR-DB-004"
            finally:
                await engine.stop()
    finally:
        configure_logging(None)
    assert_no_leaks(tmp_path)


async def test_acknowledged_orders_survive_a_restart_after_a_full_disk(
    tmp_path: Path, small_disk: Path | None
) -> None:
    folder = small_disk or tmp_path
    db_path = folder / "restart.db"
    acknowledged: list[str] = []
    async with SimulatorServer(KEY, SECRET, seed=6, tick_interval=None) as sim:
        engine = TradingEngine(settings_for(sim.base_url, sim.ws_url, db_path))
        await engine.start()
        try:
            await wait_trading_ready(engine)
            ticker = engine.market("BTCZAR").ticker
            assert ticker is not None and engine.db is not None
            price = str((ticker.bid * Decimal("0.9")).quantize(Decimal(1)))
            if small_disk is not None:
                filler = _fill(folder)
                filler.unlink()  # leave only the little space the filler could not take
                _fill(folder)
            else:
                pages = (await engine.db.fetchone("PRAGMA page_count"))[0]  # type: ignore[index]
                await engine.db.fetchone(f"PRAGMA max_page_count = {pages + 2}")
            for _ in range(80):
                outcome = await _submit(engine, price)
                if outcome.startswith("ord-"):
                    acknowledged.append(outcome)
        finally:
            await engine.stop()
    if small_disk is not None:
        (folder / "filler").unlink()
    db = await Database.open(str(db_path))
    try:
        assert await db.integrity_check() == "ok"
        stored = {r["correlation_id"] for r in await db.fetchall("SELECT correlation_id FROM trading_orders")}
        assert set(acknowledged) <= stored  # no "ok" that is not on disk
        for cid in stored:
            rows = await db.fetchall("SELECT 1 FROM institutional_audit WHERE correlation_id = ?", (cid,))
            assert rows, f"order {cid} has no audit rows"
    finally:
        await db.close()


async def test_out_of_limit_numbers_typed_into_the_form_are_coded(tmp_path: Path) -> None:
    async with SimulatorServer(KEY, SECRET, seed=3, tick_interval=None) as sim:
        engine = TradingEngine(settings_for(sim.base_url, sim.ws_url, tmp_path / "form.db"))
        app = ValrApp(engine)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            await wait_trading_ready(engine)
            price_box = app.screen.query_one("#price", Input)
            quantity_box = app.screen.query_one("#quantity", Input)
            for price, quantity in (("12345678901234567890123456789", "0.001"),
                                    ("1000000", "0.0010000000000000000000000000001"),
                                    ("9" * 40, "9" * 40)):
                price_box.value, quantity_box.value = price, quantity
                await pilot.pause()
                app.clear_notifications()
                await pilot.press("ctrl+s")
                await settle(pilot)
                shown = "\n".join(n.message for n in app._notifications)
                assert "VALR-ORD-00" in shown and "VALR-GEN-001" not in shown, shown
                assert app.is_running
            assert engine.db is not None
            row = await engine.db.fetchone("SELECT COUNT(*) FROM trading_orders")
            assert row is not None and row[0] == 0


async def test_an_unexpected_error_in_the_dashboard_is_one_coded_line_without_locals(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    log_path = tmp_path / "valr-tui.log"
    configure_logging(str(log_path))
    try:
        async with SimulatorServer(KEY, SECRET, seed=3, tick_interval=None) as sim:
            engine = TradingEngine(settings_for(sim.base_url, sim.ws_url, tmp_path / "crash.db"))
            app = ValrApp(engine)

            def crash() -> None:
                api_secret = SECRET  # noqa: F841 - a local Textual's crash report would print
                raise UnicodeEncodeError("ascii", "é", 0, 1, "ordinal not in range(128)")

            with pytest.raises(UnicodeEncodeError):  # run_test re-raises it for the test framework
                async with app.run_test(size=(120, 36)) as pilot:
                    await settle(pilot)
                    app.call_later(crash)
                    await pilot.pause(0.2)
    finally:
        configure_logging(None)
    out, err = capfd.readouterr()
    assert app.return_code == 1
    assert app._exit_renderables == []  # no Textual crash report (it prints frame locals)
    assert app.crash_message is not None
    assert app.crash_message.startswith("[VALR-GEN-001] unexpected UnicodeEncodeError")
    assert "\n" not in app.crash_message
    assert "api_secret" not in out + err
    assert "unexpected error" in log_path.read_text(encoding="utf-8")
    assert_no_leaks(tmp_path, out, err, app.crash_message)


async def test_the_engine_under_a_hostile_global_decimal_context(tmp_path: Path) -> None:
    """A host program that set ``getcontext().prec = 6`` and trapped Inexact before starting the
    engine: previews, an order, its fills and a reconciliation give exactly the usual results."""
    import decimal

    async with SimulatorServer(KEY, SECRET, seed=8, tick_interval=None) as sim:
        with decimal.localcontext() as ctx:
            ctx.prec = 6
            ctx.rounding = decimal.ROUND_UP
            ctx.traps[decimal.Inexact] = True
            ctx.traps[decimal.Rounded] = True
            engine = TradingEngine(settings_for(sim.base_url, sim.ws_url, tmp_path / "ctx.db"))
            await engine.start()
            try:
                await wait_trading_ready(engine)
                ticker = engine.market("BTCZAR").ticker
                assert ticker is not None
                exact = decimal.Context(prec=60)  # the test's own arithmetic must not trip the traps
                price = str(exact.multiply(ticker.ask, Decimal("1.01")).quantize(Decimal(1), context=exact))
                request = OrderRequest("BTCZAR", "BUY", price, "0.00123457")
                preview = engine.preview(request)
                assert preview.problems == ()
                assert preview.value_zar == exact.multiply(Decimal(price), Decimal("0.00123457"))
                result = await engine.submit(request)
                assert result.correlation_id.startswith("ord-")
                report = await engine.reconcile_now()
                assert report is not None
                assert engine.safety_status().state is SafetyState.NORMAL
            finally:
                await engine.stop()
