"""Small display helpers shared by the widgets. Money always goes through the Decimal Gateway."""

from __future__ import annotations

import time
from decimal import Decimal

from valr_tui.money import split_pair_symbol
from valr_tui.money.decimal_gateway import DecimalGateway

PCT = Decimal("0.01")


def zar(value: Decimal, *, symbol: bool = True) -> str:
    return DecimalGateway.format_zar(value, symbol=symbol)


def crypto(value: Decimal) -> str:
    return DecimalGateway.format_crypto(value)


def money(value: Decimal, currency: str) -> str:
    """An amount with its currency, as the trader reads it: "R 98,500.00", "0.00150000 BTC"."""
    return DecimalGateway.format_money(value, currency)


def amount(value: Decimal, places: int = 2) -> str:
    """A price without its currency, at least ``places`` decimals and every digit it has:
    "1,500,000.00", "2.3456" (zar() would round it to cents)."""
    return DecimalGateway.format_amount(value, places)


def quoted_price(value: Decimal, pair: str, places: int | None = None) -> str:
    """A price of ``pair`` in its quote currency, every digit: "R 1,500,000.00", "61,000.50 USDC"."""
    return DecimalGateway.format_price(value, split_pair_symbol(pair)[1], places)


def pct(value: Decimal, *, signed: bool = False) -> str:
    q = DecimalGateway.quantize(value, PCT)
    return f"{q:+}%" if signed else f"{q}%"


def age(seconds: float | None) -> str:
    """'2 s', '95 s', '4 m 10 s'; 'never' when never updated.

    Whole seconds: freshness a trader acts on (STALE is flagged on its own), and a text that
    changes once a second at most, so ages alone never cost more than one frame a second."""
    if seconds is None:
        return "never"
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} m {rest:02d} s"


def clock_text(epoch_ms: int) -> str:
    """UTC 'MM-DD HH:MM:SS': sortable within a year and independent of the machine's zone."""
    return time.strftime("%m-%d %H:%M:%S", time.gmtime(epoch_ms / 1000))
