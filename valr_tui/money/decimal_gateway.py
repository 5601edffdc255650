"""The Decimal Gateway: the only door through which numbers enter the money path.

Floats, booleans, NaN, infinities and garbage are refused with ``DecimalError`` (VALR-DEC-001),
and so is every number outside the money limits (``MAX_SIGNIFICANT_DIGITS``, ``MAX_DECIMALS``,
``MAX_INTEGER_DIGITS``), whether typed, sent by the exchange or passed in code: such a number is
refused, never rounded. All arithmetic that needs a context passes one fixed private context
explicitly; the global context is never read or touched (a known bug class in other VALR SDKs).
Code that uses plain operators (``a + b``) on the money path runs inside ``money_context()``.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any, Final

from valr_tui.errors import DecimalError

ZAR_PRECISION: Final = Decimal("0.01")
CRYPTO_PRECISION: Final = Decimal("0.00000001")
# Enough digits for any amount VALR can express (quote volumes of 1e12 with 8+ decimals).
_PRECISION_DIGITS: Final = 60
_MAX_INPUT_CHARS: Final = 100
# The money limits. An amount has at most this many significant digits, decimals and digits before
# the point (trailing zeros after the point do not count): the product of two amounts then always
# fits the 60-digit context exactly, and nothing VALR quotes comes near them.
MAX_SIGNIFICANT_DIGITS: Final = 28
MAX_DECIMALS: Final = 20
MAX_INTEGER_DIGITS: Final = 27
_MAX_INT_BITS: Final = 90  # 2**90 > 10**27: bigger ints are refused before any conversion
# Results the app computed itself (a spread percentage, a fee) carry up to the context's 60 digits
# and come back from SQLite TEXT: bounded too, but by the context rather than by the input limits.
_COMPUTED_DIGITS: Final = _PRECISION_DIGITS
_COMPUTED_DECIMALS: Final = 80


# One fixed context, passed explicitly to every operation: ``localcontext()`` alone would copy the
# caller's global traps (Inexact, Rounded...) and rounding, so a hostile global context could change
# a result or raise a bare ``decimal`` signal from deep inside the money path. Building a fresh
# Context per call cost ~4 µs; sharing one is safe because nothing reads or relies on its flags.
_MONEY: Final = Context(
    prec=_PRECISION_DIGITS,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
    Emax=999_999,
    Emin=-999_999,
)
# The same, refusing to round: a product that does not fit exactly is an error, not an estimate.
_EXACT: Final = Context(
    prec=_PRECISION_DIGITS,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
    Emax=999_999,
    Emin=-999_999,
)


def money_context() -> AbstractContextManager[Context]:
    """A block that computes in (a copy of) the private context, whatever the caller's global
    context is: the engine's entry points and loops run inside one, so a host program's
    ``getcontext().prec = 6`` or changed traps cannot change a result."""
    return localcontext(_MONEY)


def safe_text(value: object, limit: int = 40) -> str:
    """At most ``limit`` characters of ``value``'s text, safe for any value: ``str(10**5000)``
    raises ValueError, and a 10k-digit Decimal must not be quoted whole in a message."""
    if isinstance(value, int) and value.bit_length() > 128:
        return f"<an integer of {value.bit_length()} bits>"
    text = value if isinstance(value, str) else str(value)
    return text[:limit]


def _shown(value: object) -> str:
    """A short, safe preview of a refused value (never the whole of a 10k-digit number)."""
    if isinstance(value, int):
        return f"an integer of {value.bit_length()} bits"
    text = value if isinstance(value, str) else str(value)
    return repr(text[:40]) + ("..." if len(text) > 40 else "")


def _check_limits(value: Decimal, *, computed: bool = False) -> Decimal:
    """Return ``value`` if it is within the money limits, else raise ``DecimalError``."""
    max_digits = _COMPUTED_DIGITS if computed else MAX_SIGNIFICANT_DIGITS
    max_decimals = _COMPUTED_DECIMALS if computed else MAX_DECIMALS
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: checked by the caller
    if not value:  # zero is zero: "0E-999999" must not carry its exponent into arithmetic
        return value if -max_decimals <= exponent <= 0 else Decimal(0)
    count = len(digits)
    while count > 1 and exponent < 0 and digits[count - 1] == 0:
        count -= 1  # "1.50" has as many decimals as "1.5"
        exponent += 1
    decimals = max(0, -exponent)
    integer_digits = count + exponent  # may be <= 0 for 0.00x
    if count > max_digits or decimals > max_decimals or integer_digits > MAX_INTEGER_DIGITS:
        raise DecimalError(
            f"{_shown(value)} is outside the money limits (at most {max_digits} significant"
            f" digits, {max_decimals} decimals, {MAX_INTEGER_DIGITS} digits before the point)"
        )
    return value


class DecimalGateway:
    """Converts and formats money. Stateless; every method is a classmethod/staticmethod."""

    ZAR_PRECISION: Final = ZAR_PRECISION
    CRYPTO_PRECISION: Final = CRYPTO_PRECISION

    MAX_SIGNIFICANT_DIGITS: Final = MAX_SIGNIFICANT_DIGITS
    MAX_DECIMALS: Final = MAX_DECIMALS

    @staticmethod
    def validate_decimal(value: object) -> Decimal:
        """Return ``value`` if it is a finite Decimal, else raise ``DecimalError``."""
        if not isinstance(value, Decimal):
            raise DecimalError(f"expected Decimal, got {type(value).__name__}")
        if not value.is_finite():
            raise DecimalError("NaN and infinity are not amounts")
        return value

    @classmethod
    def validate_amount(cls, value: object) -> Decimal:
        """``validate_decimal`` plus the money limits: for amounts built in code."""
        return _check_limits(cls.validate_decimal(value))

    @classmethod
    def to_decimal(
        cls, value: object, precision: Decimal | None = None, *, computed: bool = False
    ) -> Decimal:
        """Convert ``str``/``int``/``Decimal`` to a finite Decimal within the money limits,
        optionally quantized (ROUND_HALF_EVEN) to ``precision`` such as ``ZAR_PRECISION``.
        ``computed=True`` is for the app's own stored results (the context's 60 digits)."""
        if isinstance(value, (bool, float)):
            raise DecimalError(f"{type(value).__name__} is not accepted on the money path")
        if isinstance(value, Decimal):
            result = value
        elif isinstance(value, int):
            if value.bit_length() > _MAX_INT_BITS:
                raise DecimalError(f"{_shown(value)} is outside the money limits")
            result = Decimal(value)
        elif isinstance(value, str):
            text = value.strip()
            if not text or len(text) > _MAX_INPUT_CHARS or not text.isascii():
                raise DecimalError(f"not a decimal number: {_shown(value)}")
            if "_" in text:  # Decimal() accepts "1_000"; nothing VALR sends looks like that
                raise DecimalError(f"not a decimal number: {_shown(value)}")
            try:
                result = Decimal(text)  # exact, whatever the context; garbage may come back NaN
            except InvalidOperation:
                raise DecimalError(f"not a decimal number: {_shown(value)}") from None
        else:
            raise DecimalError(f"{type(value).__name__} is not accepted on the money path")
        cls.validate_decimal(result)
        result = _check_limits(result, computed=computed)
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
        """Exact product, or ``DecimalError`` if it needs more than the context's 60 digits."""
        try:
            return _EXACT.multiply(a, b)
        except (Inexact, InvalidOperation, Overflow):
            raise DecimalError(f"{_shown(a)} x {_shown(b)} does not fit the money context") from None

    @staticmethod
    def divide(a: Decimal, b: Decimal) -> Decimal:
        """Quotient rounded to 60 significant digits (ROUND_HALF_EVEN); coded on division by 0."""
        try:
            return _MONEY.divide(a, b)
        except (DivisionByZero, InvalidOperation, Overflow):
            raise DecimalError(f"cannot divide {_shown(a)} by {_shown(b)}") from None

    @staticmethod
    def is_multiple(value: Decimal, step: Decimal) -> bool:
        """Whether ``value`` is a whole multiple of ``step`` (a tick size), computed exactly in
        the private context: ``value % step`` under a 6-digit global context raises."""
        if step <= 0:
            return True
        try:
            return not _EXACT.remainder(value, step)
        except (Inexact, InvalidOperation, Overflow):
            raise DecimalError(f"cannot compare {_shown(value)} with the step {_shown(step)}") from None

    @staticmethod
    def decimal_places(value: Decimal) -> int:
        """Decimals that carry information: 2 for ``1.50`` as for ``1.5``, 0 for ``100``. Exact,
        unlike ``normalize()``, which rounds to the global context's precision."""
        _, digits, exponent = value.as_tuple()
        if not isinstance(exponent, int) or exponent >= 0:
            return 0
        places = -exponent
        for digit in reversed(digits):
            if digit != 0 or places == 0:
                break
            places -= 1
        return places

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
    def format_amount(cls, value: Decimal, places: int = 2) -> str:
        """Grouped thousands, at least ``places`` decimals and every further digit the value has
        (``1,500,000.00``, ``2.3456``): never rounded to look like another number."""
        q = cls.validate_decimal(value).normalize(_MONEY)  # stored trailing zeros are not digits
        exponent = q.as_tuple().exponent
        assert isinstance(exponent, int)  # validate_decimal refused NaN and infinities
        if exponent > -places:
            q = cls.quantize(q, Decimal(1).scaleb(-places))  # exact: only adds zeros
        text = f"{q:,f}"
        return text[1:] if text.startswith("-") and q == 0 else text

    @classmethod
    def format_price(cls, value: Decimal, quote: str, places: int | None = None) -> str:
        """A price in its quote currency: ``R 1,500,000.00``, ``R 2.3456``, ``98,500.00 USDC``;
        ``format_amount``'s digits (at least ``places``, 2 when not given)."""
        text = cls.format_amount(value, 2 if places is None else places)
        return f"R {text}" if quote == "ZAR" else f"{text} {quote}"

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


def _parse_float(text: str) -> Decimal:
    # A JSON number with a point or exponent: exact, within the money limits, or refused.
    return DecimalGateway.to_decimal(text)


def _parse_int(text: str) -> int:
    # Python refuses ints over 4300 digits with a bare ValueError; nothing VALR sends has 40.
    if len(text) > 40:
        raise DecimalError(f"a JSON integer of {len(text)} digits is not something VALR sends")
    return int(text)


# One decoder for every call: ``json.loads`` with hooks builds a decoder and its scanner each time.
_DECODER: Final = json.JSONDecoder(
    parse_float=_parse_float, parse_int=_parse_int, parse_constant=_reject_constant
)


def loads(data: str | bytes) -> Any:
    """Parse VALR JSON: floats become Decimal, ints stay int (sequenceId > 2**53 survives).
    Numbers outside the money limits raise ``DecimalError``."""
    if isinstance(data, (bytes, bytearray)):  # as ``json.loads`` reads bytes
        data = data.decode(json.detect_encoding(data), "surrogatepass")
    return _DECODER.decode(data)


def dumps(obj: Any) -> str:
    """Serialise once, compactly; Decimals go out as canonical strings."""

    def default(o: object) -> str:
        if isinstance(o, Decimal):
            return DecimalGateway.to_wire(o)
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")

    return json.dumps(obj, separators=(",", ":"), default=default)
