"""VALRClient against the loopback simulator: real HTTP, real signatures, injected faults."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest

from valr_tui.errors import (
    AuthenticationError,
    ExchangeError,
    ExchangeUnavailableError,
    MalformedResponseError,
    OrderNotFoundError,
    RateLimitedError,
)
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.clock import ManualClock

KEY = "sim-api-key-0123456789"
SECRET = "sim-api-secret-0123456789abcdef"
BTC = "BTCZAR"


def big_bucket() -> TokenBucket:
    return TokenBucket(capacity=10_000, refill_per_second=10_000)


def client_for(sim: SimulatorServer, *, signed: bool = True, timeout: float = 5.0,
               secret: str = SECRET, **kwargs: object) -> VALRClient:
    signer = VALRSigner(KEY, secret) if signed else None
    return VALRClient(sim.base_url, signer=signer, bucket=big_bucket(), timeout=timeout,
                      **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def sim() -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(KEY, SECRET, seed=1, tick_interval=None) as server:
        yield server


@pytest.fixture
async def client(sim: SimulatorServer) -> AsyncIterator[VALRClient]:
    async with client_for(sim) as valr:
        yield valr


async def wait_for(predicate: Callable[[], bool], limit_s: float = 5.0) -> None:
    for _ in range(int(limit_s / 0.005)):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached in time")


def orders_with(sim: SimulatorServer, customer_order_id: str) -> list[dict[str, object]]:
    return [o for o in sim.exchange.order_history(limit=500) if o["customerOrderId"] == customer_order_id]


async def test_signed_and_public_calls_parse(sim: SimulatorServer, client: VALRClient) -> None:
    pairs = {p.symbol: p for p in await client.get_pairs()}
    ticker = await client.get_ticker(BTC)
    book = await client.get_orderbook(BTC)
    balances = {b.currency: b for b in await client.get_balances()}
    assert pairs[BTC].tick_size == Decimal(1) and pairs[BTC].base_decimal_places == 8
    assert ticker.bid < ticker.ask and isinstance(ticker.bid, Decimal)
    assert book.best_bid == ticker.bid and book.best_ask == ticker.ask and not book.crossed
    assert balances["ZAR"].available > 0
    assert abs(await client.get_server_time() - time.time()) < 5
    assert await client.get_status() == "online"
    # VALR has no signed market summary: the ticker is always the public route.
    assert ("GET", "/v1/public/BTCZAR/marketsummary") in sim.exchange.request_log
    assert ("GET", "/v1/marketdata/BTCZAR/orderbook") in sim.exchange.request_log


async def test_wrong_secret_is_an_authentication_error(sim: SimulatorServer) -> None:
    async with client_for(sim, secret="not-the-secret-at-all") as wrong:
        with pytest.raises(AuthenticationError) as info:
            await wrong.get_balances()
    assert info.value.status == 401 and info.value.valr_code == -11252
    assert SECRET not in str(info.value) and KEY not in str(info.value)


async def test_order_lifecycle_with_partial_fill(sim: SimulatorServer, client: VALRClient) -> None:
    book = await client.get_orderbook(BTC)
    best_ask = book.asks[0]
    quantity = best_ask.quantity + Decimal("0.0001")  # more than the best level holds
    ack = await client.place_limit_order(BTC, "BUY", quantity, best_ask.price, "life-1")
    assert ack.customer_order_id == "life-1"

    status = await client.get_order(BTC, customer_order_id="life-1")
    assert status.order_id == ack.order_id
    assert status.status == "Partially Filled"
    assert status.filled_quantity == best_ask.quantity
    assert status.remaining_quantity == Decimal("0.0001")
    assert [o.order_id for o in await client.get_open_orders()] == [ack.order_id]
    fills = await client.get_trade_history(BTC)
    assert [f.quantity for f in fills if f.order_id == ack.order_id] == [best_ask.quantity]
    assert fills[0].sequence_id > 2**53

    await client.cancel_order(BTC, order_id=ack.order_id)
    final = await client.get_order(BTC, order_id=ack.order_id)
    assert final.status == "Cancelled" and not final.is_open
    assert await client.get_open_orders() == []
    zar = {b.currency: b for b in await client.get_balances()}["ZAR"]
    assert zar.reserved == 0  # the unfilled remainder's reservation was released


async def test_exchange_rejections_and_unknown_orders(client: VALRClient) -> None:
    with pytest.raises(ExchangeError) as info:
        await client.place_limit_order(BTC, "BUY", Decimal("0.000001"), Decimal("1000000"), "tiny-1")
    assert info.value.valr_code == -12007 and info.value.status == 400
    with pytest.raises(OrderNotFoundError):
        await client.get_order(BTC, customer_order_id="never-placed")


async def test_public_429_pauses_the_public_limit_until_the_server_minute_turns() -> None:
    now = time.time()
    # The simulator's minute is 0.8 s from turning; VALR's 429 has no Retry-After, so the client
    # must know the server's time (GET /v1/public/time) to wait for the right minute.
    sim_clock = ManualClock(start=math.floor(now / 60) * 60 + 59.2)

    async def sleep_and_advance(seconds: float) -> None:
        await asyncio.sleep(seconds)
        sim_clock.advance(seconds)

    async with SimulatorServer(KEY, SECRET, seed=1, tick_interval=None, clock=sim_clock) as sim:
        log = sim.exchange.request_log
        async with client_for(sim, signed=False, sleep=sleep_and_advance) as valr:
            await valr.sync_server_time()
            log.clear()
            sim.exchange.inject_fault("rate_limit_storm", "0.5")
            first = asyncio.create_task(valr.get_ticker(BTC))
            await wait_for(lambda: valr.last_rate_limited_at is not None)
            sent_before_pause = len(log)
            assert 0.5 < valr.scope_blocked_for("public") < 1.5  # to the server's next minute
            assert not valr.bucket.essential_only  # only the public limit is shut (and shown)
            assert valr.bucket.snapshot().blocked_for > 0.5
            second = asyncio.create_task(valr.get_orderbook(BTC, essential=True))
            await asyncio.sleep(0.5)
            assert len(log) == sent_before_pause  # nothing public was sent while limited
            ticker, book = await asyncio.gather(first, second)
    assert ticker.pair == BTC and book.pair == BTC
    summary, orderbook = ("GET", "/v1/public/BTCZAR/marketsummary"), ("GET", "/v1/public/BTCZAR/orderbook")
    assert log[0] == summary and sorted(log[1:]) == [summary, orderbook]


async def test_rate_limit_beyond_the_budget_raises(sim: SimulatorServer) -> None:
    sim.exchange.inject_fault("rate_limit_storm", "5")
    async with client_for(sim, max_backoff_total_s=0.0) as valr:
        with pytest.raises(RateLimitedError):
            await valr.get_balances()
        assert valr.last_rate_limited_at is not None
    assert len(sim.exchange.request_log) == 1


async def test_outage_then_recovery(sim: SimulatorServer, client: VALRClient) -> None:
    await client.get_ticker(BTC)  # a pooled keep-alive connection exists
    sim.exchange.inject_fault("outage", "30")
    with pytest.raises(ExchangeUnavailableError):
        await client.get_ticker(BTC)
    with pytest.raises(ExchangeUnavailableError):
        await client.get_balances()
    sim.exchange.clear_faults()  # the exchange comes back
    assert (await client.get_ticker(BTC)).pair == BTC
    assert (await client.get_balances())[0].currency


async def test_hanging_outage_times_out(sim: SimulatorServer) -> None:
    sim.exchange.inject_fault("outage", "1", mode="hang")
    async with client_for(sim, timeout=0.2) as valr:
        with pytest.raises(ExchangeUnavailableError) as info:
            await valr.get_ticker(BTC)
    assert info.value.details["reason"] == "timeout"
    sim.exchange.clear_faults()


@pytest.mark.parametrize(
    ("kind", "params", "error", "status"),
    [
        ("malformed", {}, MalformedResponseError, 200),
        ("html", {"status": 200}, MalformedResponseError, 200),
        ("html", {}, ExchangeUnavailableError, 502),
        ("http_5xx", {"status": 503}, ExchangeUnavailableError, 503),
    ],
)
async def test_bad_bodies_become_coded_errors(
    sim: SimulatorServer, client: VALRClient, kind: str, params: dict[str, int],
    error: type[ExchangeError], status: int,
) -> None:
    sim.exchange.inject_fault(kind, 5, **params)
    for call in (client.get_ticker(BTC), client.get_balances(), client.get_open_orders()):
        with pytest.raises(error) as info:
            await call
        assert type(info.value) is error and info.value.status == status
    sim.exchange.clear_faults()
    assert (await client.get_ticker(BTC)).pair == BTC


async def test_timeout_on_placement_never_duplicates_the_order(sim: SimulatorServer) -> None:
    async with client_for(sim) as probe:
        ask = (await probe.get_orderbook(BTC)).best_ask
    assert ask is not None
    price = ask - 5000  # rests on the book
    post = ("POST", "/v1/orders/limit")
    # The POST stalls past the client timeout; once it is in, the fault clears for the lookup.
    sim.exchange.inject_fault("latency", "30", delay_ms=1200)
    async with client_for(sim, timeout=0.4) as valr:
        placing = asyncio.create_task(
            valr.place_limit_order(BTC, "BUY", Decimal("0.001"), price, "dup-guard-1")
        )
        await wait_for(lambda: post in sim.exchange.request_log)
        sim.exchange.clear_faults()
        with pytest.raises(ExchangeUnavailableError) as info:
            await placing
        assert info.value.details["order_state"] == "unknown"  # the order manager finds out
        await asyncio.sleep(1.0)  # let the stalled POST finish (or die) on the server
    assert len(orders_with(sim, "dup-guard-1")) <= 1
    posts = [entry for entry in sim.exchange.request_log if entry == post]
    assert len(posts) == 1  # sent once: never resent on the client's own guess


async def test_unreachable_lookup_leaves_the_order_state_unknown(sim: SimulatorServer) -> None:
    sim.exchange.inject_fault("latency", "30", delay_ms=600)
    async with client_for(sim, timeout=0.2) as valr:
        with pytest.raises(ExchangeUnavailableError) as info:
            await valr.place_limit_order(BTC, "BUY", Decimal("0.001"), Decimal("1000000"), "dup-guard-2")
        sim.exchange.clear_faults()
        assert info.value.details["order_state"] == "unknown"
        assert info.value.details["customer_order_id"] == "dup-guard-2"
        await asyncio.sleep(1.0)
        # Recovery later finds at most the one order: never two.
        assert len(orders_with(sim, "dup-guard-2")) <= 1
    posts = [entry for entry in sim.exchange.request_log if entry == ("POST", "/v1/orders/limit")]
    assert len(posts) == 1
