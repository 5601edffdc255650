"""What an order is worth in ZAR, for ``MAX_ORDER_ZAR``.

An order's value is price x quantity in the pair's *quote* currency: 4,990 on BTCUSDC is 4,990 USDC
(about R 90,000), not R 4,990. A non-ZAR value is converted through the live mid price of the quote
currency's ZAR pair (USDC -> USDCZAR), which market data follows by itself (``Settings.rate_pairs``)
and which must be fresh; without such a rate the order is refused (VALR-MKT-003) rather than guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from valr_tui.config import Settings
from valr_tui.errors import NoZarRateError, OrderLimitExceeded, ValrTuiError
from valr_tui.money import ZAR, zar_rate_pair
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.views import MarketView

_TWO = Decimal(2)


def order_value_zar(
    value: Decimal,
    quote_currency: str,
    market: Callable[[str], MarketView],
    now: float,
    stale_after_s: Decimal,
) -> Decimal:
    """``value`` (in ``quote_currency``) in ZAR, or ``NoZarRateError`` if no fresh rate is known."""
    if quote_currency == ZAR:
        return value
    rate_pair = zar_rate_pair(quote_currency)
    refusal = NoZarRateError(
        f"{DecimalGateway.to_wire(value)} {quote_currency} cannot be checked against MAX_ORDER_ZAR:"
        f" no fresh {rate_pair} price",
        rate_pair=rate_pair,
    )
    try:
        view = market(rate_pair)
    except (ValrTuiError, LookupError):
        raise refusal from None
    age = view.age(now)
    ticker = view.ticker
    if view.stale or ticker is None or age is None or Decimal(str(age)) > stale_after_s:
        raise refusal
    if ticker.bid <= 0 or ticker.ask <= 0:
        raise refusal
    mid = DecimalGateway.divide(ticker.bid + ticker.ask, _TWO)
    return DecimalGateway.multiply(value, mid)


def max_order_problem(
    value: Decimal,
    quote_currency: str,
    market: Callable[[str], MarketView],
    now: float,
    settings: Settings,
) -> ValrTuiError | None:
    """The MAX_ORDER_ZAR rule: ``None`` if the order's ZAR value is within the limit, else the
    coded reason (over the limit, VALR-ORD-007; no fresh rate, VALR-MKT-003)."""
    try:
        value_zar = order_value_zar(value, quote_currency, market, now, settings.stale_after_s)
    except ValrTuiError as exc:
        return exc
    limit = settings.max_order_zar
    if value_zar <= limit:
        return None
    shown = DecimalGateway.format_zar(value_zar)
    if quote_currency != ZAR:
        shown = f"{DecimalGateway.to_wire(value)} {quote_currency} (about {shown})"
    return OrderLimitExceeded(
        f"order value {shown} is above the MAX_ORDER_ZAR limit of {DecimalGateway.format_zar(limit)}",
        value=value_zar, limit=limit,
    )
