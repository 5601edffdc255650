"""Fault injection through /_sim/: every kind enters, acts on VALR's paths only, and expires on
the injected clock."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest

from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.clock import ManualClock

from .conftest import SHARED_TLS, SignedClient


async def inject(http: httpx.AsyncClient, kind: str, duration_s: float = 5, **params: Any) -> dict[str, Any]:
    response = await http.post("/_sim/fault", json={"kind": kind, "duration_s": duration_s, **params})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def state(http: httpx.AsyncClient) -> dict[str, Any]:
    result: dict[str, Any] = (await http.get("/_sim/state")).json()
    return result


async def expire(http: httpx.AsyncClient, clock: ManualClock) -> None:
    clock.advance(5.01)
    assert (await state(http))["faults"] == []


async def test_outage_refuse_drops_connections_without_a_response(
    http: httpx.AsyncClient, clock: ManualClock
) -> None:
    assert (await http.get("/v1/public/time")).status_code == 200  # a pooled keep-alive connection
    await inject(http, "outage", mode="refuse")
    for _ in range(2):  # the pooled connection, then a fresh one
        with pytest.raises(httpx.TransportError):
            await http.get("/v1/public/time")
    assert (await state(http))["faults"][0]["kind"] == "outage"  # /_sim/ is never faulted
    # a control request with a body (sent after its headers) must get through too
    await inject(http, "latency", delay_ms=1)
    with pytest.raises(httpx.TransportError):
        await http.post("/v1/orders/limit", content=b'{"pair":"BTCZAR"}')
    await expire(http, clock)
    assert (await http.get("/v1/public/time")).status_code == 200


async def test_outage_refuse_lets_a_control_body_sent_after_its_headers_through(
    sim: SimulatorServer, http: httpx.AsyncClient
) -> None:
    await inject(http, "outage", mode="refuse")
    body = b'{"kind":"latency","duration_s":5}'
    host, port = sim.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /_sim/fault HTTP/1.1\r\nHost: sim\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    await writer.drain()
    await asyncio.sleep(0.05)  # the body arrives in its own TCP segment
    writer.write(body)
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 2)
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 200")
    assert {fault["kind"] for fault in (await state(http))["faults"]} == {"outage", "latency"}


async def test_outage_hang_until_the_client_times_out(http: httpx.AsyncClient, clock: ManualClock) -> None:
    await inject(http, "outage", mode="hang")
    with pytest.raises(httpx.ReadTimeout):
        await http.get("/v1/public/time", timeout=0.3)
    await expire(http, clock)
    assert (await http.get("/v1/public/time")).status_code == 200


async def test_latency_delays_valr_paths_only(http: httpx.AsyncClient, clock: ManualClock) -> None:
    await inject(http, "latency", delay_ms=200)
    started = time.perf_counter()
    assert (await http.get("/v1/public/time")).status_code == 200
    assert time.perf_counter() - started >= 0.2
    started = time.perf_counter()
    await state(http)
    assert time.perf_counter() - started < 0.2
    await expire(http, clock)


async def test_http_5xx(http: httpx.AsyncClient, signed: SignedClient, clock: ManualClock) -> None:
    await inject(http, "http_5xx", status=502)
    assert (await http.get("/v1/public/time")).status_code == 502
    assert (await signed.get("/v1/account/balances")).status_code == 502
    await expire(http, clock)
    assert (await signed.get("/v1/account/balances")).status_code == 200


async def test_rate_limit_storm(http: httpx.AsyncClient, signed: SignedClient, clock: ManualClock) -> None:
    await inject(http, "rate_limit_storm")
    for response in (await http.get("/v1/public/time"), await signed.get("/v1/orders/open")):
        assert response.status_code == 429 and response.headers["x-valr-ratelimited"] == "true"
        assert "retry-after" not in response.headers  # VALR's 429 has none
    await expire(http, clock)
    assert (await signed.get("/v1/orders/open")).status_code == 200


async def test_malformed_bodies(http: httpx.AsyncClient, clock: ManualClock) -> None:
    await inject(http, "malformed")
    response = await http.get("/v1/public/BTCZAR/marketsummary")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    await expire(http, clock)
    json.loads((await http.get("/v1/public/BTCZAR/marketsummary")).text)


@pytest.mark.parametrize("status", [200, 502])
async def test_html_error_page(http: httpx.AsyncClient, clock: ManualClock, status: int) -> None:
    await inject(http, "html", status=status)
    response = await http.get("/v1/public/BTCZAR/marketsummary")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html") and response.text.startswith("<html>")
    await expire(http, clock)
    assert (await http.get("/v1/public/BTCZAR/marketsummary")).headers["content-type"] == "application/json"


async def test_spread_blowout(http: httpx.AsyncClient, clock: ManualClock, sim: SimulatorServer) -> None:
    def spread(book: dict[str, Any]) -> Decimal:
        ask, bid = Decimal(book["Asks"][0]["price"]), Decimal(book["Bids"][0]["price"])
        return (ask - bid) / ask

    assert spread((await http.get("/v1/public/BTCZAR/orderbook")).json()) < Decimal("0.01")
    await inject(http, "spread_blowout", pct=5)
    assert spread((await http.get("/v1/public/BTCZAR/orderbook")).json()) > Decimal("0.045")
    await expire(http, clock)
    await http.post("/_sim/step", json={"n": 1})
    assert spread((await http.get("/v1/public/BTCZAR/orderbook")).json()) < Decimal("0.01")


async def test_price_shock_and_balance_drift(
    http: httpx.AsyncClient, signed: SignedClient, clock: ManualClock
) -> None:
    before = Decimal((await http.get("/v1/public/ETHZAR/marketsummary")).json()["markPrice"])
    await inject(http, "price_shock", pct="-8", pair="ETHZAR")
    after = Decimal((await http.get("/v1/public/ETHZAR/marketsummary")).json()["markPrice"])
    assert after == (before * Decimal("0.92")).to_integral_value()
    await inject(http, "balance_drift", currency="ZAR", delta="-50000")
    zar = next(b for b in (await signed.get("/v1/account/balances")).json() if b["currency"] == "ZAR")
    assert zar["available"] == "950000"
    await expire(http, clock)
    zar = next(b for b in (await signed.get("/v1/account/balances")).json() if b["currency"] == "ZAR")
    assert zar["available"] == "950000"  # applied once, never reverted


async def test_clear_faults_and_bad_requests(http: httpx.AsyncClient) -> None:
    await inject(http, "http_5xx")
    assert (await http.delete("/_sim/faults")).json() == {"active": []}
    assert (await http.get("/v1/public/time")).status_code == 200
    for body in ({"kind": "meteor"}, {"kind": "latency", "duration_s": -1}, {"kind": "outage", "mode": "x"}):
        response = await http.post("/_sim/fault", json=body)
        assert response.status_code == 400 and "error" in response.json()
    assert (await http.post("/_sim/fault", content=b"not json")).status_code == 400


async def test_control_price_step_balance(http: httpx.AsyncClient, sim: SimulatorServer) -> None:
    summary = (await http.post("/_sim/price", json={"pair": "BTCZAR", "price": "1300000"})).json()
    assert summary["markPrice"] == "1300000" and summary["lastTradedPrice"] == "1300000"
    markets = (await http.post("/_sim/step", json={"n": 3})).json()
    assert set(markets) == {"BTCZAR", "ETHZAR"}
    balances = (await http.post("/_sim/balance", json={"currency": "BTC", "delta": "0.5"})).json()
    assert next(b for b in balances if b["currency"] == "BTC")["available"] == "1.5"
    assert (await http.post("/_sim/price", json={"pair": "BTCZAR", "price": "-5"})).status_code == 400
    assert (await http.post("/_sim/price", json={"pair": "BTCZAR", "price": "abc"})).status_code == 400
    assert (await http.post("/_sim/balance", json={"currency": "DOGE", "delta": "1"})).status_code == 400


async def test_control_api_refuses_non_loopback_clients(sim: SimulatorServer) -> None:
    transport = httpx.ASGITransport(app=sim.app, client=("10.1.2.3", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim", verify=SHARED_TLS) as remote:
        assert (await remote.post("/_sim/fault", json={"kind": "outage"})).status_code == 403
    assert sim.exchange.active_faults() == []
