"""MarketStream against the loopback simulator's /ws/trade."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from tests.exchange.fakes import StreamConsumer as Consumer
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.models import OrderBook, TickerData, Trade
from valr_tui.exchange.stream import MarketStream, StreamState
from valr_tui.simulator.server import SimulatorServer

KEY = "sim-api-key-0123456789"
SECRET = "sim-api-secret-0123456789abcdef"


@pytest.fixture
async def sim() -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(KEY, SECRET, seed=1, tick_interval=None) as server:
        yield server


def signer() -> VALRSigner:
    return VALRSigner(KEY, SECRET)


async def test_receives_snapshots_then_live_updates(sim: SimulatorServer) -> None:
    consumer = Consumer(MarketStream(sim.ws_url, ["BTCZAR", "ETHZAR"], signer=signer()))
    try:
        def kinds() -> set[tuple[type, str]]:
            return {(type(u), u.pair) for u in consumer.updates}

        await consumer.until(lambda: {(TickerData, "BTCZAR"), (TickerData, "ETHZAR"),
                                      (OrderBook, "BTCZAR"), (OrderBook, "ETHZAR")} <= kinds())
        sim.exchange.set_price("BTCZAR", Decimal("1400000"))  # prints a trade and moves the book
        await consumer.until(lambda: any(isinstance(u, Trade) and u.price == Decimal("1400000")
                                         for u in consumer.updates))
        await consumer.until(lambda: any(isinstance(u, TickerData) and u.last == Decimal("1400000")
                                         for u in consumer.updates))
    finally:
        await consumer.close()
    tickers = [u for u in consumer.updates if isinstance(u, TickerData)]
    assert all(t.source == "ws" and t.bid < t.ask for t in tickers)
    assert ("GET", "/ws/trade") in sim.exchange.request_log
    assert consumer.stream.state == StreamState.DOWN


async def test_survives_a_ws_drop_and_reconnects(sim: SimulatorServer) -> None:
    states: list[StreamState] = []
    stream = MarketStream(sim.ws_url, ["BTCZAR"], signer=signer(), backoff_initial=0.05,
                          backoff_max=0.2, on_state=states.append)
    consumer = Consumer(stream)
    try:
        await consumer.until(lambda: len(consumer.updates) >= 2)
        sim.exchange.inject_fault("ws_drop", "0.4")  # drops sockets, refuses new ones meanwhile
        await consumer.until(lambda: stream.connections >= 2)
        before = len(consumer.updates)
        sim.exchange.set_price("BTCZAR", Decimal("1450000"))
        await consumer.until(lambda: any(isinstance(u, TickerData) and u.last == Decimal("1450000")
                                         for u in consumer.updates[before:]))
    finally:
        await consumer.close()
    assert stream.connections == 2
    assert states.count(StreamState.CONNECTED) == 2
    assert StreamState.DOWN in states[states.index(StreamState.CONNECTED):]
    handshakes = [entry for entry in sim.exchange.request_log if entry == ("GET", "/ws/trade")]
    assert len(handshakes) >= 3  # at least one attempt was refused while the fault lasted


async def test_sends_pings_and_gets_pongs(sim: SimulatorServer) -> None:
    stream = MarketStream(sim.ws_url, ["BTCZAR"], signer=signer(), ping_interval=0.1)
    consumer = Consumer(stream)
    try:
        for _ in range(100):  # up to 5 s
            if stream.pongs_received >= 2:
                break
            await asyncio.sleep(0.05)
    finally:
        await consumer.close()
    assert stream.pings_sent >= stream.pongs_received >= 2
    assert stream.connections == 1  # keep-alive did not disturb the connection
