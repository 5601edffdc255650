"""VALR's limits as its reference documents them: per key and per IP in calendar-minute windows;
/v1/public/* 30 a minute per IP; per-second route limits (POST /v1/orders 400/s, DELETE
/v1/orders 450/s, /v1/public/time 20/s, ...) that reset each second and count apart from the key
and IP windows; a 429 carries ``x-valr-ratelimited: true`` and no Retry-After. The injected
clock crosses windows without sleeping."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from valr_tui.simulator.limits import RateLimits, WindowCounter
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


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.headers["x-valr-ratelimited"] == "true"
    assert "retry-after" not in response.headers  # VALR documents none


def test_window_counters_reset_at_the_calendar_minute_and_second() -> None:
    clock = ManualClock(119.0)
    minute, second = WindowCounter(clock, 60), WindowCounter(clock, 1)
    assert minute.hit("ip", "a", 1) and not minute.hit("ip", "a", 1)
    assert minute.hit("ip", "b", 1)  # identities are counted apart
    assert second.hit("s", "a", 1) and not second.hit("s", "a", 1)
    clock.advance(0.5)  # 119.5: same minute, same second
    assert not minute.hit("ip", "a", 1) and not second.hit("s", "a", 1)
    clock.advance(0.5)  # 120.0: a new minute and a new second
    assert minute.hit("ip", "a", 1) and second.hit("s", "a", 1)


async def test_public_limit_30_per_minute_and_no_retry_after(clock: ManualClock) -> None:
    server = await _server(clock, RateLimits())
    try:
        async with httpx.AsyncClient(base_url=server.base_url, verify=SHARED_TLS) as http:
            codes = [(await http.get("/v1/public/BTCZAR/marketsummary")).status_code for _ in range(31)]
            assert codes[:30] == [200] * 30
            assert_rate_limited(await http.get("/v1/public/BTCZAR/orderbook"))
            signed = SignedClient(http, clock)
            assert (await signed.get("/v1/marketdata/BTCZAR/orderbook")).status_code == 200  # the twin
            assert (await signed.get("/v1/account/balances")).status_code == 200  # key limit untouched
            clock.advance(50)  # the next calendar minute
            assert (await http.get("/v1/public/BTCZAR/marketsummary")).status_code == 200
    finally:
        await server.stop()


async def test_public_time_has_its_own_20_per_second(clock: ManualClock) -> None:
    server = await _server(clock, RateLimits())
    try:
        async with httpx.AsyncClient(base_url=server.base_url, verify=SHARED_TLS) as http:
            codes = [(await http.get("/v1/public/time")).status_code for _ in range(21)]
            assert codes == [200] * 20 + [429]
            # It is not the 30-a-minute public budget: that one is untouched.
            assert (await http.get("/v1/public/BTCZAR/marketsummary")).status_code == 200
            clock.advance(1.0)  # the next second
            assert (await http.get("/v1/public/time")).status_code == 200
    finally:
        await server.stop()


async def test_order_routes_have_per_second_limits_apart_from_the_key_minute(clock: ManualClock) -> None:
    limits = RateLimits(per_key_per_minute=3, per_second={"POST /v1/orders": 2, "DELETE /v1/orders": 1})
    server = await _server(clock, limits)
    order = {"side": "BUY", "quantity": "0.001", "price": "1000000", "pair": "BTCZAR"}
    try:
        async with httpx.AsyncClient(base_url=server.base_url, verify=SHARED_TLS) as http:
            signed = SignedClient(http, clock)
            assert [(await signed.place(**order)).status_code for _ in range(3)] == [202, 202, 429]
            cancel = {"orderId": "nope", "pair": "BTCZAR"}
            assert [(await signed.send("DELETE", "/v1/orders/order", cancel)).status_code
                    for _ in range(2)] == [202, 429]
            # Neither counted against the key's minute window: three calls of it are left.
            assert [(await signed.get("/v1/orders/open")).status_code for _ in range(4)] == [200] * 3 + [429]
            clock.advance(1.0)  # a new second: the order routes reopen, the key window does not
            assert (await signed.place(**order)).status_code == 202
            assert_rate_limited(await signed.get("/v1/orders/open"))
    finally:
        await server.stop()


async def test_per_key_limit(limited: tuple[SimulatorServer, SignedClient], clock: ManualClock) -> None:
    _, signed = limited
    for _ in range(5):
        assert (await signed.get("/v1/account/balances")).status_code == 200
    assert_rate_limited(await signed.get("/v1/orders/open"))
    clock.advance(49.9)
    assert_rate_limited(await signed.get("/v1/orders/open"))
    clock.advance(0.2)
    assert (await signed.get("/v1/orders/open")).status_code == 200


async def test_per_ip_limit_counts_the_routes_without_their_own_limit(clock: ManualClock) -> None:
    server = await _server(
        clock, RateLimits(per_key_per_minute=100, per_ip_per_minute=4, public_per_minute=100)
    )
    try:
        async with httpx.AsyncClient(base_url=server.base_url, verify=SHARED_TLS) as http:
            signed = SignedClient(http, clock)
            for _ in range(4):
                assert (await signed.get("/v1/account/balances")).status_code == 200
            # 4 calls from this IP: the key has budget left, the IP has none.
            assert_rate_limited(await signed.get("/v1/account/balances"))
            assert (await http.get("/v1/public/BTCZAR/marketsummary")).status_code == 200  # its own limit
            clock.advance(60)
            assert (await signed.get("/v1/account/balances")).status_code == 200
    finally:
        await server.stop()
