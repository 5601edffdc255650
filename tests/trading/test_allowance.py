"""The open-order allowance: an order explains only what it consumed of its own reservation."""

from __future__ import annotations

from decimal import Decimal

from storage.ledger import UnsettledOrder
from valr_tui.exchange.models import Balance
from valr_tui.trading.reconciliation import allowance_from

D = Decimal
FEE = D("0.1")


def balances(zar_reserved: str, btc_reserved: str = "0") -> list[Balance]:
    return [Balance("ZAR", D(0), D(zar_reserved), D(zar_reserved)),
            Balance("BTC", D(0), D(btc_reserved), D(btc_reserved))]


def test_an_untouched_resting_buy_explains_nothing() -> None:
    buy = UnsettledOrder("a", "BTCZAR", "BUY", D("1000000"), D("0.0043"))  # R 4,300 resting
    allowance = allowance_from([buy], {"a": "OPEN"}, balances("4300"), D(0))
    assert allowance.tolerance == {}  # a R 4,000 withdrawal beside it is not forgiven


def test_a_buy_that_filled_unseen_explains_its_consumed_quote_and_the_coins() -> None:
    buy = UnsettledOrder("a", "BTCZAR", "BUY", D("1000000"), D("0.004"))
    # VALR released R 1,000 of the R 4,000 it held: 0.001 BTC filled before we stored it
    allowance = allowance_from([buy], {"a": "OPEN"}, balances("3000"), D(0))
    assert allowance.tolerance == {"ZAR": D("1000"), "BTC": D("0.001")}


def test_a_sell_explains_its_base_and_proceeds_only() -> None:
    sell = UnsettledOrder("s", "BTCZAR", "SELL", D("1000000"), D("0.004"))
    allowance = allowance_from([sell], {"s": "OPEN"}, balances("0", "0.003"), FEE)
    assert allowance.tolerance["BTC"] == D("0.001")
    assert allowance.tolerance["ZAR"] == D("1001.000")  # proceeds of 0.001 with the fee slack


def test_an_order_of_unknown_outcome_may_have_traded_entirely() -> None:
    unknown = UnsettledOrder("u", "BTCZAR", "BUY", D("1000000"), D("0.002"))
    allowance = allowance_from([unknown], {"u": "UNKNOWN"}, balances("0"), D(0))
    assert allowance.tolerance == {"BTC": D("0.002"), "ZAR": D("2000")}
