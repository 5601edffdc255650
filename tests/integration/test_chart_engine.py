"""The chart's data through the real engine and simulator: candles from VALR's buckets for any
configured pair, extended by the stream's trades; our own fills for the marks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from valr_tui.config import load_settings
from valr_tui.secrets import Secret
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.views import OrderRequest, OrderState

KEY, SECRET = "chart-key-0123456789", "chart-secret-0123456789abcdef"
PAIRS = ("XRPZAR", "BTCZAR", "DOGEZAR", "USDTZAR", "SOLZAR", "ETHZAR", "ADAZAR", "LINKZAR", "TRXZAR",
         "AVAXZAR")


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[tuple[TradingEngine, SimulatorServer]]:
    async with SimulatorServer(KEY, SECRET, seed=5, tick_interval=None, pairs=PAIRS) as sim:
        settings = load_settings({}, env_file=None).with_overrides(
            base_url=sim.base_url, ws_url=sim.ws_url, api_key=Secret(KEY), api_secret=Secret(SECRET),
            db_path=str(tmp_path / "chart.db"), pairs=PAIRS,
        )
        trading = TradingEngine(settings)
        await trading.start()
        try:
            sim.exchange.step()  # a first price for every pair
            await trading.wait_until_trading_ready(within_s=10)
            yield trading, sim
        finally:
            await trading.stop()


async def test_ten_pairs_with_valrs_metadata(engine: tuple[TradingEngine, SimulatorServer]) -> None:
    trading, _sim = engine
    assert trading.pairs == PAIRS
    assert trading.tick_size("XRPZAR") == Decimal("0.01")
    assert trading.tick_size("DOGEZAR") == Decimal("0.0001")
    assert trading.pair_metadata("USDTZAR").base_decimal_places == 2
    assert all(trading.market(pair).ticker is not None for pair in PAIRS)


async def test_candles_load_and_grow_with_stream_trades(
    engine: tuple[TradingEngine, SimulatorServer],
) -> None:
    trading, sim = engine
    assert trading.candles("XRPZAR", 300).loaded_at is None
    loaded = await trading.load_candles("XRPZAR", 300)
    assert len(loaded.candles) >= 290 and {c.period_s for c in loaded.candles} == {300}
    grown = asyncio.Event()

    def check(_kind: object) -> None:
        if trading.candles("XRPZAR", 300).version != loaded.version:
            grown.set()

    unsubscribe = trading.subscribe(check)
    sim.exchange.set_price("XRPZAR", Decimal("49.99"))  # prints a trade at 49.99 on the stream
    try:
        await asyncio.wait_for(grown.wait(), 5)
    finally:
        unsubscribe()
    newest = trading.candles("XRPZAR", 300).candles[-1]
    assert newest.close == Decimal("49.99") and newest.high >= Decimal("49.99")


async def test_own_fills_of_a_pair_for_the_marks(engine: tuple[TradingEngine, SimulatorServer]) -> None:
    trading, _sim = engine
    ticker = trading.market("BTCZAR").ticker
    assert ticker is not None
    result = await trading.submit(OrderRequest("BTCZAR", "BUY", str(ticker.ask), "0.001"))
    assert result.state is OrderState.FILLED  # crosses: fills at once as taker (paper)
    fills = await trading.pair_fills("BTCZAR", since_ms=0)
    assert [(f.side, f.correlation_id) for f in fills] == [("BUY", result.correlation_id)]
    assert await trading.pair_fills("ETHZAR", since_ms=0) == []
