"""Money and pairs: the small module every layer may import (exchange, trading, storage, UI).

``DecimalGateway`` is the only door for numbers onto the money path; ``Side`` and the pair-symbol
helpers name a trade without needing the exchange client.
"""

from valr_tui.money.decimal_gateway import DecimalGateway, dumps, loads
from valr_tui.money.pairs import (
    KNOWN_QUOTES,
    SIDES,
    ZAR,
    Side,
    split_pair_symbol,
    zar_rate_pair,
    zar_rate_pairs,
)

__all__ = [
    "KNOWN_QUOTES", "SIDES", "ZAR", "DecimalGateway", "Side", "dumps", "loads", "split_pair_symbol",
    "zar_rate_pair", "zar_rate_pairs",
]
