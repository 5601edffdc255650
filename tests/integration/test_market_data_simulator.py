"""MarketDataClient against the simulator with the real VALRClient and the real MarketStream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest

from storage.db import Database
from storage.snapshots import SnapshotRepository
from valr_tui.config import Settings
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.exchange.stream import MarketStream
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.secrets import Secret
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.clock import ManualClock, system_clock
from valr_tui.trading.market_data import MarketDataClient, SnapshotPolicy
from valr_tui.trading.safety import SafetyController, SafetyState
from valr_tui.trading.views import ConnectionState, MarketView

KEY = "market-data-key"
SECRET = "market-data-secret-0123456789"
PAIRS = ("BTCZAR", "ETHZAR")


@pytest.fixture
async def sim() -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(KEY, SECRET, seed=1, tick_interval=None) as server:
        yield server


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    database = await Database.open(":memory:")
    yield database
    await database.close()


def settings_for(sim: SimulatorServer) -> Settings:
    return Settings(
        api_key=Secret(KEY), api_secret=Secret(SECRET), base_url=sim.base_url, ws_url=sim.ws_url,
        pairs=PAIRS, poll_interval_s=Decimal("0.2"), db_path=":memory:",
    )


def rest_client(sim: SimulatorServer) -> VALRClient:
    bucket = TokenBucket(capacity=10_000, refill_per_second=10_000)
    return VALRClient(sim.base_url, signer=VALRSigner(KEY, SECRET), bucket=bucket, timeout=2.0,
                      max_retries=0)


def stream_factory(sim: SimulatorServer) -> Callable[[], MarketStream]:
    signer = VALRSigner(KEY, SECRET)
    return lambda: MarketStream(sim.ws_url, PAIRS, signer=signer, backoff_initial=0.05,
                                backoff_max=0.2)


async def wait_until(predicate: Callable[[], bool], limit_s: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit_s
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


async def test_prices_arrive_over_ws_and_ws_drop_falls_back_to_rest(
    sim: SimulatorServer, db: Database
) -> None:
    async with rest_client(sim) as valr:
        client = MarketDataClient(
            valr, settings_for(sim), SafetyController(db), SnapshotRepository(db),
            clock=system_clock, stream_factory=stream_factory(sim), tick_s=0.02,
            snapshot_policy=SnapshotPolicy(flush_interval_s=0.05),
        )
        subscription = client.subscribe(maxsize=100)
        task = asyncio.create_task(client.run())
        try:
            await wait_until(lambda: client.connection_state() is ConnectionState.WS)
            sim.exchange.set_price("BTCZAR", Decimal("1234567"))

            async def ws_view_near(target: Decimal) -> MarketView:
                while True:
                    view = await asyncio.wait_for(anext(subscription), 5)
                    t = view.ticker
                    if view.pair == "BTCZAR" and t is not None and t.source == "ws" \
                            and abs(t.last - target) < 1000:
                        return view

            view = await ws_view_near(Decimal("1234567"))
            assert view.ticker is not None and view.ticker.bid < view.ticker.ask
            assert not view.stale

            # The stream drops and is refused for a while: REST keeps the data flowing.
            def rest_polls() -> int:  # the all-pairs summary and the signed books
                return len([r for r in sim.exchange.request_log
                            if "/marketdata/" in r[1] or r[1] == "/v1/public/marketsummary"])

            rest_calls = rest_polls()
            sim.exchange.inject_fault("ws_drop", "1.0")
            await wait_until(lambda: client.connection_state() is ConnectionState.REST, 3)
            sim.exchange.set_price("BTCZAR", Decimal("1300000"))
            await wait_until(
                lambda: (t := client.market("BTCZAR").ticker) is not None
                and t.source == "rest" and abs(t.last - Decimal("1300000")) < 1000, 3
            )
            assert rest_polls() > rest_calls

            # The fault expires: the stream reconnects and is the live source again.
            await wait_until(lambda: client.connection_state() is ConnectionState.WS, 5)
            sim.exchange.set_price("BTCZAR", Decimal("1400000"))
            await ws_view_near(Decimal("1400000"))
            await wait_until(lambda: client.stats.snapshots_written > 0, 3)
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert await SnapshotRepository(db).count("BTCZAR") >= 3


async def test_outage_over_60s_gives_safe_idle_and_recovery_clears_it(
    sim: SimulatorServer, db: Database
) -> None:
    clock = ManualClock()
    safety = SafetyController(db, clock)
    async with rest_client(sim) as valr:
        client = MarketDataClient(valr, settings_for(sim), safety, clock=clock)
        assert await client.poll_once()
        assert client.connection_state() is ConnectionState.REST

        sim.exchange.inject_fault("outage", 3600, mode="refuse")
        for _ in range(12):  # 61 s of polling every 5 s against a dead exchange
            clock.advance(5.1)
            assert not await client.poll_once()
            await client.check_health()
        assert client.connection_state() is ConnectionState.DOWN
        assert client.market("BTCZAR").stale
        assert safety.state is SafetyState.SAFE_IDLE
        assert client.stats.fetch_failures >= 12 * 3  # summary + 2 books a round

        sim.exchange.clear_faults()
        clock.advance(5.1)
        assert await client.poll_once()
        await client.check_health()
        assert safety.state is SafetyState.NORMAL
        assert not client.market("BTCZAR").stale


async def test_without_a_key_a_minute_of_rest_polling_stays_inside_valr_s_public_limit(db: Database) -> None:
    # The simulator enforces VALR's default limits (30 public calls a minute per IP); a minute
    # of 1 s polls with no stream and no key must never be refused.
    clock = ManualClock(1_760_000_040.0)  # the start of a calendar minute, for both sides
    async with SimulatorServer(KEY, SECRET, seed=1, tick_interval=None, clock=clock) as sim:
        settings = Settings(base_url=sim.base_url, ws_url=sim.ws_url, pairs=PAIRS,
                            poll_interval_s=Decimal("1"), db_path=":memory:")
        bucket = TokenBucket(capacity=10_000, refill_per_second=10_000)
        async with VALRClient(sim.base_url, bucket=bucket, timeout=2.0, max_retries=0) as valr:
            client = MarketDataClient(valr, settings, SafetyController(db), None, clock=clock)
            for _ in range(60):
                await client.poll_once()
                clock.advance(1)
            public = [path for _method, path in sim.exchange.request_log if path.startswith("/v1/public/")]
            assert valr.last_rate_limited_at is None  # not one 429
            assert 20 <= len(public) <= 30
            assert all(client.market(pair).ticker is not None for pair in PAIRS)
