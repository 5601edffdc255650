"""The simulator answers each request the app makes as VALR's examples of it do: the same status
code, no key VALR never sends, every key all of VALR's examples have, the same JSON types, and
no route VALR does not have. Also its WebSocket messages against VALR's sample feeds."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.conformance import official_examples as O
from tests.conformance.shapes import differences, shape_of
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.simulator.limits import RateLimits
from valr_tui.simulator.server import SimulatorServer

KEY, SECRET = "conformance-key", "conformance-secret-0123456789"
PAIR = "BTCZAR"
UNLIMITED = RateLimits(per_key_per_minute=10**6, per_ip_per_minute=10**6, public_per_minute=10**6)


@dataclass
class Venue:
    sim: SimulatorServer
    http: httpx.AsyncClient
    signer: VALRSigner
    resting_id: str = ""
    filled_id: str = ""
    cancelled_id: str = ""

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None, *,
                   signed: bool = True) -> httpx.Response:
        content = json.dumps(body, separators=(",", ":")) if body is not None else ""
        headers = {"Content-Type": "application/json"} if content else {}
        if signed:
            headers.update(self.signer.headers(method, path, content))
        return await self.http.request(method, path, content=content.encode() or None, headers=headers)


def order(side: str, price: Any, cid: str, **extra: Any) -> dict[str, Any]:
    return {"side": side, "quantity": "0.001", "price": str(price), "pair": PAIR, "customerOrderId": cid,
            "postOnly": False, "timeInForce": "GTC", **extra}


@pytest.fixture
async def venue() -> AsyncIterator[Venue]:
    async with (
        SimulatorServer(KEY, SECRET, seed=3, tick_interval=None, limits=UNLIMITED) as sim,
        httpx.AsyncClient(base_url=sim.base_url) as http,
    ):
        v = Venue(sim, http, VALRSigner(KEY, SECRET))
        summary = sim.exchange.market_summary(PAIR)
        bid, ask = int(summary["bidPrice"]), int(summary["askPrice"])
        place = "/v1/orders/limit"
        resting = await v.call("POST", place, order("BUY", bid - 5000, "rest-1", postOnly=True))
        filled = await v.call("POST", place, order("BUY", ask, "fill-1", timeInForce="IOC"))
        cancelled = await v.call("POST", place, order("SELL", ask + 5000, "gone-1"))
        v.resting_id, v.filled_id, v.cancelled_id = (r.json()["id"] for r in (resting, filled, cancelled))
        await v.call("DELETE", "/v1/orders/order", {"orderId": v.cancelled_id, "pair": PAIR})
        yield v


def assert_like(examples: list[O.Example], response: httpx.Response) -> None:
    assert {e.status for e in examples} == {response.status_code}, examples[0].request
    bodies = [json.loads(e.body) for e in examples if e.body.strip()]
    if not bodies:
        assert not response.content.strip()
        return
    assert differences(shape_of(bodies), response.json()) == [], examples[0].request


async def test_public_market_data(venue: Venue) -> None:
    for examples, path in (
        ([O.PAIRS], "/v1/public/pairs"),
        ([O.MARKET_SUMMARIES], "/v1/public/marketsummary"),
        ([O.MARKET_SUMMARY], f"/v1/public/{PAIR}/marketsummary"),
        ([O.PUBLIC_ORDER_BOOK], f"/v1/public/{PAIR}/orderbook"),
        ([O.PUBLIC_TRADES], f"/v1/public/{PAIR}/trades?skip=0&limit=10"),
        ([O.SERVER_TIME], "/v1/public/time"),
        ([O.STATUS_1, O.STATUS_2], "/v1/public/status"),
    ):
        assert_like(examples, await venue.call("GET", path, signed=False))


async def test_signed_market_data_and_account(venue: Venue) -> None:
    for examples, path in (
        ([O.MARKETDATA_ORDER_BOOK], f"/v1/marketdata/{PAIR}/orderbook"),
        ([O.MARKETDATA_TRADES], f"/v1/marketdata/{PAIR}/tradehistory?skip=0&limit=10"),
        ([O.BALANCES], "/v1/account/balances?excludeZeroBalances=true"),
        ([O.ACCOUNT_TRADES_1, O.ACCOUNT_TRADES_2, O.ACCOUNT_TRADES_3],
         "/v1/account/tradehistory?skip=0&limit=100"),
        ([O.ACCOUNT_PAIR_TRADES_1, O.ACCOUNT_PAIR_TRADES_2],
         f"/v1/account/{PAIR}/tradehistory?skip=0&limit=100"),
        ([O.OPEN_ORDERS_1, O.OPEN_ORDERS_2], "/v1/orders/open"),
    ):
        response = await venue.call("GET", path)
        assert response.json(), path  # something to compare
        assert_like(examples, response)


async def test_orders(venue: Venue) -> None:
    statuses = [O.ORDER_STATUS_1, O.ORDER_STATUS_2, O.ORDER_STATUS_3, O.ORDER_STATUS_4, O.ORDER_STATUS_5,
                O.ORDER_STATUS_6, O.ORDER_STATUS_7, O.ORDER_STATUS_CID_1, O.ORDER_STATUS_CID_2,
                O.ORDER_STATUS_CID_4, O.ORDER_STATUS_CID_5, O.ORDER_STATUS_CID_6]
    for order_id in (venue.resting_id, venue.filled_id, venue.cancelled_id):
        assert_like(statuses, await venue.call("GET", f"/v1/orders/{PAIR}/orderid/{order_id}"))
    for cid in ("rest-1", "fill-1"):
        assert_like(statuses, await venue.call("GET", f"/v1/orders/{PAIR}/customerorderid/{cid}"))
    assert_like([O.ORDER_STATUS_CID_3], await venue.call("GET", f"/v1/orders/{PAIR}/customerorderid/nope"))
    summaries = [O.HISTORY_SUMMARY_1, O.HISTORY_SUMMARY_2, O.HISTORY_SUMMARY_CID_1, O.HISTORY_SUMMARY_CID_2]
    for path in (f"/v1/orders/history/summary/orderid/{venue.filled_id}",
                 f"/v1/orders/history/summary/orderid/{venue.cancelled_id}",
                 "/v1/orders/history/summary/customerorderid/fill-1"):
        assert_like(summaries, await venue.call("GET", path))
    bid = int(venue.sim.exchange.market_summary(PAIR)["bidPrice"])
    placed = await venue.call("POST", "/v1/orders/limit", order("BUY", bid - 9000, "new-1"))
    assert_like([O.LIMIT_ORDER_1, O.LIMIT_ORDER_2], placed)
    modify = {"orderId": venue.resting_id, "pair": PAIR, "newPrice": str(bid - 6000),
              "modifyMatchStrategy": "RETAIN_ORIGINAL"}
    assert_like([O.MODIFY_ORDER], await venue.call("PUT", "/v1/orders/modify", modify))
    cancel = await venue.call("DELETE", "/v1/orders/order", {"orderId": placed.json()["id"], "pair": PAIR})
    assert_like([O.CANCEL_ORDER], cancel)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/v1/marketdata/{PAIR}/marketsummary"),  # VALR has no signed market summary
        ("GET", f"/v1/marketdata/{PAIR}/trades"),  # the signed trade history is /tradehistory
        ("GET", f"/v1/public/{PAIR}/tradehistory"),  # the public one is /trades
        ("GET", "/v1/orders/history/summary"),
        ("POST", "/v1/orders/stoplimit"),
    ],
)
async def test_routes_valr_does_not_have_are_404(venue: Venue, method: str, path: str) -> None:
    assert (await venue.call(method, path, {} if method == "POST" else None)).status_code == 404


# --- WebSocket feeds ---------------------------------------------------------------------------------
async def collect(url: str, headers: dict[str, str] | None, send: str | None, kinds: set[str],
                  act: Any = None) -> dict[str, dict[str, Any]]:
    """The first message of each kind in ``kinds`` the socket delivers."""
    found: dict[str, dict[str, Any]] = {}
    async with connect(url, additional_headers=headers) as socket:
        if send is not None:
            await socket.send(send)
        if act is not None:
            await act()
        async with asyncio.timeout(5):
            while not kinds <= set(found):
                message = json.loads(await socket.recv())
                found.setdefault(message["type"], message)
    return found


async def test_trade_socket_messages(venue: Venue) -> None:
    kinds = {"MARKET_SUMMARY_UPDATE", "AGGREGATED_ORDERBOOK_UPDATE", "NEW_TRADE"}
    subscriptions = [{"event": kind, "pairs": [PAIR]} for kind in kinds]
    subscribe = json.dumps({"type": "SUBSCRIBE", "subscriptions": subscriptions})

    async def trade() -> None:
        venue.sim.exchange.step(3)

    found = await collect(venue.sim.ws_url + "/ws/trade", None, subscribe, kinds, trade)
    for sample in (O.WS_MARKET_SUMMARY_UPDATE, O.WS_AGGREGATED_ORDERBOOK_UPDATE, O.WS_NEW_TRADE):
        official = json.loads(sample)
        assert differences(shape_of([official]), found[official["type"]]) == [], official["type"]


async def test_account_socket_messages(venue: Venue) -> None:
    kinds = {"BALANCE_UPDATE", "OPEN_ORDERS_UPDATE", "ORDER_STATUS_UPDATE", "NEW_ACCOUNT_TRADE",
             "ORDER_PROCESSED", "FAILED_CANCEL_ORDER", "MODIFY_ORDER_OUTCOME"}
    ask = int(venue.sim.exchange.market_summary(PAIR)["askPrice"])
    bid = int(venue.sim.exchange.market_summary(PAIR)["bidPrice"])

    async def act() -> None:
        await venue.call("POST", "/v1/orders/limit", order("BUY", ask, "ws-fill", timeInForce="IOC"))
        await venue.call("PUT", "/v1/orders/modify", {"orderId": venue.resting_id, "pair": PAIR,
                                                      "newPrice": str(bid - 7000),
                                                      "modifyMatchStrategy": "RETAIN_ORIGINAL"})
        await venue.call("DELETE", "/v1/orders/order", {"orderId": "unknown", "pair": PAIR})

    headers = venue.signer.headers("GET", "/ws/account", "")
    found = await collect(venue.sim.ws_url + "/ws/account", headers, None, kinds, act)
    samples = {
        "BALANCE_UPDATE": [O.WS_BALANCE_UPDATE],
        "OPEN_ORDERS_UPDATE": [O.WS_OPEN_ORDERS_UPDATE],
        "ORDER_STATUS_UPDATE": [O.WS_ORDER_STATUS_UPDATE, O.WS_ORDER_STATUS_UPDATE_MODIFIED],
        "NEW_ACCOUNT_TRADE": [O.WS_NEW_ACCOUNT_TRADE],
        "ORDER_PROCESSED": [O.WS_ORDER_PROCESSED],
        "FAILED_CANCEL_ORDER": [O.WS_FAILED_CANCEL_ORDER],
        "MODIFY_ORDER_OUTCOME": [O.WS_MODIFY_ORDER_OUTCOME],
    }
    for kind, texts in samples.items():
        official = shape_of(json.loads(text) for text in texts)
        assert differences(official, found[kind]) == [], kind
