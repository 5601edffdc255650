"""VALR's own examples through the client's and the streams' parsers: every amount arrives as a
``Decimal`` equal to the example's string, every integer exactly (``sequenceId`` is above 2^53),
every optional field VALR leaves out stays unknown (``None``), never a made-up zero."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.conformance import official_examples as O
from valr_tui.errors import MalformedResponseError, OrderNotFoundError
from valr_tui.exchange.account_stream import (
    AccountTradeEvent,
    BalanceEvent,
    FailedCancelEvent,
    ModifyOutcomeEvent,
    OpenOrdersEvent,
    OrderProcessedEvent,
    OrderStatusEvent,
    parse_account_message,
)
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.models import (
    AccountTrade,
    Balance,
    OrderBook,
    OrderStatus,
    Pair,
    StatusClass,
    TickerData,
    Trade,
    classify_status,
)
from valr_tui.exchange.stream import parse_message
from valr_tui.exchange.valr_client import VALRClient, parse_valr_time

TICKER_AMOUNTS = {
    "bid": "bidPrice", "ask": "askPrice", "last": "lastTradedPrice", "previous_close": "previousClosePrice",
    "base_volume": "baseVolume", "quote_volume": "quoteVolume", "high": "highPrice", "low": "lowPrice",
    "change_pct": "changeFromPrevious",
}
PAIR_AMOUNTS = {
    "tick_size": "tickSize", "min_base_amount": "minBaseAmount", "max_base_amount": "maxBaseAmount",
    "min_quote_amount": "minQuoteAmount", "max_quote_amount": "maxQuoteAmount",
}
STATUS_AMOUNTS = {
    "price": "originalPrice", "original_quantity": "originalQuantity",
    "remaining_quantity": "remainingQuantity", "average_price": "averagePrice",
    "total_executed_quantity": "totalExecutedQuantity", "total_fee": "totalFee",
}
STATUS_TEXT = {
    "order_id": "orderId", "pair": "currencyPair", "status": "orderStatusType", "order_type": "orderType",
    "time_in_force": "timeInForce", "failed_reason": "failedReason", "created_at": "orderCreatedAt",
    "updated_at": "orderUpdatedAt",
}
OPEN_AMOUNTS = {"price": "price", "original_quantity": "originalQuantity"}
TRADE_AMOUNTS = {"price": "price", "quantity": "quantity"}
ACCOUNT_TRADE_AMOUNTS = {"price": "price", "quantity": "quantity", "fee": "fee"}
BALANCE_AMOUNTS = {"available": "available", "reserved": "reserved", "total": "total"}


def assert_amounts(model: object, raw: Mapping[str, Any], fields: Mapping[str, str]) -> None:
    """Each model field equals the example's value: a Decimal from the string, or None if the
    example leaves the key out."""
    for attribute, key in fields.items():
        value = getattr(model, attribute)
        if key not in raw:
            assert value is None, f"{attribute}: VALR sent no {key!r}, yet it is {value!r}"
            continue
        assert isinstance(value, Decimal), f"{attribute} is {type(value).__name__}"
        assert value == Decimal(raw[key]), f"{attribute}: {value} != {raw[key]!r}"


def assert_text(model: object, raw: Mapping[str, Any], fields: Mapping[str, str]) -> None:
    for attribute, key in fields.items():
        if key in raw:
            assert getattr(model, attribute) == raw[key], attribute


def client_answering(example: O.Example, *, signed: bool = True) -> tuple[VALRClient, list[httpx.Request]]:
    """A real VALRClient whose every request is answered with the example's status and body."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(example.status, content=example.body.encode())

    signer = VALRSigner("conformance-key", "conformance-secret") if signed else None
    return VALRClient("https://api.valr.test", signer=signer, transport=httpx.MockTransport(answer)), seen


# --- REST ------------------------------------------------------------------------------------------
async def test_currency_pairs() -> None:
    client, _ = client_answering(O.PAIRS, signed=False)
    async with client:
        pairs = await client.get_pairs()
    raw = json.loads(O.PAIRS.body)
    assert [p.symbol for p in pairs] == [item["symbol"] for item in raw]
    for pair, item in zip(pairs, raw, strict=True):
        assert isinstance(pair, Pair)
        assert_amounts(pair, item, PAIR_AMOUNTS)
        assert pair.base_decimal_places == int(item["baseDecimalPlaces"])
        assert pair.active is item["active"]


@pytest.mark.parametrize("example", [O.MARKET_SUMMARY])
async def test_market_summary_for_a_pair(example: O.Example) -> None:
    client, seen = client_answering(example)
    async with client:
        ticker = await client.get_ticker("BTCUSDT")
    assert seen[0].url.path == "/v1/public/BTCUSDT/marketsummary"  # the public route, even signed
    assert_amounts(ticker, json.loads(example.body), TICKER_AMOUNTS)
    assert ticker.pair == "BTCUSDT" and ticker.created == "2025-07-17T07:37:05.061Z"


async def test_market_summary_of_every_pair() -> None:
    client, seen = client_answering(O.MARKET_SUMMARIES, signed=False)
    async with client:
        tickers = await client.get_market_summaries()
    assert seen[0].url.path == "/v1/public/marketsummary"
    raw = json.loads(O.MARKET_SUMMARIES.body)
    assert len(tickers) == len(raw)
    for ticker, item in zip(tickers, raw, strict=True):
        assert ticker.pair == item["currencyPair"]
        assert_amounts(ticker, item, TICKER_AMOUNTS)


@pytest.mark.parametrize(
    ("example", "signed", "path"),
    [
        (O.PUBLIC_ORDER_BOOK, False, "/v1/public/BTCUSDT/orderbook"),
        (O.MARKETDATA_ORDER_BOOK, True, "/v1/marketdata/BTCUSDT/orderbook"),
    ],
)
async def test_order_book(example: O.Example, signed: bool, path: str) -> None:
    client, seen = client_answering(example, signed=signed)
    async with client:
        book = await client.get_orderbook("BTCUSDT")
    assert seen[0].url.path == path
    raw = json.loads(example.body)
    for levels, items in ((book.asks, raw["Asks"]), (book.bids, raw["Bids"])):
        assert len(levels) == len(items)
        for level, item in zip(levels, items, strict=True):
            assert level.price == Decimal(item["price"]) and level.quantity == Decimal(item["quantity"])
            assert level.order_count == item["orderCount"]
    assert book.sequence == raw["SequenceNumber"] and book.last_change == raw["LastChange"]


@pytest.mark.parametrize("example", [O.PUBLIC_TRADES, O.MARKETDATA_TRADES])
def test_trade_history(example: O.Example) -> None:
    for item in json.loads(example.body):
        trade = Trade.from_valr(item)
        assert_amounts(trade, item, TRADE_AMOUNTS)
        assert trade.sequence_id == item["sequenceId"] and trade.sequence_id > 2**53  # exact
        assert trade.trade_id == item["id"] and trade.taker_side == item["takerSide"].upper()


async def test_server_time() -> None:
    client, _ = client_answering(O.SERVER_TIME, signed=False)
    async with client:
        assert await client.get_server_time() == 1750165361
    # The ISO text carries nanoseconds; the offset uses them (to the microsecond).
    assert parse_valr_time(json.loads(O.SERVER_TIME.body)) == pytest.approx(1750165361.280179, abs=1e-6)


@pytest.mark.parametrize("example", [O.STATUS_1, O.STATUS_2])
async def test_status(example: O.Example) -> None:
    client, _ = client_answering(example, signed=False)
    async with client:
        assert await client.get_status() == json.loads(example.body)["status"]


async def test_balances() -> None:
    client, _ = client_answering(O.BALANCES)
    async with client:
        balances = await client.get_balances()
    for balance, item in zip(balances, json.loads(O.BALANCES.body), strict=True):
        assert isinstance(balance, Balance) and balance.currency == item["currency"]
        assert_amounts(balance, item, BALANCE_AMOUNTS)


@pytest.mark.parametrize(
    "example",
    [O.ACCOUNT_TRADES_1, O.ACCOUNT_TRADES_2, O.ACCOUNT_TRADES_3,
     O.ACCOUNT_PAIR_TRADES_1, O.ACCOUNT_PAIR_TRADES_2],
)
async def test_account_trade_history(example: O.Example) -> None:
    client, _ = client_answering(example)
    async with client:
        trades = await client.get_trade_history()
    for trade, item in zip(trades, json.loads(example.body), strict=True):
        assert isinstance(trade, AccountTrade)
        assert_amounts(trade, item, ACCOUNT_TRADE_AMOUNTS)
        assert trade.sequence_id == item["sequenceId"] and trade.order_id == item["orderId"]
        assert trade.fee_currency == item["feeCurrency"] and trade.side == item["side"].upper()


@pytest.mark.parametrize("example", [O.LIMIT_ORDER_1, O.LIMIT_ORDER_2])
async def test_limit_order_accepted(example: O.Example) -> None:
    from valr_tui.exchange.models import OrderAck

    raw = json.loads(example.body)
    ack = OrderAck.from_valr(raw)
    assert ack.order_id == raw["id"] and ack.customer_order_id == raw["customerOrderId"]


ORDER_STATUS_EXAMPLES = [
    O.ORDER_STATUS_1, O.ORDER_STATUS_2, O.ORDER_STATUS_3, O.ORDER_STATUS_4, O.ORDER_STATUS_5,
    O.ORDER_STATUS_6, O.ORDER_STATUS_7, O.ORDER_STATUS_CID_1, O.ORDER_STATUS_CID_2, O.ORDER_STATUS_CID_4,
    O.ORDER_STATUS_CID_5, O.ORDER_STATUS_CID_6,
]
HISTORY_EXAMPLES = [
    O.HISTORY_SUMMARY_1, O.HISTORY_SUMMARY_2, O.HISTORY_SUMMARY_CID_1, O.HISTORY_SUMMARY_CID_2
]


@pytest.mark.parametrize("example", ORDER_STATUS_EXAMPLES, ids=lambda e: e.request)
async def test_order_status(example: O.Example) -> None:
    client, _ = client_answering(example)
    raw = json.loads(example.body)
    async with client:
        status = await client.get_order(raw["currencyPair"], order_id=raw["orderId"])
    assert isinstance(status, OrderStatus)
    assert_amounts(status, raw, STATUS_AMOUNTS)
    assert_text(status, raw, STATUS_TEXT)
    assert status.customer_order_id == raw.get("customerOrderId")
    assert status.status_class is not StatusClass.UNKNOWN  # every documented status is mapped


@pytest.mark.parametrize("example", HISTORY_EXAMPLES, ids=lambda e: e.request)
async def test_order_history_summary(example: O.Example) -> None:
    client, seen = client_answering(example)
    raw = json.loads(example.body)
    async with client:
        status = await client.get_order_history_summary(order_id=raw["orderId"])
    assert seen[0].url.path == f"/v1/orders/history/summary/orderid/{raw['orderId']}"
    assert_amounts(status, raw, STATUS_AMOUNTS)
    assert_text(status, raw, STATUS_TEXT)
    assert status.fee_currency == raw["feeCurrency"] and status.status_class.is_final


async def test_order_status_invalid_order_is_not_found() -> None:
    client, seen = client_answering(O.ORDER_STATUS_CID_3)
    async with client:
        with pytest.raises(OrderNotFoundError) as info:
            await client.get_order("BTCZAR", customer_order_id="nope")
    assert info.value.details["valr_code"] == -1 and len(seen) == 2  # active lookup, then history


async def test_all_open_orders() -> None:
    for example in (O.OPEN_ORDERS_1, O.OPEN_ORDERS_2):
        client, _ = client_answering(example)
        async with client:
            orders = await client.get_open_orders()
        for order, item in zip(orders, json.loads(example.body), strict=True):
            assert_amounts(order, item, OPEN_AMOUNTS)
            assert order.remaining_quantity == Decimal(item["remainingQuantity"])
            assert order.order_type == item["type"] and order.status == item["status"]


async def test_modify_order_accepted() -> None:
    client, seen = client_answering(O.MODIFY_ORDER)
    async with client:
        modify_id = await client.modify_order("BTCUSDT", "68b4e939", new_price=Decimal("550000"))
    assert modify_id == json.loads(O.MODIFY_ORDER.body)["id"] and seen[0].method == "PUT"


async def test_cancel_order_accepted_with_an_empty_body() -> None:
    client, seen = client_answering(O.CANCEL_ORDER)
    async with client:
        assert await client.cancel_order("BTCUSDT", order_id="0198510c") is None
    assert (seen[0].method, seen[0].url.path) == ("DELETE", "/v1/orders/order")


# --- the trade WebSocket -----------------------------------------------------------------------------
def test_market_summary_update_without_quote_volume() -> None:
    message = json.loads(O.WS_MARKET_SUMMARY_UPDATE)
    ticker = parse_message(O.WS_MARKET_SUMMARY_UPDATE, fetched_at=0.0)
    assert isinstance(ticker, TickerData) and ticker.source == "ws" and ticker.pair == "BTCUSDT"
    assert_amounts(ticker, message["data"], TICKER_AMOUNTS)
    assert ticker.quote_volume is None  # not in VALR's sample: unknown, not 0


def test_aggregated_orderbook_update() -> None:
    message = json.loads(O.WS_AGGREGATED_ORDERBOOK_UPDATE)
    book = parse_message(O.WS_AGGREGATED_ORDERBOOK_UPDATE, fetched_at=0.0)
    assert isinstance(book, OrderBook) and book.pair == message["currencyPairSymbol"]
    data = message["data"]
    assert [level.price for level in book.asks] == [Decimal(a["price"]) for a in data["Asks"]]
    assert [level.quantity for level in book.bids] == [Decimal(b["quantity"]) for b in data["Bids"]]
    assert book.sequence == message["data"].get("SequenceNumber", 0)


def test_new_trade_without_an_id() -> None:
    message = json.loads(O.WS_NEW_TRADE)
    trade = parse_message(O.WS_NEW_TRADE, fetched_at=0.0)
    assert isinstance(trade, Trade)
    assert_amounts(trade, message["data"], TRADE_AMOUNTS)
    assert trade.trade_id is None and trade.sequence_id is None  # shown as "—", never 0


# --- the account WebSocket ---------------------------------------------------------------------------
@pytest.mark.parametrize("sample", [O.WS_ORDER_STATUS_UPDATE, O.WS_ORDER_STATUS_UPDATE_MODIFIED])
def test_order_status_update(sample: str) -> None:
    data = json.loads(sample)["data"]
    event = parse_account_message(sample)
    assert isinstance(event, OrderStatusEvent)
    assert_amounts(event.status, data, STATUS_AMOUNTS)
    assert_text(event.status, data, STATUS_TEXT)
    assert event.executed_price == Decimal(data["executedPrice"])
    assert event.executed_quantity == Decimal(data["executedQuantity"])
    assert event.executed_fee == Decimal(data["executedFee"])
    assert event.status.order_type == "post-only limit"
    assert event.status.status_class is not StatusClass.UNKNOWN


def test_open_orders_update_items_carry_quantity() -> None:
    items = json.loads(O.WS_OPEN_ORDERS_UPDATE)["data"]
    event = parse_account_message(O.WS_OPEN_ORDERS_UPDATE)
    assert isinstance(event, OpenOrdersEvent) and len(event.orders) == len(items)
    for order, item in zip(event.orders, items, strict=True):
        assert order.remaining_quantity == Decimal(item["quantity"])
        assert_amounts(order, item, OPEN_AMOUNTS)
        assert order.order_type == "post-only limit"
        assert order.customer_order_id == item.get("customerOrderId")


def test_balance_update() -> None:
    data = json.loads(O.WS_BALANCE_UPDATE)["data"]
    event = parse_account_message(O.WS_BALANCE_UPDATE)
    assert isinstance(event, BalanceEvent) and event.balance.currency == data["currency"]["symbol"]
    assert_amounts(event.balance, data, BALANCE_AMOUNTS)


def test_new_account_trade_with_a_thousands_separator_is_refused_not_misread() -> None:
    # VALR's sample prints the price as "114,953". A comma is no decimal: reading it as 114.953 or
    # 114953 would be a guess, so the frame is refused with a coded error (README lists this).
    assert json.loads(O.WS_NEW_ACCOUNT_TRADE)["data"]["price"] == "114,953"
    with pytest.raises(MalformedResponseError):
        parse_account_message(O.WS_NEW_ACCOUNT_TRADE)


def test_new_account_trade_otherwise_as_the_sample() -> None:
    message = json.loads(O.WS_NEW_ACCOUNT_TRADE)
    message["data"]["price"] = "114953"  # the one field changed: the separator removed
    event = parse_account_message(json.dumps(message))
    assert isinstance(event, AccountTradeEvent)
    data = message["data"]
    assert_amounts(event.trade, data, ACCOUNT_TRADE_AMOUNTS)
    assert event.trade.customer_order_id == data["customerOrderId"] and event.trade.pair == "BTCUSDT"
    assert event.trade.sequence_id is None  # the sample has none


def test_failed_cancel_order() -> None:
    event = parse_account_message(O.WS_FAILED_CANCEL_ORDER)
    assert event == FailedCancelEvent(
        "247dc157-bb5b-49af-b476-2f613b780697", "An error occurred while cancelling your order."
    )


def test_order_processed_and_modify_outcome() -> None:
    processed = parse_account_message(O.WS_ORDER_PROCESSED)
    assert processed == OrderProcessedEvent("019a2a2c-8c45-7ffa-815a-e7272a8216c9", True, "", "testWS")
    outcome = parse_account_message(O.WS_MODIFY_ORDER_OUTCOME)
    assert outcome == ModifyOutcomeEvent(
        "019a29d0-4362-7dc9-a51d-3533a4bdcf2d", True, "019a2a0f-1216-737b-9065-8138dae1e874", "testWS"
    )


# The orderStatusType table of ORDER_STATUS_UPDATE (WebSocket API / Account / Read), verbatim,
# plus "Active" (REST "Order Status (orderId)" / "Active Stop Order").
DOCUMENTED_STATUSES = [
    "Placed", "Failed", "Cancelled", "Filled", "Partially Filled", "Instant Order Balance Reserve Failed",
    "Instant Order Balance Reserved", "Instant Order Completed", "Expired",
    "Partially Filled and Cancelled Due To Slippage", "Order Modified",
    "Order price has been modified due to slippage limits", "Active",
]


@pytest.mark.parametrize("status", DOCUMENTED_STATUSES)
def test_every_documented_status_is_mapped(status: str) -> None:
    assert classify_status(status) is not StatusClass.UNKNOWN


def test_expired_and_the_slippage_cancel_are_final_and_an_unknown_status_is_unknown() -> None:
    assert classify_status("Expired") is StatusClass.EXPIRED and StatusClass.EXPIRED.is_final
    assert classify_status("Partially Filled and Cancelled Due To Slippage") is StatusClass.CANCELLED
    assert classify_status("Order price has been modified due to slippage limits") is StatusClass.OPEN
    unknown = classify_status("Pending Something New")
    assert unknown is StatusClass.UNKNOWN and not unknown.is_final  # never guessed


@pytest.mark.parametrize("status", DOCUMENTED_STATUSES)
def test_the_valr_venue_maps_every_documented_status(status: str) -> None:
    from storage.orders import OrderState
    from valr_tui.trading.valr_venue import update_from_status

    order = OrderStatus("o1", "BTCZAR", "BUY", status, Decimal(1), Decimal(1), Decimal(1))
    expected = {
        StatusClass.OPEN: OrderState.OPEN, StatusClass.PARTIALLY_FILLED: OrderState.PARTIALLY_FILLED,
        StatusClass.FILLED: OrderState.FILLED, StatusClass.CANCELLED: OrderState.CANCELLED,
        StatusClass.EXPIRED: OrderState.CANCELLED, StatusClass.FAILED: OrderState.FAILED,
    }[classify_status(status)]
    assert update_from_status("ord-1", order).state is expected  # never SUBMITTED, never guessed


def test_an_undocumented_status_is_an_unknown_order_state() -> None:
    from storage.orders import OrderState
    from valr_tui.trading.valr_venue import update_from_status

    order = OrderStatus("o1", "BTCZAR", "BUY", "Pending Something New", Decimal(1), Decimal(1),
                        Decimal(1))
    update = update_from_status("ord-1", order)
    assert update.state is OrderState.UNKNOWN and "Pending Something New" in update.reason
