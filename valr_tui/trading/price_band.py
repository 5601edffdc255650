"""Fat-finger protection: a LIMIT price too far from the mid is refused, and a price that crosses
the spread is a taker order whose expected fill the preview shows.

Pure functions of a request's price, side and quantity and one ``MarketView``; the order manager
calls ``check_price_band`` with its other rules, the dashboard calls ``expected_taker_fill``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from valr_tui.errors import PriceBandError
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.market_rules import top_of_book
from valr_tui.trading.matching import Arrival, plan_arrival
from valr_tui.trading.views import MarketView

HUNDRED = Decimal(100)


def check_price_band(side: str, price: Decimal, view: MarketView, band_pct: Decimal) -> list[PriceBandError]:
    """VALR-ORD-011 when ``price`` is more than ``band_pct`` % away from the mid. Without a
    trustworthy top of book there is nothing to measure against (the market rules refuse that)."""
    top = top_of_book(view)
    if top is None:
        return []
    bid, ask = top
    mid = DecimalGateway.divide(bid + ask, Decimal(2))
    if mid <= 0:
        return []
    away = DecimalGateway.divide(abs(price - mid) * HUNDRED, mid)
    if away <= band_pct:
        return []
    direction = "above" if price > mid else "below"
    shown = DecimalGateway.quantize(away, Decimal("0.01"))
    return [PriceBandError(
        f"{side} at {DecimalGateway.format_zar(price)} is {shown}% {direction} the mid"
        f" {DecimalGateway.format_zar(mid)} (PRICE_BAND_PCT {band_pct}%)",
        price=price, mid=mid, away_pct=away,
    )]


@dataclass(frozen=True, slots=True)
class TakerFill:
    """What a LIMIT order that crosses the spread takes from the book at once."""

    quantity: Decimal  # filled immediately (up to the order's quantity)
    average_price: Decimal
    levels: int  # book levels it reaches
    rests: Decimal  # what is left to rest on the book at the limit price


def expected_taker_fill(side: str, price: Decimal, quantity: Decimal, view: MarketView) -> TakerFill | None:
    """None unless the order crosses: a BUY at or above the best ask, a SELL at or below the best
    bid. Walks the opposite side of the book up to the limit price (no fees, no queue)."""
    book = view.book
    if book is None or quantity <= 0:
        return None
    levels = book.asks if side == "BUY" else book.bids

    def reaches(level_price: Decimal) -> bool:
        return level_price <= price if side == "BUY" else level_price >= price

    if not levels or not reaches(levels[0].price):
        return None
    left, value, touched = quantity, Decimal(0), 0
    for level in levels:
        if left <= 0 or not reaches(level.price):
            break
        take = min(left, level.quantity)
        value += DecimalGateway.multiply(take, level.price)
        left -= take
        touched += 1
    filled = quantity - left
    if filled <= 0:
        return None
    return TakerFill(filled, DecimalGateway.divide(value, filled), touched, left)


def options_note(
    side: str, price: Decimal, quantity: Decimal, view: MarketView, *, post_only: bool, time_in_force: str
) -> str | None:
    """What post-only or the time in force means for this order against the visible book (the
    preview's line): "IOC: fills 0.01 now, rest cancelled", "FOK: book has only 0.004 → fails".
    None for a plain GTC order (the taker line says what crosses)."""
    if (not post_only and time_in_force == "GTC") or quantity <= 0:
        return None
    book = view.book
    opposite = () if book is None else book.asks if side == "BUY" else book.bids
    levels = [(level.price, level.quantity) for level in opposite]
    plan = plan_arrival(side, price, quantity, levels, post_only=post_only, time_in_force=time_in_force)
    reachable = plan_arrival(side, price, quantity, levels).filled
    shown = DecimalGateway.to_wire(reachable)
    if post_only:
        return ("post-only: would cross → it fails (never placed as a taker)"
                if plan.outcome is Arrival.FAILED else "post-only: rests as maker (fails if it would match)")
    if time_in_force == "FOK":
        if plan.outcome is Arrival.FAILED:
            return f"FOK: book has only {shown} at this price → fails"
        return f"FOK: fills {DecimalGateway.to_wire(quantity)} in full now"
    if plan.outcome is Arrival.FILLED:
        return f"IOC: fills {shown} in full now"
    if reachable == 0:
        return "IOC: nothing fills at this price → cancelled at once"
    return f"IOC: fills {shown} now, rest cancelled"
