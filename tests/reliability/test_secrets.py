"""Secrets: a demo-like session (simulator + engine + dashboard, an order, the audit and journal
views, a screenshot), a LIVE engine session and the PoC script, all with canary credentials. The
canary secret, the API key and any HMAC signature (128 hex digits) must appear in no log file, no
database file (raw bytes of the .db and its -wal), no SVG, no exception text and nothing printed."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.reliability.helpers import RESTING_BAND_PCT, wait_trading_ready
from tests.ui.fixtures import open_audit, open_journal, settle
from valr_tui.config import Settings, load_settings
from valr_tui.errors import ValrTuiError
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.logging_setup import configure_logging
from valr_tui.secrets import Secret
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.views import OrderRequest
from valr_tui.ui.app import ValrApp

CANARY_KEY = "CANARY-KEY-5d1e0b7c9a2f48e6b3c1"
CANARY_SECRET = "CANARY-SECRET-7f3a9c2e8b1d4f60a5e7c3b9d2f1a8e4"
SIGNATURE = re.compile(rb"[0-9a-fA-F]{128}")
ROOT = Path(__file__).resolve().parents[2]
POC = ROOT / "scripts" / "valr_dry_run_poc.py"


def leaks(data: bytes) -> list[str]:
    found = [name for name, canary in (("secret", CANARY_SECRET), ("key", CANARY_KEY))
             if canary.encode() in data]
    return found + (["signature"] if SIGNATURE.search(data) else [])


def canary_settings(sim: SimulatorServer, db_path: Path, **overrides: object) -> Settings:
    return load_settings({}, env_file=None).with_overrides(
        base_url=sim.base_url, ws_url=sim.ws_url, api_key=Secret(CANARY_KEY),
        api_secret=Secret(CANARY_SECRET), db_path=str(db_path), price_band_pct=RESTING_BAND_PCT,
        **overrides,
    )


async def dashboard_session(sim: SimulatorServer, tmp_path: Path) -> None:
    settings = canary_settings(sim, tmp_path / "demo.db", dry_run_wallet_zar=Decimal("100000"))
    engine = TradingEngine(settings)
    app = ValrApp(engine)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await wait_trading_ready(engine)
        ticker = engine.market("BTCZAR").ticker
        assert ticker is not None
        app.screen.query_one("#price", Input).value = str((ticker.bid * Decimal("0.9")).quantize(Decimal(1)))
        app.screen.query_one("#quantity", Input).value = "0.001"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "DRY_" in "\n".join(n.message for n in app._notifications)
        await open_audit(pilot)
        app.save_screenshot("audit.svg", str(tmp_path))
        await pilot.press("escape")
        await open_journal(pilot)
        app.save_screenshot("journal.svg", str(tmp_path))
        # leaving run_test exits the app while the engine still ticks: events queued during the
        # shutdown must not draw on removed widgets


async def live_session(sim: SimulatorServer, tmp_path: Path) -> list[str]:
    """A LIVE engine places and cancels an order; returns the text of every error met."""
    settings = canary_settings(sim, tmp_path / "live.db", execution_mode="LIVE",
                               live_trading_confirmed=True)
    engine = TradingEngine(settings)
    texts = [repr(settings), repr(engine.client)]
    await engine.start()
    try:
        await wait_trading_ready(engine)
        ticker = engine.market("BTCZAR").ticker
        assert ticker is not None
        price = str((ticker.bid * Decimal("0.9")).quantize(Decimal(1)))
        result = await engine.submit(OrderRequest("BTCZAR", "BUY", price, "0.001"))
        await engine.cancel(result.correlation_id)
        assert (await engine.reconcile_now()).completed
        sim.exchange.inject_fault("http_5xx", "5")
        pending = await engine.submit(OrderRequest("BTCZAR", "BUY", price, "0.001"))
        texts.append(repr(pending))
        sim.exchange.clear_faults()
    finally:
        await engine.stop()
    # Errors that carry request context: a bad signature and a refused order.
    wrong = VALRClient(sim.base_url, signer=VALRSigner(Secret(CANARY_KEY), Secret("not-the-secret")))
    for attempt in (wrong.get_balances(), wrong.get_ticker("NOPE")):
        try:
            await attempt
        except ValrTuiError as exc:
            texts += [str(exc), repr(exc), repr(exc.details)]
    await wrong.aclose()
    return texts


async def run_poc(sim: SimulatorServer, tmp_path: Path) -> tuple[int, bytes, bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VALR_")}
    env |= {"VALR_API_KEY": CANARY_KEY, "VALR_API_SECRET": CANARY_SECRET, "PYTHONPATH": str(ROOT),
            "VALR_LOG_PATH": str(tmp_path / "poc.log")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(POC), "--base-url", sim.base_url, cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    return process.returncode or 0, out, err


def assert_no_file_leaks(folder: Path) -> None:
    """Every file the session wrote: logs, databases (and -wal/-shm), screenshots."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"valr-tui.log", "demo.db", "live.db", "audit.svg", "journal.svg"} <= names, names
    log_text = (folder / "valr-tui.log").read_text()
    assert "sending" in log_text and "DRY_" in log_text  # the log did record both sessions
    for path in files:
        assert not leaks(path.read_bytes()), f"{path.name} leaks {leaks(path.read_bytes())}"


async def test_canary_credentials_leak_nowhere(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging(str(tmp_path / "valr-tui.log"), level=logging.DEBUG)
    try:
        async with SimulatorServer(CANARY_KEY, CANARY_SECRET, seed=9, tick_interval=0.2) as sim:
            await dashboard_session(sim, tmp_path)
            texts = await live_session(sim, tmp_path)
            poc_code, poc_out, poc_err = await run_poc(sim, tmp_path)
    finally:
        configure_logging(None)
    assert poc_code == 0, poc_err.decode(errors="replace")
    assert b"PoC OK" in poc_out

    assert_no_file_leaks(tmp_path)
    for text in texts:
        assert not leaks(text.encode()), f"exception/repr text leaks: {text[:200]}"
    captured = capfd.readouterr()
    for stream in (captured.out, captured.err, poc_out.decode(), poc_err.decode()):
        assert not leaks(stream.encode()), f"printed output leaks {leaks(stream.encode())}"
