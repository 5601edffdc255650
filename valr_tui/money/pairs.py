"""Order sides and pair symbols: the words every layer uses for a trade, with no exchange client."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from valr_tui.errors import UnknownPairError

Side = Literal["BUY", "SELL"]
SIDES: tuple[Side, ...] = ("BUY", "SELL")

# Quote currencies VALR lists pairs in, longest first where one is a suffix of another.
KNOWN_QUOTES: tuple[str, ...] = ("USDC", "USDT", "ZAR", "BTC", "ETH")


def split_pair_symbol(symbol: str) -> tuple[str, str]:
    """``BTCZAR`` -> (``BTC``, ``ZAR``) by its quote suffix, for when VALR's pair metadata
    (``Pair.base_currency`` / ``quote_currency``) is not at hand."""
    text = symbol.upper()
    for quote in KNOWN_QUOTES:
        if text.endswith(quote) and len(text) > len(quote):
            return text[: -len(quote)], quote
    raise UnknownPairError(f"cannot tell the currencies of pair {symbol!r}")


ZAR = "ZAR"


def zar_rate_pair(currency: str) -> str:
    """The pair whose mid prices ``currency`` in ZAR (USDC -> USDCZAR): MAX_ORDER_ZAR values an
    order on a pair quoted in another currency through it."""
    return f"{currency.upper()}{ZAR}"


def zar_rate_pairs(pairs: Iterable[str]) -> tuple[str, ...]:
    """The ZAR rate pairs that orders on ``pairs`` need and ``pairs`` lacks, in order (BTCUSDC ->
    USDCZAR). A pair whose currencies cannot be told needs none here: VALR's listing refuses it."""
    wanted = tuple(pairs)
    rates: dict[str, None] = {}
    for symbol in wanted:
        try:
            _base, quote = split_pair_symbol(symbol)
        except UnknownPairError:
            continue
        if quote != ZAR and zar_rate_pair(quote) not in wanted:
            rates[zar_rate_pair(quote)] = None
    return tuple(rates)
