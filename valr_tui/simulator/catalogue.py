"""Every pair the simulator can serve, and the listing of ``GET /v1/public/pairs``.

``CATALOGUE`` extends ``market.PAIR_CATALOGUE`` (BTCZAR, ETHZAR) with more of VALR's spot pairs, so
``PAIRS=...`` with up to all of them gets a moving market for each. Prices, tick sizes and minimums
are plausible simulation values in the shape VALR publishes (the official ``Currency Pairs``
example), not VALR's live figures.

``INACTIVE_LISTINGS`` are copied verbatim from that official example (``Currency Pairs``, 200): VALR
lists pairs it no longer trades with ``"active": false``, and a client must refuse them. The
simulator lists them and serves no market for them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from valr_tui.simulator.market import PAIR_CATALOGUE, PairInfo

BAND: Final = Decimal("0.2")  # the walk of an added pair stays within +-20% of its start price


def _pair(
    base: str, quote: str, start: str, tick: str, min_base: str, max_base: str, decimals: int, lot: str,
    *, min_quote: str = "10", max_quote: str = "5000000",
) -> PairInfo:
    price = Decimal(start)
    return PairInfo(
        symbol=f"{base}{quote}", base=base, quote=quote, min_base=Decimal(min_base),
        max_base=Decimal(max_base), min_quote=Decimal(min_quote), max_quote=Decimal(max_quote),
        tick_size=Decimal(tick), base_decimal_places=decimals, start_price=price,
        floor_price=price * (1 - BAND), ceiling_price=price * (1 + BAND), lot=Decimal(lot),
    )


_MORE: Final[tuple[PairInfo, ...]] = (
    _pair("XRP", "ZAR", "42.15", "0.01", "1.5", "100000", 6, "25"),
    _pair("SOL", "ZAR", "3150", "1", "0.01", "2000", 8, "0.2"),
    _pair("USDT", "ZAR", "18.21", "0.01", "0.55", "500000", 2, "80"),
    _pair("USDC", "ZAR", "18.19", "0.01", "0.55", "500000", 2, "80"),
    _pair("BNB", "ZAR", "11400", "1", "0.001", "300", 8, "0.05"),
    _pair("AVAX", "ZAR", "455.2", "0.1", "0.03", "5000", 8, "1"),
    _pair("ADA", "ZAR", "12.345", "0.001", "1", "500000", 6, "150"),
    _pair("DOGE", "ZAR", "3.2145", "0.0001", "4", "2000000", 4, "600"),
    _pair("LINK", "ZAR", "301.4", "0.1", "0.04", "10000", 8, "2"),
    _pair("TRX", "ZAR", "4.512", "0.001", "3", "2000000", 6, "500"),
    _pair("LTC", "ZAR", "1640", "1", "0.007", "1000", 8, "0.5"),
    _pair("DOT", "ZAR", "121.37", "0.01", "0.1", "50000", 8, "5"),
    _pair("BTC", "USDC", "82150", "1", "0.0001", "5", 8, "0.001", min_quote="1", max_quote="300000"),
    _pair("ETH", "USDC", "3040.5", "0.1", "0.001", "100", 8, "0.01", min_quote="1", max_quote="300000"),
)

CATALOGUE: Final[dict[str, PairInfo]] = {**PAIR_CATALOGUE, **{info.symbol: info for info in _MORE}}

INACTIVE_LISTINGS: Final[tuple[dict[str, Any], ...]] = (
    {
        "symbol": "LTCBTC", "baseCurrency": "LTC", "quoteCurrency": "BTC", "shortName": "LTC/BTC",
        "active": False, "minBaseAmount": "0.0043", "maxBaseAmount": "15.67",
        "minQuoteAmount": "0.000016", "maxQuoteAmount": "0.0512", "tickSize": "0.000001",
        "baseDecimalPlaces": "8", "marginTradingAllowed": False, "currencyPairType": "SPOT",
    },
    {
        "symbol": "LTCETH", "baseCurrency": "LTC", "quoteCurrency": "ETH", "shortName": "LTC/ETH",
        "active": False, "minBaseAmount": "0.0237", "maxBaseAmount": "15.67",
        "minQuoteAmount": "0.0081", "maxQuoteAmount": "0.7576", "tickSize": "0.00000001",
        "baseDecimalPlaces": "8", "marginTradingAllowed": False, "currencyPairType": "SPOT",
    },
)


def servable(pairs: tuple[str, ...]) -> tuple[str, ...]:
    """The pairs of ``pairs`` the simulator can serve, in order, without repeats."""
    return tuple(dict.fromkeys(pair for pair in pairs if pair in CATALOGUE))


def listing(served: tuple[PairInfo, ...]) -> list[dict[str, Any]]:
    """``GET /v1/public/pairs``: the served pairs (active), then the inactive listings."""
    return [info.to_wire() for info in served] + [dict(entry) for entry in INACTIVE_LISTINGS]
