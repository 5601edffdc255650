"""A client that is not ours: raw HTTP and WebSocket (httpx + websockets, nothing from the
project) speaking to a running ``valr-tui sim`` exactly as VALR's reference describes, one check
per divergence the project once had from VALR. Signing is written here from VALR's text
(HMAC-SHA512 of timestamp + VERB + path + body, hex).

    python tests/conformance/raw_client.py http://127.0.0.1:8765 KEY SECRET

Start the simulator with ``--anonymous-ws-lifetime 1 --finished-orders-404``. Prints one line
per check; exits 1 if any failed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

PAIR = "BTCZAR"


class Raw:
    def __init__(self, base: str, key: str, secret: str) -> None:
        self.base, self.key, self.secret = base.rstrip("/"), key, secret
        self.ws = "ws" + self.base[len("http"):]
        self.http = httpx.AsyncClient(base_url=self.base, timeout=5.0)
        self.offset_ms = 0
        self.last_ms = 0

    def headers(self, method: str, path: str, body: str = "", *, skew_ms: int = 0) -> dict[str, str]:
        stamp = max(int(time.time() * 1000) + self.offset_ms, self.last_ms + 1)
        self.last_ms = stamp  # never twice the same stamp (a replay); a skew is a one-off
        stamp += skew_ms
        message = f"{stamp}{method.upper()}{path}{body}".encode()
        signature = hmac.new(self.secret.encode(), message, hashlib.sha512).hexdigest()
        return {"X-VALR-API-KEY": self.key, "X-VALR-SIGNATURE": signature, "X-VALR-TIMESTAMP": str(stamp)}

    async def call(self, method: str, path: str, body: Any = None, *, signed: bool = True,
                   skew_ms: int = 0) -> httpx.Response:
        text = json.dumps(body) if body is not None else ""
        headers = self.headers(method, path, text, skew_ms=skew_ms) if signed else {}
        if text:
            headers["Content-Type"] = "application/json"
        return await self.http.request(method, path, content=text.encode() or None, headers=headers)


Check = Callable[[Raw], Awaitable[None]]
CHECKS: list[tuple[str, Check]] = []


def check(name: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS.append((name, function))
        return function

    return register


@check("1 market data: no signed market summary; signed trade history is /tradehistory")
async def market_data_routes(raw: Raw) -> None:
    assert (await raw.call("GET", f"/v1/marketdata/{PAIR}/marketsummary")).status_code == 404
    assert (await raw.call("GET", f"/v1/marketdata/{PAIR}/trades")).status_code == 404
    assert (await raw.call("GET", f"/v1/marketdata/{PAIR}/tradehistory")).status_code == 200
    assert (await raw.call("GET", f"/v1/marketdata/{PAIR}/orderbook")).status_code == 200
    summary = await raw.call("GET", f"/v1/public/{PAIR}/marketsummary", signed=False)
    assert summary.status_code == 200 and summary.json()["currencyPair"] == PAIR


@check("2 rate limits: 429 with x-valr-ratelimited, no Retry-After; /v1/public/time 20/s apart")
async def rate_limits(raw: Raw) -> None:
    codes = []
    for _ in range(60):  # 20 a second: at least one second's 21st call is refused
        response = await raw.call("GET", "/v1/public/time", signed=False)
        codes.append(response.status_code)
        if response.status_code == 429:
            assert response.headers.get("x-valr-ratelimited") == "true"
            assert "retry-after" not in response.headers
            break
    assert 429 in codes, codes
    # Per-second limits count apart from the account's: a signed call still answers.
    assert (await raw.call("GET", "/v1/account/balances")).status_code == 200


@check("3 keep-alive: PING gets PONG; an anonymous trade socket is closed by the server")
async def keep_alive(raw: Raw) -> None:
    async with connect(raw.ws + "/ws/trade") as socket:  # no credentials: anonymous
        await socket.send(json.dumps({"type": "PING"}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "PONG"
        try:
            async with asyncio.timeout(10):
                while True:
                    await socket.recv()
        except ConnectionClosed:
            pass  # closed after --anonymous-ws-lifetime, as VALR does after 15 minutes


async def place(raw: Raw, cid: str, **extra: Any) -> str:
    bid = int((await raw.call("GET", f"/v1/public/{PAIR}/marketsummary", signed=False)).json()["bidPrice"])
    body = {"side": "BUY", "quantity": "0.001", "price": str(bid - 20000), "pair": PAIR,
            "customerOrderId": cid, "postOnly": True, "timeInForce": "GTC", **extra}
    response = await raw.call("POST", "/v1/orders/limit", body)
    assert response.status_code == 202, response.text
    order_id: str = response.json()["id"]
    return order_id


@check("4+6 statuses and shapes: a post-only order reports 'post-only limit'; account socket")
async def statuses_and_account_socket(raw: Raw) -> None:
    async with connect(raw.ws + "/ws/account", additional_headers=raw.headers("GET", "/ws/account")) as ws:
        order_id = await place(raw, f"raw-{int(time.time() * 1000)}")
        seen: dict[str, Any] = {}
        async with asyncio.timeout(5):
            while "ORDER_STATUS_UPDATE" not in seen or not seen.get("OPEN_ORDERS_UPDATE"):
                message = json.loads(await ws.recv())
                if "data" in message:  # not AUTHENTICATED
                    seen[message["type"]] = message["data"]
        status = (await raw.call("GET", f"/v1/orders/{PAIR}/orderid/{order_id}")).json()
        assert status["orderStatusType"] == "Placed" and status["orderType"] == "post-only limit"
        item = next(o for o in seen["OPEN_ORDERS_UPDATE"] if o["orderId"] == order_id)
        assert item["quantity"] == "0.001" and "remainingQuantity" not in item  # VALR's sample
        await raw.call("DELETE", "/v1/orders/order", {"orderId": order_id, "pair": PAIR})


@check("5 finished orders: the active lookup may 404; the history summary answers")
async def history_summary(raw: Raw) -> None:
    order_id = await place(raw, f"fin-{int(time.time() * 1000)}")
    cancel = await raw.call("DELETE", "/v1/orders/order", {"orderId": order_id, "pair": PAIR})
    assert cancel.status_code == 202
    assert (await raw.call("GET", f"/v1/orders/{PAIR}/orderid/{order_id}")).status_code == 404
    summary = await raw.call("GET", f"/v1/orders/history/summary/orderid/{order_id}")
    assert summary.status_code == 200 and summary.json()["orderStatusType"] == "Cancelled"
    assert {"averagePrice", "totalExecutedQuantity", "totalFee", "feeCurrency"} <= set(summary.json())


@check("6 shapes: validation errors; MARKET_SUMMARY_UPDATE without quoteVolume; NEW_TRADE without id")
async def shapes(raw: Raw) -> None:
    bad = await raw.call("POST", "/v1/orders/limit",
                         {"side": "BUY", "quantity": "0.001", "price": "1.5", "pair": PAIR})
    errors = bad.json()["validationErrors"]["errors"]
    assert bad.status_code == 400 and {"field", "message"} <= set(errors[0])
    async with connect(raw.ws + "/ws/trade", additional_headers=raw.headers("GET", "/ws/trade")) as ws:
        await ws.send(json.dumps({"type": "SUBSCRIBE", "subscriptions": [
            {"event": "MARKET_SUMMARY_UPDATE", "pairs": [PAIR]}, {"event": "NEW_TRADE", "pairs": [PAIR]}]}))
        seen: dict[str, Any] = {}
        async with asyncio.timeout(10):
            while len(seen) < 2:
                message = json.loads(await ws.recv())
                if "data" in message:  # not AUTHENTICATED
                    seen.setdefault(message["type"], message["data"])
    assert "quoteVolume" not in seen["MARKET_SUMMARY_UPDATE"] and "id" not in seen["NEW_TRADE"]


@check("7 time: /v1/public/time; a signature 60 s off the server's clock is refused")
async def server_time(raw: Raw) -> None:
    now = (await raw.call("GET", "/v1/public/time", signed=False)).json()
    assert isinstance(now["epochTime"], int) and isinstance(now["time"], str)
    raw.offset_ms = int(now["epochTime"] * 1000 - time.time() * 1000)
    assert (await raw.call("GET", "/v1/account/balances", skew_ms=60_000)).status_code == 401
    assert (await raw.call("GET", "/v1/account/balances")).status_code == 200


@check("amend: PUT /v1/orders/modify answers 202 with the modify request's id")
async def modify(raw: Raw) -> None:
    order_id = await place(raw, f"mod-{int(time.time() * 1000)}")
    bid = int((await raw.call("GET", f"/v1/public/{PAIR}/marketsummary", signed=False)).json()["bidPrice"])
    response = await raw.call("PUT", "/v1/orders/modify", {
        "orderId": order_id, "pair": PAIR, "newPrice": str(bid - 30000),
        "modifyMatchStrategy": "RETAIN_ORIGINAL"})
    assert response.status_code == 202 and set(response.json()) == {"id"}
    status = (await raw.call("GET", f"/v1/orders/{PAIR}/orderid/{order_id}")).json()
    assert status["orderStatusType"] == "Order Modified" and status["originalPrice"] == str(bid - 30000)
    await raw.call("DELETE", "/v1/orders/order", {"orderId": order_id, "pair": PAIR})


async def run(base: str, key: str, secret: str) -> int:
    raw = Raw(base, key, secret)
    failures = 0
    try:
        for name, function in CHECKS:
            try:
                await function(raw)
                print(f"ok    {name}")
            except Exception as error:  # report every check, not only the first failure
                failures += 1
                print(f"FAIL  {name}: {type(error).__name__} {error}")
    finally:
        await raw.http.aclose()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run(*sys.argv[1:4])))
