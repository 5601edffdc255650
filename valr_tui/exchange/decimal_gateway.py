"""The Decimal Gateway: the only door through which numbers enter the money path.

Floats, booleans, NaN, infinities and garbage are refused with ``DecimalError`` (VALR-DEC-001).
All arithmetic that needs a context passes one fixed private context explicitly; the global context
is never read or touched (a known bug class in other VALR SDKs).
"""

from __future__ import annotations

import json
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import Any, Final

from valr_tui.errors import DecimalError

ZAR_PRECISION: Final = Decimal("0.01")
CRYPTO_PRECISION: Final = Decimal("0.00000001")
# Enough digits for any amount VALR can express (quote volumes of 1e12 with 8+ decimals).
_PRECISION_DIGITS: Final = 60
_MAX_INPUT_CHARS: Final = 100


# One fixed context, passed explicitly to every operation: ``localcontext()`` alone would copy the
# caller's global traps (Inexact, Rounded...) and rounding, so a hostile global context could change
# a result or raise a bare ``decimal`` signal from deep inside the money path. Building a fresh
# Context per call cost ~4 µs; sharing one is safe because nothing reads or relies on its flags.
_MONEY: Final = Context(
    prec=_PRECISION_DIGITS,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


class DecimalGateway:
    """Converts and formats money. Stateless; every method is a classmethod/staticmethod."""

    ZAR_PRECISION: Final = ZAR_PRECISION
    CRYPTO_PRECISION: Final = CRYPTO_PRECISION

    @staticmethod
    def validate_decimal(value: object) -> Decimal:
        """Return ``value`` if it is a finite Decimal, else raise ``DecimalError``."""
        if not isinstance(value, Decimal):
            raise DecimalError(f"expected Decimal, got {type(value).__name__}")
        if not value.is_finite():
            raise DecimalError("NaN and infinity are not amounts")
        return value

    @classmethod
    def to_decimal(cls, value: object, precision: Decimal | None = None) -> Decimal:
        """Convert ``str``/``int``/``Decimal`` to a finite Decimal, optionally quantized
        (ROUND_HALF_EVEN) to ``precision`` such as ``ZAR_PRECISION``."""
        if isinstance(value, (bool, float)):
            raise DecimalError(f"{type(value).__name__} is not accepted on the money path")
        if isinstance(value, Decimal):
            result = value
        elif isinstance(value, int):
            result = Decimal(value)
        elif isinstance(value, str):
            text = value.strip()
            if not text or len(text) > _MAX_INPUT_CHARS or not text.isascii():
                raise DecimalError(f"not a decimal number: {value[:40]!r}")
            if "_" in text:  # Decimal() accepts "1_000"; nothing VALR sends looks like that
                raise DecimalError(f"not a decimal number: {value[:40]!r}")
            try:
                result = Decimal(text)  # exact, whatever the context; garbage may come back NaN
            except InvalidOperation:
                raise DecimalError(f"not a decimal number: {value[:40]!r}") from None
        else:
            raise DecimalError(f"{type(value).__name__} is not accepted on the money path")
        cls.validate_decimal(result)
        if precision is not None:
            result = cls.quantize(result, precision)
        return result

    @staticmethod
    def quantize(value: Decimal, precision: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
        try:
            return value.quantize(precision, rounding=rounding, context=_MONEY)
        except InvalidOperation:
            raise DecimalError(f"cannot quantize {value} to {precision}") from None

    @classmethod
    def truncate(cls, value: Decimal, decimal_places: int) -> Decimal:
        """Truncate (ROUND_DOWN) as VALR does to quantities beyond baseDecimalPlaces."""
        return cls.quantize(value, Decimal(1).scaleb(-decimal_places), ROUND_DOWN)

    @staticmethod
    def multiply(a: Decimal, b: Decimal) -> Decimal:
        return _MONEY.multiply(a, b)

    @staticmethod
    def divide(a: Decimal, b: Decimal) -> Decimal:
        return _MONEY.divide(a, b)

    @classmethod
    def format_zar(cls, value: Decimal, *, symbol: bool = True) -> str:
        """``R 1,234,567.89``: exactly 2 decimals (ROUND_HALF_EVEN), thousands grouping."""
        q = cls.quantize(cls.validate_decimal(value), ZAR_PRECISION)
        text = f"{q:,.2f}"
        if text.startswith("-") and q == 0:
            text = text[1:]  # never show "-0.00"
        return f"R {text}" if symbol else text

    @classmethod
    def format_crypto(cls, value: Decimal) -> str:
        """Exactly 8 decimals, ROUND_HALF_EVEN, no grouping: ``0.00012345``."""
        q = cls.quantize(cls.validate_decimal(value), CRYPTO_PRECISION)
        text = f"{q:.8f}"
        return text[1:] if text.startswith("-") and q == 0 else text

    @classmethod
    def format_money(cls, value: Decimal, currency: str) -> str:
        """An amount with its currency for messages: ``R 98,500.00``, ``0.00150000 BTC``."""
        return cls.format_zar(value) if currency == "ZAR" else f"{cls.format_crypto(value)} {currency}"

    @staticmethod
    def to_wire(value: Decimal) -> str:
        """Canonical plain string (no exponent) for JSON bodies and SQLite TEXT columns."""
        DecimalGateway.validate_decimal(value)  # "NaN" must never reach the wire
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text


def _reject_constant(name: str) -> Any:
    raise DecimalError(f"{name} is not a number VALR sends")


def loads(data: str | bytes) -> Any:
    """Parse VALR JSON: floats become Decimal, ints stay int (sequenceId > 2**53 survives)."""
    return json.loads(data, parse_float=Decimal, parse_constant=_reject_constant)


def dumps(obj: Any) -> str:
    """Serialise once, compactly; Decimals go out as canonical strings."""

    def default(o: object) -> str:
        if isinstance(o, Decimal):
            return DecimalGateway.to_wire(o)
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")

    return json.dumps(obj, separators=(",", ":"), default=default)
