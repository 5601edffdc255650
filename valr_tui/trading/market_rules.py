"""Market rules every new order must pass: fresh data, a two-sided, uncrossed, narrow spread.

``check_market`` is a pure function of a ``MarketView``, the time and the settings, so the order
manager (before sending) and the order form (live preview) give the same answer.

The quote used is the top of the order book when both sides exist, else the ticker's bid/ask.
A crossed quote (ask < bid) in either the book or the ticker is never trusted for a spread: VALR
books have been seen crossed, and an order priced off one would be priced off garbage.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_CEILING, Decimal

from valr_tui.config import Settings
from valr_tui.errors import SpreadTooWideError, StaleMarketDataError, UnlistedPairError, ValrTuiError
from valr_tui.exchange.models import Pair, spread_pct
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.views import MarketView

SPREAD_SHOWN = Decimal("0.001")  # 3 dp for the spread (rounded up: never shown below the limit)
LIMIT_SHOWN = Decimal("0.01")  # 2 dp for the limit


def top_of_book(view: MarketView) -> tuple[Decimal, Decimal] | None:
    """(bid, ask) from the book when both sides exist, else from the ticker; None if one-sided."""
    book = view.book
    if book is not None and book.best_bid is not None and book.best_ask is not None:
        return book.best_bid, book.best_ask
    ticker = view.ticker
    if ticker is not None and ticker.bid > 0 and ticker.ask > 0:
        return ticker.bid, ticker.ask
    return None


def crossed_quote(view: MarketView) -> tuple[Decimal, Decimal] | None:
    """(bid, ask) of the book or ticker that shows ask < bid; None when neither is crossed."""
    book = view.book
    if book is not None and book.crossed and book.best_bid is not None and book.best_ask is not None:
        return book.best_bid, book.best_ask
    if view.ticker is not None and view.ticker.crossed:
        return view.ticker.bid, view.ticker.ask
    return None


def is_crossed(view: MarketView) -> bool:
    """True when the book or the ticker shows ask < bid."""
    return crossed_quote(view) is not None


def market_spread_pct(view: MarketView) -> Decimal | None:
    """The trusted spread in percent of mid; None when crossed or one-sided."""
    quote = top_of_book(view)
    if quote is None or is_crossed(view):
        return None
    return spread_pct(*quote)


def is_stale(updated_at: float | None, now: float, settings: Settings) -> bool:
    """Stale means no successful update, or the last one more than STALE_AFTER_S ago."""
    return updated_at is None or now - updated_at > float(settings.stale_after_s)


def check_market(view: MarketView, now: float, settings: Settings) -> list[ValrTuiError]:
    """Every market rule ``view`` breaks at ``now``; an empty list means orders may proceed."""
    if view.updated_at is None or (view.ticker is None and view.book is None):
        return [StaleMarketDataError(f"no market data for {view.pair} yet", pair=view.pair)]
    problems: list[ValrTuiError] = []
    age = max(0.0, now - view.updated_at)
    if view.stale or is_stale(view.updated_at, now, settings):
        problems.append(StaleMarketDataError(
            f"market data for {view.pair} is {age:.1f} s old"
            f" (stale after {DecimalGateway.to_wire(settings.stale_after_s)} s)",
            pair=view.pair, age_s=round(age, 3),
        ))
    quote = top_of_book(view)
    crossed = crossed_quote(view)
    if crossed is not None:
        bid, ask = crossed
        problems.append(SpreadTooWideError(
            f"crossed book for {view.pair}: ask {DecimalGateway.to_wire(ask)}"
            f" is below bid {DecimalGateway.to_wire(bid)}",
            pair=view.pair, crossed=True,
        ))
    elif quote is None:
        problems.append(SpreadTooWideError(
            f"no two-sided quote for {view.pair}: the spread cannot be checked", pair=view.pair
        ))
    else:
        spread = spread_pct(*quote)
        if spread > settings.max_spread_pct:
            shown = DecimalGateway.quantize(spread, SPREAD_SHOWN, ROUND_CEILING)
            limit = DecimalGateway.quantize(settings.max_spread_pct, LIMIT_SHOWN)
            problems.append(SpreadTooWideError(
                f"spread {shown}% on {view.pair} exceeds the limit of {limit}%",
                pair=view.pair, spread_pct=str(spread),
            ))
    return problems


def watched_pairs(configured: Iterable[str], listed: Iterable[Pair]) -> dict[str, Pair]:
    """The metadata of every configured pair from VALR's ``/v1/public/pairs`` listing.

    A configured pair VALR does not list, or lists with ``active: false``, cannot be traded:
    ``UnlistedPairError`` (VALR-CFG-010) names every such pair at once."""
    by_symbol = {pair.symbol.upper(): pair for pair in listed}
    wanted = tuple(configured)
    unknown = [symbol for symbol in wanted if symbol not in by_symbol]
    inactive = [symbol for symbol in wanted if symbol in by_symbol and not by_symbol[symbol].active]
    if unknown or inactive:
        parts = []
        if unknown:
            parts.append(f"VALR does not list {', '.join(unknown)}")
        if inactive:
            parts.append(f"VALR lists {', '.join(inactive)} as inactive")
        raise UnlistedPairError(
            f"PAIRS: {'; '.join(parts)}", key="PAIRS", unknown=unknown, inactive=inactive
        )
    return {symbol: by_symbol[symbol] for symbol in wanted}
