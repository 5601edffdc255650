"""Order sides and pair symbols: the words every layer uses for a trade, with no exchange client."""

from __future__ import annotations

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
