"""The whole engine against the simulator over loopback: what a trader's session does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from storage.orders import OrderState
from valr_tui.config import Settings, load_settings
from valr_tui.secrets import Secret
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.safety import SafetyState
from valr_tui.trading.views import EngineEvent, OrderRequest

KEY, SECRET = "e2e-key-0123456789", "e2e-secret-canary-0123456789abcdef"


@pytest.fixture
async def sim() -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None) as server:
        yield server


def settings_for(sim: SimulatorServer, tmp_path: Path, **overrides: object) -> Settings:
    base = load_settings({}, env_file=None).with_overrides(
        base_url=sim.base_url,
        ws_url=sim.ws_url,
        api_key=Secret(KEY),
        api_secret=Secret(SECRET),
        db_path=str(tmp_path / "engine.db"),
        dry_run_wallet_zar=Decimal("100000"),
    )
    return base.with_overrides(**overrides)


async def started(settings: Settings) -> TradingEngine:
    engine = TradingEngine(settings)
    await engine.start()
    try:
        await engine.wait_until_trading_ready(within_s=5)
    except BaseException:
        await engine.stop()
        raise
    return engine


async def test_dry_run_order_is_stored_and_never_reaches_order_endpoints(
    sim: SimulatorServer, tmp_path: Path
) -> None:
    engine = await started(settings_for(sim, tmp_path))
    try:
        bid = engine.market("BTCZAR").ticker.bid  # type: ignore[union-attr]
        result = await engine.submit(OrderRequest("BTCZAR", "BUY", str(bid - 1000), "0.001"))
        assert result.order_id.startswith("DRY_") and result.state is OrderState.OPEN
        stored = await engine.orders()
        assert [o.correlation_id for o in stored] == [result.correlation_id]
        assert stored[0].is_simulated
        story = await engine.audit(result.correlation_id)
        assert {e.event_type for e in story} >= {"ORDER_ACCEPTED"}
        report = await engine.reconcile_now()
        assert report.completed and report.ok
        assert not [p for m, p in sim.exchange.request_log if p.startswith("/v1/orders")]
    finally:
        await engine.stop()


async def test_paper_round_trip_is_journalled(sim: SimulatorServer, tmp_path: Path) -> None:
    engine = await started(settings_for(sim, tmp_path))
    try:
        ticker = engine.market("BTCZAR").ticker
        assert ticker is not None
        buy = await engine.submit(OrderRequest("BTCZAR", "BUY", str(ticker.ask), "0.002"))
        assert buy.state is OrderState.FILLED  # crossing limit fills at once as taker
        held = {b.currency: b.available for b in await engine.balances()}["BTC"]
        assert held == Decimal("0.001998")  # the taker fee is paid in the coin received
        sell = await engine.submit(OrderRequest("BTCZAR", "SELL", str(ticker.bid), str(held)))
        assert sell.state is OrderState.FILLED
        journal = await engine.journal()
        assert len(journal) == 1
        entry = journal[0]
        assert entry.outcome == "LOSS" and entry.pnl_zar < 0  # bought the ask, sold the bid, paid fees
        assert set(entry.correlation_ids) == {buy.correlation_id, sell.correlation_id}
        assert (await engine.reconcile_now()).ok
    finally:
        await engine.stop()


async def test_live_balance_drift_locks_down_survives_restart_and_unlock_is_audited(
    sim: SimulatorServer, tmp_path: Path
) -> None:
    settings = settings_for(sim, tmp_path, execution_mode="LIVE", live_trading_confirmed=True)
    engine = await started(settings)
    try:
        assert (await engine.reconcile_now()).ok  # records the LIVE baseline
        sim.exchange.adjust_balance("ZAR", Decimal("-50000"))  # funds moved outside the app: 5%
        report = await engine.reconcile_now()
        assert not report.ok and report.worst_currency == "ZAR"
        assert engine.safety_status().state is SafetyState.LOCKDOWN
        with pytest.raises(Exception, match="VALR-SAF-001"):
            await engine.submit(OrderRequest("BTCZAR", "BUY", "1000000", "0.001"))
    finally:
        await engine.stop()

    restarted = await started(settings)
    try:
        assert restarted.safety_status().state is SafetyState.LOCKDOWN
        await restarted.unlock("e2e operator", "drift explained by a withdrawal", "UNLOCK")
        assert restarted.safety_status().state is SafetyState.NORMAL
        unlocks = [e for e in await restarted.audit() if e.event_type == "UNLOCK"]
        assert unlocks and unlocks[0].details["operator"] == "e2e operator"
    finally:
        await restarted.stop()


async def test_exchange_outage_gives_neutral_and_recovery_clears_it(
    sim: SimulatorServer, tmp_path: Path
) -> None:
    settings = settings_for(sim, tmp_path, execution_mode="LIVE", live_trading_confirmed=True)
    engine = await started(settings)
    try:
        assert (await engine.reconcile_now()).ok
        sim.exchange.inject_fault("http_5xx", 120, status=503)
        for _ in range(settings.recon_max_failures):
            assert not (await engine.reconcile_now()).completed
        assert engine.safety_status().state is SafetyState.NEUTRAL
        sim.exchange.clear_faults()
        assert (await engine.reconcile_now()).ok
        assert engine.safety_status().state is SafetyState.NORMAL
    finally:
        await engine.stop()


async def test_events_carry_their_view_and_a_paper_change_is_one_event(
    sim: SimulatorServer, tmp_path: Path
) -> None:
    engine = await started(settings_for(sim, tmp_path))
    events: list[EngineEvent] = []
    moved = asyncio.Event()

    def heard(event: EngineEvent) -> None:
        events.append(event)
        if event.market is not None and event.market.ticker is not None \
                and event.market.ticker.last == Decimal("1234567"):
            moved.set()

    engine.subscribe(heard)
    try:
        sim.exchange.set_price("BTCZAR", Decimal("1234567"))
        await asyncio.wait_for(moved.wait(), 5)
        markets = [e for e in events if e.kind == "market"]
        assert all(e.market is not None and e.market.pair in engine.pairs for e in markets)
        events.clear()
        # One change of the books (a paper fill, a reservation, a LIVE ack): the paper venue reports
        # it to the order manager, which alone notifies the engine; the dashboard hears it once.
        engine.order_manager._notify()
        assert [e.kind for e in events].count("orders") == 1
    finally:
        await engine.stop()
