"""VALR's limits: per key, per IP and /v1/public/* per IP, in calendar-minute windows that the
injected clock crosses without sleeping."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from valr_tui.simulator.limits import MinuteWindowCounter, RateLimits, seconds_to_next_minute
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.clock import ManualClock

from .conftest import API_KEY, API_SECRET, SHARED_TLS, SignedClient


async def _server(clock: ManualClock, limits: RateLimits) -> SimulatorServer:
    server = SimulatorServer(API_KEY, API_SECRET, seed=1, tick_interval=None, clock=clock, limits=limits)
    await server.start()
    return server


@pytest.fixture
async def limited(clock: ManualClock) -> AsyncIterator[tuple[SimulatorServer, SignedClient]]:
    server = await _server(clock, RateLimits(per_key_per_minute=5, per_ip_per_minute=8, public_per_minute=3))
    async with httpx.AsyncClient(base_url=server.base_url, verify=SHARED_TLS) as http:
        yield server, SignedClient(http, clock)
    await server.stop()


def assert_rate_limited(response: httpx.Response, retry_after: int) -> None:
    assert response.status_code == 429
    assert response.headers["x-valr-ratelimited"] == "true"
    assert response.headers["Retry-After"] == str(retry_after)


def test_window_counter_resets_at_the_calendar_minute() -> None:
    clock = ManualClock(119.0)
    counter = MinuteWindowCounter(clock)
    assert counter.hit("ip", "a", 1) and not counter.hit("ip", "a", 1)
    assert counter.hit("ip", "b", 1)  # identities are counted apart
    clock.advance(1.0)  # 120.0: a new minute, only one second later
    assert counter.hit("ip", "a", 1)
    assert seconds_to_next_minute(120.0) == 60 and seconds_to_next_minute(179.5) == 1


async def test_public_limit_30_per_minute_default(clock: ManualClock) -> None:
    server = await _server(clock, RateLimits())
    try:
        async with httpx.AsyncClient(base_url=server.base_url, verify=SHARED_TLS) as http:
            codes = [(await http.get("/v1/public/time")).status_code for _ in range(31)]
            assert codes[:30] == [200] * 30
            assert_rate_limited(await http.get("/v1/public/BTCZAR/orderbook"), 50)  # clock is at :10
            signed = SignedClient(http, clock)
            assert (await signed.get("/v1/marketdata/BTCZAR/orderbook")).status_code == 200  # the twin
            clock.advance(50)  # the next calendar minute
            assert (await http.get("/v1/public/time")).status_code == 200
    finally:
        await server.stop()


async def test_per_key_limit(limited: tuple[SimulatorServer, SignedClient], clock: ManualClock) -> None:
    _, signed = limited
    for _ in range(5):
        assert (await signed.get("/v1/account/balances")).status_code == 200
    assert_rate_limited(await signed.get("/v1/orders/open"), 50)
    clock.advance(49.9)
    assert_rate_limited(await signed.get("/v1/orders/open"), 1)
    clock.advance(0.2)
    assert (await signed.get("/v1/orders/open")).status_code == 200


async def test_per_ip_limit_counts_public_and_signed(clock: ManualClock) -> None:
    server = await _server(
        clock, RateLimits(per_key_per_minute=100, per_ip_per_minute=4, public_per_minute=100)
    )
    try:
        async with httpx.AsyncClient(base_url=server.base_url, verify=SHARED_TLS) as http:
            signed = SignedClient(http, clock)
            for _ in range(2):
                assert (await http.get("/v1/public/time")).status_code == 200
                assert (await signed.get("/v1/account/balances")).status_code == 200
            # 4 calls from this IP: the key has budget left, the IP has none.
            assert_rate_limited(await signed.get("/v1/account/balances"), 50)
            assert_rate_limited(await http.get("/v1/public/time"), 50)
            clock.advance(60)
            assert (await signed.get("/v1/account/balances")).status_code == 200
    finally:
        await server.stop()
