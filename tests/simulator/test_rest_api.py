"""VALR's REST paths and shapes over a real loopback socket, and authentication exactly as VALR."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import httpx
import pytest

from valr_tui.exchange.hmac_signer import compute_signature
from valr_tui.money.decimal_gateway import loads
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.clock import ManualClock

from .conftest import API_KEY, SHARED_TLS, SignedClient

# From the published test vectors in /work/shared/valr-api.md.
VECTOR_GET_BALANCES = (
    "647d276537b952fe37f349422a4a60a76ecc2e3fad509a523b03dccd1a940525"
    "f8ff06314ad1adc5625000223c514637cd9682ee89ffc285b7493e7c64e746aa"
)
SUMMARY_KEYS = {
    "currencyPair",
    "askPrice",
    "bidPrice",
    "lastTradedPrice",
    "previousClosePrice",
    "baseVolume",
    "quoteVolume",
    "highPrice",
    "lowPrice",
    "created",
    "changeFromPrevious",
    "markPrice",
}
STATUS_KEYS = {
    "orderId",
    "orderStatusType",
    "currencyPair",
    "originalPrice",
    "remainingQuantity",
    "originalQuantity",
    "orderSide",
    "orderType",
    "failedReason",
    "orderUpdatedAt",
    "orderCreatedAt",
    "customerOrderId",
    "timeInForce",
}
OPEN_KEYS = {
    "orderId",
    "side",
    "remainingQuantity",
    "price",
    "currencyPair",
    "createdAt",
    "originalQuantity",
    "filledPercentage",
    "updatedAt",
    "status",
    "type",
    "timeInForce",
}


def assert_decimal_strings(record: dict[str, object], *keys: str) -> None:
    for key in keys:
        value = record[key]
        assert isinstance(value, str), f"{key} must be a string on the wire"
        Decimal(value)


async def test_public_market_data_shapes(http: httpx.AsyncClient) -> None:
    pairs = (await http.get("/v1/public/pairs")).json()
    assert {pair["symbol"] for pair in pairs if pair["active"]} == {"BTCZAR", "ETHZAR"}
    summary = (await http.get("/v1/public/BTCZAR/marketsummary")).json()
    assert set(summary) == SUMMARY_KEYS
    assert_decimal_strings(summary, "askPrice", "bidPrice", "lastTradedPrice", "baseVolume")
    summaries = (await http.get("/v1/public/marketsummary")).json()
    assert [s["currencyPair"] for s in summaries] == ["BTCZAR", "ETHZAR"]
    book = (await http.get("/v1/public/ETHZAR/orderbook")).json()
    assert set(book) == {"Asks", "Bids", "LastChange", "SequenceNumber"}
    assert isinstance(book["SequenceNumber"], int) and len(book["Asks"]) <= 40
    level = book["Asks"][0]
    assert set(level) == {"side", "quantity", "price", "currencyPair", "orderCount"}
    assert level["side"] == "sell" and isinstance(level["orderCount"], int)
    time_ = (await http.get("/v1/public/time")).json()
    assert isinstance(time_["epochTime"], int) and time_["time"].endswith("Z")
    assert (await http.get("/v1/public/status")).json() == {"status": "online"}


async def test_public_trades_keep_big_sequence_ids_exact(
    http: httpx.AsyncClient, sim: SimulatorServer
) -> None:
    sim.exchange.step(5)
    raw = (await http.get("/v1/public/BTCZAR/trades")).text
    trades = loads(raw)
    assert trades, "the market prints trades as it walks"
    trade = trades[0]
    assert {
        "price",
        "quantity",
        "currencyPair",
        "tradedAt",
        "takerSide",
        "sequenceId",
        "id",
        "quoteVolume",
    } <= set(trade)
    assert isinstance(trade["sequenceId"], int) and trade["sequenceId"] > 2**53
    assert str(trade["sequenceId"]) in raw  # an integer on the wire, not a float


async def test_unsupported_pair_is_code_21(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/public/DOGEZAR/marketsummary")
    assert response.status_code == 400 and response.json()["code"] == -21


async def test_signed_market_data_twins(signed: SignedClient) -> None:
    for tail in ("orderbook", "tradehistory"):
        response = await signed.get(f"/v1/marketdata/BTCZAR/{tail}")
        assert response.status_code == 200, tail
    # Routes VALR does not have are 404s: no signed market summary, no signed /trades.
    for tail in ("marketsummary", "trades"):
        assert (await signed.get(f"/v1/marketdata/BTCZAR/{tail}")).status_code == 404, tail
    book = (await signed.get("/v1/marketdata/BTCZAR/orderbook")).json()
    assert "Asks" in book and "Bids" in book


async def test_balances_with_and_without_zero_balances(signed: SignedClient, sim: SimulatorServer) -> None:
    balances = (await signed.get("/v1/account/balances")).json()
    by_currency = {b["currency"]: b for b in balances}
    assert by_currency["ZAR"]["available"] == "1000000" and by_currency["BTC"]["total"] == "1"
    assert_decimal_strings(by_currency["ETH"], "available", "reserved", "total")
    sim.exchange.adjust_balance("ETH", Decimal(-10))
    filtered = (await signed.get("/v1/account/balances?excludeZeroBalances=true")).json()
    assert {b["currency"] for b in filtered} == {"ZAR", "BTC"}


async def test_limit_order_lifecycle_over_http(signed: SignedClient, sim: SimulatorServer) -> None:
    response = await signed.place(
        pair="BTCZAR", side="BUY", quantity="0.01", price="1400000", customerOrderId="cid-1"
    )
    assert response.status_code == 202
    ack = response.json()
    uuid.UUID(ack["id"])
    assert ack["customerOrderId"] == "cid-1"
    open_orders = (await signed.get("/v1/orders/open")).json()
    assert len(open_orders) == 1 and set(open_orders[0]) >= OPEN_KEYS
    assert open_orders[0]["status"] == "Placed" and open_orders[0]["customerOrderId"] == "cid-1"
    by_id = (await signed.get(f"/v1/orders/BTCZAR/orderid/{ack['id']}")).json()
    assert set(by_id) == STATUS_KEYS and by_id["orderStatusType"] == "Placed"
    by_cid = (await signed.get("/v1/orders/BTCZAR/customerorderid/cid-1")).json()
    assert by_cid["orderId"] == ack["id"]
    duplicate = await signed.place(
        pair="BTCZAR", side="BUY", quantity="0.01", price="1400000", customerOrderId="cid-1"
    )
    assert duplicate.status_code == 400 and duplicate.json()["code"] == -11502
    cancel = await signed.send("DELETE", "/v1/orders/order", {"orderId": ack["id"], "pair": "BTCZAR"})
    assert cancel.status_code == 202 and cancel.content == b""
    assert (await signed.get("/v1/orders/open")).json() == []
    history = (await signed.get("/v1/orders/history")).json()
    assert history[0]["orderStatusType"] == "Cancelled"
    zar = next(b for b in (await signed.get("/v1/account/balances")).json() if b["currency"] == "ZAR")
    assert zar["reserved"] == "0" and zar["available"] == "1000000"


async def test_taker_fill_shows_in_trade_history(signed: SignedClient, sim: SimulatorServer) -> None:
    ask = sim.exchange.markets["ETHZAR"].best_ask()
    response = await signed.place(pair="ETHZAR", side="BUY", quantity="0.01", price=str(ask))
    order_id = response.json()["id"]
    status = (await signed.get(f"/v1/orders/ETHZAR/orderid/{order_id}")).json()
    assert status["orderStatusType"] == "Filled" and status["remainingQuantity"] == "0"
    fills = (await signed.get("/v1/account/tradehistory?limit=10")).json()
    assert (
        fills[0]["orderId"] == order_id and fills[0]["fee"] == "0.00001" and fills[0]["feeCurrency"] == "ETH"
    )
    assert (await signed.get("/v1/account/ETHZAR/tradehistory")).json()[0]["orderId"] == order_id


async def test_insufficient_balance_is_202_then_failed(signed: SignedClient) -> None:
    response = await signed.place(pair="BTCZAR", side="BUY", quantity="2", price="1400000")
    assert response.status_code == 202
    status = (await signed.get(f"/v1/orders/BTCZAR/orderid/{response.json()['id']}")).json()
    assert status["orderStatusType"] == "Failed" and status["failedReason"] == "Insufficient Balance"


@pytest.mark.parametrize(
    ("order", "code"),
    [
        ({"pair": "BTCZAR", "side": "BUY", "quantity": "0.000001", "price": "1400000"}, -12007),
        ({"pair": "BTCZAR", "side": "BUY", "quantity": "0.001", "price": "1400000.5"}, -11),
        ({"pair": "XRPZAR", "side": "BUY", "quantity": "0.001", "price": "1400000"}, -21),
    ],
)
async def test_order_validation_errors(signed: SignedClient, order: dict[str, str], code: int) -> None:
    response = await signed.place(**order)
    assert response.status_code == 400 and response.json()["code"] == code


async def test_validation_errors_are_shaped_as_valr_s(signed: SignedClient) -> None:
    response = await signed.place(pair="BTCZAR", side="BUY", quantity="0.001", price="1400000.5")
    body = response.json()
    # VALR: {"code": -11, "message", "validationErrors": {"errors": [{"field", "message"}]}}
    assert body["code"] == -11 and isinstance(body["message"], str)
    (problem,) = body["validationErrors"]["errors"]
    assert problem["field"] == "price" and "tick size" in problem["message"]


async def test_invalid_json_is_code_113(signed: SignedClient) -> None:
    response = await signed.send("POST", "/v1/orders/limit", '{"pair": "BTCZAR",')
    assert response.status_code == 400 and response.json()["code"] == -113


async def test_unknown_order_is_invalid_order(signed: SignedClient) -> None:
    for path in ("/v1/orders/BTCZAR/customerorderid/never", f"/v1/orders/BTCZAR/orderid/{uuid.uuid4()}"):
        response = await signed.get(path)
        assert response.status_code == 400
        assert response.json() == {"code": -1, "message": "Invalid Order. "}


async def test_market_order_endpoint_answers_like_valr(signed: SignedClient) -> None:
    response = await signed.send(
        "POST", "/v1/orders/market", {"pair": "BTCZAR", "side": "SELL", "baseAmount": "0.001"}
    )
    assert response.status_code == 202
    status = (await signed.get(f"/v1/orders/BTCZAR/orderid/{response.json()['id']}")).json()
    assert status["orderType"] == "market" and status["orderStatusType"] == "Filled"


async def test_request_log_records_every_path(
    signed: SignedClient, http: httpx.AsyncClient, sim: SimulatorServer
) -> None:
    await http.get("/v1/public/time")
    await signed.get("/v1/orders/open")
    await http.get("/v1/nothing/here")
    assert sim.exchange.request_log == [
        ("GET", "/v1/public/time"),
        ("GET", "/v1/orders/open"),
        ("GET", "/v1/nothing/here"),
    ]


# --- authentication --------------------------------------------------------------------------------


def test_published_signature_vectors_still_verify() -> None:
    assert compute_signature("superdupersecret", 1577572690093, "GET", "/v1/account/balances") == (
        VECTOR_GET_BALANCES
    )
    secret = "4961b74efac86b25cce8fbe4c9811c4c7a787b7a5996660afcc2e287ad864363"
    body = '{"pair":"ETHZAR","side":"SELL","quantity":"0.074650","price":"150000.000000"}'
    assert compute_signature(secret, 1576353032322571, "POST", "/v1/orders/limit", body) == (
        "21d0e13adb241f9cb303eff248db3f5c60ad9d0d78afbdde50969a57ecc5f90105b7af974b89aa1dbff5f9eb4bf0b9b4bea04ca2149ad29724afa1f8f2215a2a"
    )


async def test_simulator_verifies_a_published_vector(clock: ManualClock) -> None:
    clock.now = 1577572690.093
    async with (
        SimulatorServer("vector-key", "superdupersecret", tick_interval=None, clock=clock) as sim,
        httpx.AsyncClient(base_url=sim.base_url, verify=SHARED_TLS) as http,
    ):
        headers = {
            "X-VALR-API-KEY": "vector-key",
            "X-VALR-TIMESTAMP": "1577572690093",
            "X-VALR-SIGNATURE": VECTOR_GET_BALANCES,
        }
        assert (await http.get("/v1/account/balances", headers=headers)).status_code == 200


async def test_bad_signature_is_11252(signed: SignedClient, http: httpx.AsyncClient) -> None:
    headers = signed.signer.headers("GET", "/v1/account/balances")
    headers["X-VALR-SIGNATURE"] = "0" * 128
    response = await http.get("/v1/account/balances", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"code": -11252, "message": "Request has an invalid signature"}


async def test_signature_covers_the_query_string(signed: SignedClient, http: httpx.AsyncClient) -> None:
    headers = signed.signer.headers("GET", "/v1/account/balances")  # signed without the query
    response = await http.get("/v1/account/balances?excludeZeroBalances=true", headers=headers)
    assert response.status_code == 401 and response.json()["code"] == -11252


async def test_signature_covers_the_exact_body_bytes(signed: SignedClient, http: httpx.AsyncClient) -> None:
    compact = '{"pair":"BTCZAR","side":"BUY","quantity":"0.001","price":"1400000"}'
    spaced = json.dumps(json.loads(compact))  # same JSON, different bytes
    headers = {
        **signed.signer.headers("POST", "/v1/orders/limit", compact),
        "Content-Type": "application/json",
    }
    response = await http.post("/v1/orders/limit", content=spaced, headers=headers)
    assert response.status_code == 401 and response.json()["code"] == -11252


async def test_missing_key_is_403(http: httpx.AsyncClient) -> None:
    assert (await http.get("/v1/account/balances")).status_code == 403


async def test_missing_content_type_is_403(signed: SignedClient, http: httpx.AsyncClient) -> None:
    body = '{"pair":"BTCZAR","side":"BUY","quantity":"0.001","price":"1400000"}'
    headers = signed.signer.headers("POST", "/v1/orders/limit", body)
    response = await http.post("/v1/orders/limit", content=body, headers=headers)
    assert response.status_code == 403
    delete_body = '{"orderId":"x","pair":"BTCZAR"}'
    headers = signed.signer.headers("DELETE", "/v1/orders/order", delete_body)
    response = await http.request("DELETE", "/v1/orders/order", content=delete_body, headers=headers)
    assert response.status_code == 403


async def test_unknown_key_is_401(http: httpx.AsyncClient, clock: ManualClock) -> None:
    stranger = SignedClient(http, clock, key="someone-else", secret="whatever")
    response = await stranger.get("/v1/account/balances")
    assert response.status_code == 401 and "code" in response.json()


async def test_replayed_request_is_refused(signed: SignedClient, http: httpx.AsyncClient) -> None:
    headers = signed.signer.headers("GET", "/v1/account/balances")
    assert (await http.get("/v1/account/balances", headers=headers)).status_code == 200
    replay = await http.get("/v1/account/balances", headers=headers)
    assert replay.status_code == 401 and "already been used" in replay.json()["message"]


async def test_timestamp_outside_window_is_refused(
    signed: SignedClient, http: httpx.AsyncClient, clock: ManualClock
) -> None:
    for skew in (-31.0, 31.0):
        ts = str(int((clock() + skew) * 1000))
        headers = {
            "X-VALR-API-KEY": API_KEY,
            "X-VALR-TIMESTAMP": ts,
            "X-VALR-SIGNATURE": signed.signer.sign(ts, "GET", "/v1/account/balances"),
        }
        response = await http.get("/v1/account/balances", headers=headers)
        assert response.status_code == 401 and "window" in response.json()["message"]
    ts = str(int((clock() + 29) * 1000))
    headers = {
        "X-VALR-API-KEY": API_KEY,
        "X-VALR-TIMESTAMP": ts,
        "X-VALR-SIGNATURE": signed.signer.sign(ts, "GET", "/v1/account/balances"),
    }
    assert (await http.get("/v1/account/balances", headers=headers)).status_code == 200
    headers["X-VALR-TIMESTAMP"] = "soon"
    assert (await http.get("/v1/account/balances", headers=headers)).status_code == 400


def test_reprs_never_show_credentials() -> None:
    server = SimulatorServer("repr-key-123", "repr-secret-456", tick_interval=None)
    for text in (repr(server), str(server), repr(server.exchange)):
        assert "repr-key-123" not in text and "repr-secret-456" not in text
    assert "repr-secret-456" not in repr(vars(server._auth))  # the secret stays in a Secret


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        "null",
        '{"pair": 5}',
        '{"pair":"BTCZAR","side":"BUY","quantity":"1e400","price":"1400000"}',
        '{"pair":"BTCZAR","side":"BUY","quantity":"0.001","price":true}',
        '{"pair":"BTCZAR","side":"BUY","quantity":"NaN","price":"1400000"}',
        '{"pair":"BTCZAR","side":"BUY","quantity":"0.001","price":"1400000","timeInForce":7}',
        '{"pair":"BTCZAR","side":"BUY","quantity":"0.001","price":"1400000","postOnly":"yes"}',
        '{"pair":"BTCZAR","side":"BUY","quantity":"0.001","price":"1400000","customerOrderId":["x"]}',
        "\u00ff{",
    ],
)
async def test_garbage_order_bodies_get_a_coded_400(signed: SignedClient, body: str) -> None:
    response = await signed.send("POST", "/v1/orders/limit", body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] in (-11, -21, -113)
