"""SimExchange on its own (no sockets): market, orders, balances and faults."""

from __future__ import annotations

from decimal import Decimal

import pytest

from valr_tui.errors import ConfigError, ExchangeError
from valr_tui.simulator.exchange import SimEvent, SimExchange
from valr_tui.trading.clock import ManualClock

from .conftest import START

D = Decimal


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def ex(clock: ManualClock) -> SimExchange:
    return SimExchange("key", seed=3, clock=clock)


def best(ex: SimExchange, pair: str = "BTCZAR") -> tuple[Decimal, Decimal]:
    book = ex.order_book(pair)
    return D(book["Bids"][0]["price"]), D(book["Asks"][0]["price"])


def rejected(ex: SimExchange, **order: str) -> ExchangeError:
    with pytest.raises(ExchangeError) as info:
        ex.place_limit_order(order)
    return info.value


def test_same_seed_same_market_and_walk_stays_in_range(clock: ManualClock) -> None:
    a, b = SimExchange("k", seed=11, clock=clock), SimExchange("k", seed=11, clock=clock)
    a.step(300)
    b.step(300)
    assert a.order_book("BTCZAR") == b.order_book("BTCZAR")
    assert a.public_trades("ETHZAR") == b.public_trades("ETHZAR")
    btc, eth = D(a.market_summary("BTCZAR")["markPrice"]), D(a.market_summary("ETHZAR")["markPrice"])
    assert D(1_200_000) <= btc <= D(1_800_000)
    assert D(40_000) <= eth <= D(70_000)
    assert btc != D(1_500_000)  # it walked


def test_book_has_depth_sorted_and_uncrossed(ex: SimExchange) -> None:
    for pair in ("BTCZAR", "ETHZAR"):
        book = ex.order_book(pair)
        asks = [D(level["price"]) for level in book["Asks"]]
        bids = [D(level["price"]) for level in book["Bids"]]
        assert 10 <= len(asks) <= 40 and 10 <= len(bids) <= 40
        assert asks == sorted(asks) and bids == sorted(bids, reverse=True)
        assert bids[0] < asks[0]
        assert all(price % 1 == 0 for price in asks + bids)  # tickSize 1


def test_pair_metadata_as_valr_publishes_it(ex: SimExchange) -> None:
    pairs = {pair["symbol"]: pair for pair in ex.pairs_wire()}
    assert pairs["BTCZAR"]["minBaseAmount"] == "0.00001"
    assert pairs["ETHZAR"]["minBaseAmount"] == "0.0002"
    for pair in (pairs["BTCZAR"], pairs["ETHZAR"]):
        assert pair["tickSize"] == "1" and pair["baseDecimalPlaces"] == "8"
        assert pair["minQuoteAmount"] == "10" and pair["maxQuoteAmount"] == "5000000"


def test_unknown_pair_in_configuration_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        SimExchange("k", pairs=("FOOZAR",))


def test_resting_order_reserves_and_cancel_releases(ex: SimExchange) -> None:
    bid, _ = best(ex)
    order = ex.place_limit_order(
        {"pair": "BTCZAR", "side": "BUY", "quantity": "0.01", "price": str(bid - 1000)}
    )
    assert order.status == "Placed"
    zar = ex.balances()["ZAR"]
    assert zar.reserved == (bid - 1000) * D("0.01")
    assert zar.available + zar.reserved == D(1_000_000)
    ex.cancel_order({"orderId": order.order_id, "pair": "BTCZAR"})
    assert order.status == "Cancelled" and ex.open_orders() == []
    zar = ex.balances()["ZAR"]
    assert zar.reserved == 0 and zar.available == D(1_000_000)


def test_crossing_order_fills_immediately_as_taker_at_book_prices(ex: SimExchange) -> None:
    _, ask = best(ex)
    book_qty = D(ex.order_book("BTCZAR")["Asks"][0]["quantity"])
    quantity = min(book_qty, D("0.005"))
    order = ex.place_limit_order(
        {"pair": "BTCZAR", "side": "BUY", "quantity": str(quantity), "price": str(ask + 5000)}
    )
    assert order.status == "Filled" and order.remaining_quantity == 0
    balances = ex.balances()
    assert balances["BTC"].available == 1 + quantity - quantity * D("0.001")  # taker fee in BTC
    assert balances["ZAR"].available == D(1_000_000) - quantity * ask  # price improvement refunded
    assert balances["ZAR"].reserved == 0
    trade = ex.trade_history()[0]
    assert trade["price"] == str(ask) and trade["feeCurrency"] == "BTC" and trade["side"] == "buy"


def test_sell_fee_is_charged_in_zar(ex: SimExchange) -> None:
    bid, _ = best(ex)
    ex.place_limit_order({"pair": "BTCZAR", "side": "SELL", "quantity": "0.001", "price": str(bid)})
    trade = ex.trade_history()[0]
    assert trade["feeCurrency"] == "ZAR"
    assert D(trade["fee"]) == D(trade["price"]) * D("0.001") * D("0.001")
    assert ex.balances()["BTC"].total == D("0.999")


def test_partial_fill_then_fill_as_market_moves(ex: SimExchange) -> None:
    bid, _ = best(ex)
    price = bid - 20_000
    order = ex.place_limit_order({"pair": "BTCZAR", "side": "BUY", "quantity": "0.6", "price": str(price)})
    assert order.status == "Placed"
    # The market drops until the best maker ask just reaches our bid: one thin level (at most
    # 0.2 BTC) crosses, so the order fills only in part.
    ex.set_price("BTCZAR", price - 1000)
    assert order.status == "Partially Filled"
    assert D("0.4") <= order.remaining_quantity < D("0.6")
    partial_trades = len(ex.trade_history())
    assert ex.trade_history()[0]["price"] == str(price)  # maker fills at the order's own price
    for _ in range(40):
        if order.status == "Filled":
            break
        ex.set_price("BTCZAR", price - 30_000)
    assert order.status == "Filled" and len(ex.trade_history()) > partial_trades
    zar = ex.balances()["ZAR"]
    assert zar.reserved == 0 and zar.available == D(1_000_000) - D("0.6") * price
    assert ex.balances()["BTC"].available == 1 + D("0.6") - D("0.6") * D("0.001")  # maker fee 0.1% in BTC


def test_insufficient_balance_is_accepted_then_failed(ex: SimExchange) -> None:
    bid, _ = best(ex)
    order = ex.place_limit_order({"pair": "BTCZAR", "side": "BUY", "quantity": "1", "price": str(bid - 1000)})
    assert order.status == "Failed" and order.failed_reason == "Insufficient Balance"
    assert ex.balances()["ZAR"].reserved == 0
    sell = ex.place_limit_order({"pair": "ETHZAR", "side": "SELL", "quantity": "11", "price": "69000"})
    assert sell.status == "Failed"


def test_validation_errors_carry_valr_codes(ex: SimExchange) -> None:
    base = {"pair": "BTCZAR", "side": "BUY", "quantity": "0.001", "price": "1400000"}
    assert rejected(ex, **{**base, "pair": "DOGEZAR"}).valr_code == -21
    assert rejected(ex, **{**base, "price": "1400000.5"}).valr_code == -11  # not a tick multiple
    assert rejected(ex, **{**base, "quantity": "0.000009"}).valr_code == -12007  # < min base
    assert rejected(ex, **{**base, "quantity": "0.00001", "price": "900000"}).valr_code == -12007  # < R10
    eth = rejected(ex, pair="ETHZAR", side="SELL", quantity="0.0001", price="60000")
    assert eth.valr_code == -12007 and "0.0002" in eth.message
    assert rejected(ex, **{**base, "side": "HOLD"}).valr_code == -11
    assert rejected(ex, **{**base, "quantity": "abc"}).valr_code == -11
    assert rejected(ex, **{**base, "quantity": "4"}).status == 400  # above maxQuoteAmount


def test_quantity_is_truncated_to_base_decimal_places(ex: SimExchange) -> None:
    order = ex.place_limit_order(
        {"pair": "BTCZAR", "side": "BUY", "quantity": "0.0012345699", "price": "1400000"}
    )
    assert order.original_quantity == D("0.00123456")


def test_duplicate_open_customer_order_id(ex: SimExchange) -> None:
    order = {
        "pair": "BTCZAR",
        "side": "BUY",
        "quantity": "0.001",
        "price": "1400000",
        "customerOrderId": "abc-1",
    }
    first = ex.place_limit_order(order)
    assert rejected(ex, **order).valr_code == -11502
    ex.cancel_order({"customerOrderId": "abc-1", "pair": "BTCZAR"})
    assert first.status == "Cancelled"
    assert ex.place_limit_order(order).status == "Placed"  # unique among OPEN orders only
    assert rejected(ex, **{**order, "customerOrderId": "bad id!"}).valr_code == -11


def test_time_in_force_and_post_only(ex: SimExchange) -> None:
    _, ask = best(ex)
    ioc = ex.place_limit_order(
        {"pair": "BTCZAR", "side": "BUY", "quantity": "0.5", "price": str(ask), "timeInForce": "IOC"}
    )
    assert ioc.status == "Cancelled" and D("0.3") <= ioc.remaining_quantity < D("0.5")
    assert ex.balances()["ZAR"].reserved == 0
    _, ask = best(ex)
    post = ex.place_limit_order(
        {"pair": "BTCZAR", "side": "BUY", "quantity": "0.001", "price": str(ask + 100), "postOnly": True}
    )
    assert post.status == "Failed" and "Post only" in post.failed_reason


def test_unknown_order_lookup_is_invalid_order(ex: SimExchange) -> None:
    with pytest.raises(ExchangeError) as info:
        ex.order("BTCZAR", order_id="nope")
    assert (info.value.status, info.value.valr_code, info.value.message) == (400, -1, "Invalid Order. ")


def test_adjust_balance_and_events(ex: SimExchange) -> None:
    events: list[SimEvent] = []
    ex.add_listener(events.append)
    ex.adjust_balance("ZAR", D("-50000"))
    assert ex.balances()["ZAR"].available == D(950_000)
    assert events[-1].type == "BALANCE_UPDATE" and events[-1].data["currency"]["symbol"] == "ZAR"
    ex.step()
    kinds = {event.type for event in events}
    assert {"MARKET_SUMMARY_UPDATE", "AGGREGATED_ORDERBOOK_UPDATE"} <= kinds


def test_market_order_walks_the_book(ex: SimExchange) -> None:
    order = ex.place_market_order({"pair": "ETHZAR", "side": "SELL", "baseAmount": "0.5"})
    assert order.order_type == "market" and order.status == "Filled"
    assert ex.balances()["ETH"].total == D("9.5")
    by_quote = ex.place_market_order({"pair": "ETHZAR", "side": "BUY", "quoteAmount": "1000"})
    assert by_quote.status == "Filled" and by_quote.filled_value <= D(1000)


def test_each_fault_enters_and_expires_on_the_injected_clock(ex: SimExchange, clock: ManualClock) -> None:
    mid = D(ex.market_summary("BTCZAR")["markPrice"])
    ex.inject_fault("price_shock", 5, pct="-8", pair="BTCZAR")
    assert D(ex.market_summary("BTCZAR")["markPrice"]) == (mid * D("0.92")).to_integral_value()
    ex.inject_fault("balance_drift", 5, currency="ZAR", delta="-100")
    assert ex.balances()["ZAR"].available == D(999_900)
    ex.inject_fault("spread_blowout", 5, pct=5)
    bid, ask = best(ex)
    assert (ask - bid) / ask > D("0.045")
    for kind in ("outage", "latency", "http_5xx", "rate_limit_storm", "malformed", "html", "ws_drop"):
        ex.inject_fault(kind, 5)
    assert len(ex.active_faults()) == 10
    clock.advance(5.001)
    assert ex.active_faults() == []
    ex.step()
    bid, ask = best(ex)
    assert (ask - bid) / ask < D("0.01")  # the spread is back to normal
    assert ex.balances()["ZAR"].available == D(999_900)  # a drift is applied once, not undone


def test_bad_fault_requests_are_config_errors(ex: SimExchange) -> None:
    with pytest.raises(ConfigError):
        ex.inject_fault("meteor", 5)
    with pytest.raises(ConfigError):
        ex.inject_fault("outage", 0)
    with pytest.raises(ConfigError):
        ex.inject_fault("outage", 10**6)
    with pytest.raises(ConfigError):
        ex.inject_fault("outage", 5, mode="sideways")
    with pytest.raises(ConfigError):
        ex.inject_fault("balance_drift", 5, currency="XYZ", delta="1")
    ex.inject_fault("outage", 5)
    ex.clear_faults()
    assert ex.active_faults() == []
