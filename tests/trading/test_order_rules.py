"""check_order, the one copy of the order rules, on its own: huge amounts get codes, not signals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from valr_tui.config import Settings
from valr_tui.exchange.models import Pair
from valr_tui.trading.order_rules import Funds, check_order
from valr_tui.trading.safety import SafetyState, SafetyStatus
from valr_tui.trading.views import MarketView, OrderRequest

BTCZAR = Pair("BTCZAR", "BTC", "ZAR", Decimal(1), 8, Decimal("0.00001"), Decimal(100), Decimal(10),
              Decimal(5_000_000))
SETTINGS = Settings(db_path=":memory:", log_path="")


def _check(price: str, quantity: str) -> list[str]:
    checked = check_order(
        OrderRequest("BTCZAR", "BUY", price, quantity), pairs={"BTCZAR": BTCZAR}, settings=SETTINGS,
        market=lambda pair: MarketView(pair, None, None, None, True), clock=lambda: 0.0,
        safety=SafetyStatus(SafetyState.NORMAL, "", 0.0, {}),
        funds=Funds("paper wallet", lambda _currency: Decimal(0)),
    )
    return [p.code for p in checked.problems]


@pytest.mark.parametrize("price", ["10000000000000000000000000000", "99999999999999999999999999999999999999"])
def test_a_huge_price_gets_coded_problems_not_a_decimal_signal(price: str) -> None:
    codes = _check(price, "0.001")  # refused as a price or as over MAX_ORDER_ZAR, never raised
    assert codes and {"VALR-ORD-004", "VALR-ORD-007"} & set(codes)


def test_an_off_tick_price_is_still_caught() -> None:
    assert "VALR-ORD-004" in _check("10000000000000000000000000000.5", "0.001")
    assert "VALR-ORD-004" in _check("1250000.5", "0.001")
    assert "VALR-ORD-004" not in _check("1250000", "0.001")
