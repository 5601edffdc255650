"""Property: whatever a trader and the market do, the simulator's books balance to the cent."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from valr_tui.errors import ExchangeError
from valr_tui.simulator.exchange import SimExchange
from valr_tui.trading.clock import ManualClock

from .conftest import START

START_BALANCES = {"ZAR": Decimal(1_000_000), "BTC": Decimal(1), "ETH": Decimal(10)}
LOT = {"BTCZAR": Decimal("0.001"), "ETHZAR": Decimal("0.01")}

actions = st.lists(
    st.one_of(
        st.tuples(
            st.just("place"),
            st.sampled_from(("BTCZAR", "ETHZAR")),
            st.sampled_from(("BUY", "SELL")),
            st.integers(-300, 300),  # limit price offset from mid, in bps (positive crosses for a BUY)
            st.integers(1, 400),  # lots
        ),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("step"), st.integers(1, 5)),
        st.tuples(st.just("shock"), st.sampled_from(("BTCZAR", "ETHZAR")), st.integers(-200, 200)),
    ),
    max_size=25,
)


def check_books(ex: SimExchange) -> None:
    balances = ex.balances()
    for balance in balances.values():
        assert balance.available >= 0 and balance.reserved >= 0
    reserved = dict.fromkeys(balances, Decimal(0))
    for order in ex.open_orders():
        base, quote = order.pair[:3], order.pair[3:]
        if order.side == "BUY":
            reserved[quote] += order.remaining_quantity * order.price
        else:
            reserved[base] += order.remaining_quantity
    assert {c: b.reserved for c, b in balances.items()} == reserved
    expected = dict(START_BALANCES)
    for fill in ex.trade_history(limit=10_000):
        base, quote = fill["currencyPair"][:3], fill["currencyPair"][3:]
        quantity, fee = Decimal(fill["quantity"]), Decimal(fill["fee"])
        value = Decimal(fill["price"]) * quantity
        sign = 1 if fill["side"] == "buy" else -1
        expected[base] += sign * quantity
        expected[quote] -= sign * value
        expected[fill["feeCurrency"]] -= fee
    assert {c: b.total for c, b in balances.items()} == expected


@given(seed=st.integers(0, 10_000), script=actions)
def test_property_41_simulator_balances_reconcile_with_fills(
    seed: int, script: list[tuple[object, ...]]
) -> None:
    ex = SimExchange("key", seed=seed, clock=ManualClock(START))
    for action in script:
        if action[0] == "place":
            _, pair, side, offset_bps, lots = action
            assert isinstance(pair, str) and isinstance(offset_bps, int) and isinstance(lots, int)
            mid = ex.markets[pair].mid
            sign = 1 if side == "BUY" else -1
            price = (mid * (1 + Decimal(sign * offset_bps) / 10_000)).to_integral_value()
            try:
                ex.place_limit_order(
                    {"pair": pair, "side": side, "quantity": str(LOT[pair] * lots), "price": str(price)}
                )
            except ExchangeError as error:
                assert error.valr_code in (-11, -12007)  # size limits: refused before any money moves
        elif action[0] == "cancel":
            orders = ex.open_orders()
            index = action[1]
            assert isinstance(index, int)
            if orders:
                order = orders[index % len(orders)]
                ex.cancel_order({"orderId": order.order_id, "pair": order.pair})
        elif action[0] == "step":
            count = action[1]
            assert isinstance(count, int)
            ex.step(count)
        else:
            _, pair, bps = action
            assert isinstance(pair, str) and isinstance(bps, int)
            ex.set_price(pair, ex.markets[pair].mid * (1 + Decimal(bps) / 10_000))
        check_books(ex)
