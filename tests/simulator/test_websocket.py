"""/ws/trade and /ws/account over a real loopback socket with the websockets client."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.clock import ManualClock

from .conftest import API_KEY, API_SECRET, SignedClient

RECEIVE_TIMEOUT_S = 2.0


def ws_headers(clock: ManualClock, path: str) -> dict[str, str]:
    return VALRSigner(API_KEY, API_SECRET, clock_ms=lambda: int(clock() * 1000)).headers("GET", path)


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT_S))
    return message


async def receive_type(ws: ClientConnection, wanted: str) -> dict[str, Any]:
    for _ in range(50):
        message = await receive(ws)
        if message["type"] == wanted:
            return message
    raise AssertionError(f"no {wanted} message")


def open_ws(sim: SimulatorServer, clock: ManualClock, path: str) -> Any:
    return connect(sim.ws_url + path, additional_headers=ws_headers(clock, path), open_timeout=3)


async def test_anonymous_trade_socket_gets_market_data_but_not_the_account_feed(
    sim: SimulatorServer,
) -> None:
    async with connect(sim.ws_url + "/ws/trade", open_timeout=3) as ws:
        await ws.send(json.dumps({"type": "PING"}))
        assert await receive(ws) == {"type": "PONG"}  # no AUTHENTICATED for an anonymous socket
    with pytest.raises(InvalidStatus) as info:
        async with connect(sim.ws_url + "/ws/account", open_timeout=3):
            pass
    assert info.value.response.status_code == 403


async def test_badly_signed_handshake_is_refused(sim: SimulatorServer, clock: ManualClock) -> None:
    bad = {**ws_headers(clock, "/ws/trade"), "X-VALR-SIGNATURE": "f" * 128}
    with pytest.raises(InvalidStatus):
        async with connect(sim.ws_url + "/ws/trade", additional_headers=bad, open_timeout=3):
            pass
    # signed for the other path: the path is part of the signed message
    with pytest.raises(InvalidStatus):
        async with connect(sim.ws_url + "/ws/account", additional_headers=ws_headers(clock, "/ws/trade")):
            pass


async def test_trade_feed_subscribe_ping_updates_unsubscribe(
    sim: SimulatorServer, clock: ManualClock
) -> None:
    async with open_ws(sim, clock, "/ws/trade") as ws:
        assert await receive(ws) == {"type": "AUTHENTICATED"}
        await ws.send(json.dumps({"type": "PING"}))
        assert await receive(ws) == {"type": "PONG"}
        sim.exchange.set_price("BTCZAR", Decimal(1_500_000))  # a trade prints: a latest trade to push
        events = ["MARKET_SUMMARY_UPDATE", "AGGREGATED_ORDERBOOK_UPDATE", "NEW_TRADE"]
        await ws.send(
            json.dumps(
                {
                    "type": "SUBSCRIBE",
                    "subscriptions": [{"event": event, "pairs": ["BTCZAR"]} for event in events],
                }
            )
        )
        snapshots = [await receive(ws) for _ in events]
        assert [m["type"] for m in snapshots] == events  # the latest value at once
        assert all(m["currencyPairSymbol"] == "BTCZAR" for m in snapshots)
        summary, book, trade = (m["data"] for m in snapshots)
        # VALR's samples: the summary names its pair "currencyPair" and has no quoteVolume;
        # NEW_TRADE data has no id.
        assert summary["currencyPair"] == "BTCZAR" and "askPrice" in summary
        assert "quoteVolume" not in summary and "currencyPairSymbol" not in summary
        assert {"Asks", "Bids", "LastChange", "SequenceNumber"} == set(book)
        assert set(trade) == {"price", "quantity", "currencyPair", "tradedAt", "takerSide"}
        sequence = book["SequenceNumber"]
        sim.exchange.step()
        update = await receive_type(ws, "AGGREGATED_ORDERBOOK_UPDATE")
        assert update["data"]["SequenceNumber"] > sequence and update["currencyPairSymbol"] == "BTCZAR"
        # only the subscribed pair arrives; an empty list unsubscribes
        await ws.send(
            json.dumps(
                {"type": "SUBSCRIBE", "subscriptions": [{"event": event, "pairs": []} for event in events]}
            )
        )
        await ws.send(json.dumps({"type": "PING"}))
        while (message := await receive(ws))["type"] != "PONG":
            assert message["currencyPairSymbol"] == "BTCZAR"
        sim.exchange.step(3)
        await ws.send(json.dumps({"type": "PING"}))
        assert await receive(ws) == {"type": "PONG"}  # nothing else was queued before it


async def test_account_feed(sim: SimulatorServer, clock: ManualClock, signed: SignedClient) -> None:
    async with open_ws(sim, clock, "/ws/account") as ws:
        assert await receive(ws) == {"type": "AUTHENTICATED"}
        balances = [await receive(ws) for _ in range(3)]
        assert [b["type"] for b in balances] == ["BALANCE_UPDATE"] * 3
        assert {b["data"]["currency"]["symbol"] for b in balances} == {"BTC", "ETH", "ZAR"}
        assert (await receive(ws)) == {"type": "OPEN_ORDERS_UPDATE", "data": []}
        ask = sim.exchange.markets["BTCZAR"].best_ask()
        response = await signed.place(pair="BTCZAR", side="BUY", quantity="0.001", price=str(ask))
        order_id = response.json()["id"]
        trade = await receive_type(ws, "NEW_ACCOUNT_TRADE")
        assert trade["data"]["orderId"] == order_id and trade["currencyPairSymbol"] == "BTCZAR"
        status = await receive_type(ws, "ORDER_STATUS_UPDATE")
        assert status["data"]["orderStatusType"] == "Filled"
        processed = await receive_type(ws, "ORDER_PROCESSED")
        assert processed["data"] == {"orderId": order_id, "success": True, "failureReason": ""}
        sim.exchange.adjust_balance("ETH", Decimal("1"))
        update = await receive_type(ws, "BALANCE_UPDATE")
        assert update["data"]["currency"]["symbol"] == "ETH" and update["data"]["available"] == "11"


async def test_ws_drop_closes_and_refuses_until_expiry(sim: SimulatorServer, clock: ManualClock) -> None:
    async with open_ws(sim, clock, "/ws/trade") as ws:
        assert await receive(ws) == {"type": "AUTHENTICATED"}
        sim.exchange.inject_fault("ws_drop", 5)
        with pytest.raises(ConnectionClosed):
            for _ in range(10):
                await receive(ws)
    with pytest.raises(InvalidStatus):
        async with open_ws(sim, clock, "/ws/trade"):
            pass
    clock.advance(5.01)
    async with open_ws(sim, clock, "/ws/trade") as ws:
        assert await receive(ws) == {"type": "AUTHENTICATED"}
