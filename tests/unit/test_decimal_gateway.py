"""The Decimal Gateway: what it refuses, how it rounds and formats, and that it never touches the
global decimal context."""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterator
from decimal import ROUND_CEILING, Decimal, getcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from valr_tui.errors import DecimalError
from valr_tui.money.decimal_gateway import (
    CRYPTO_PRECISION,
    ZAR_PRECISION,
    DecimalGateway,
    dumps,
    loads,
)

G = DecimalGateway


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234.5678", Decimal("1234.5678")),
        ("  42 ", Decimal(42)),
        ("-0.00000001", Decimal("-0.00000001")),
        ("1e5", Decimal(100000)),
        (7, Decimal(7)),
        (2**60, Decimal(2**60)),
        (Decimal("0.10"), Decimal("0.10")),
    ],
)
def test_to_decimal_accepts_str_int_decimal(raw: object, expected: Decimal) -> None:
    result = G.to_decimal(raw)
    assert isinstance(result, Decimal)
    assert result == expected


@pytest.mark.parametrize(
    "raw",
    [
        1.5,
        0.0,
        True,
        False,
        "NaN",
        "nan",
        "sNaN",
        "Infinity",
        "-inf",
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        "",
        "  ",
        "1e5x",
        "1,000",
        "1_000",
        "١٢٣",  # Arabic-Indic digits: Decimal() would accept them
        "１２",  # full-width digits
        "0x10",
        "1" * 101,
        None,
        [1],
        {"a": 1},
        b"1",
    ],
)
def test_to_decimal_refuses(raw: object) -> None:
    with pytest.raises(DecimalError) as info:
        G.to_decimal(raw)
    assert info.value.code == "VALR-DEC-001"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.005", "0.00"),
        ("0.015", "0.02"),
        ("0.025", "0.02"),
        ("2.675", "2.68"),  # from the string: the float 2.675 would give 2.67
        ("-0.015", "-0.02"),
        ("1234567.885", "1234567.88"),
    ],
)
def test_precision_quantizes_half_even(raw: str, expected: str) -> None:
    result = G.to_decimal(raw, ZAR_PRECISION)
    assert str(result) == expected


def test_quantize_to_crypto_precision() -> None:
    assert str(G.to_decimal("0.123456785", CRYPTO_PRECISION)) == "0.12345678"
    assert str(G.to_decimal("0.123456775", CRYPTO_PRECISION)) == "0.12345678"


@pytest.mark.parametrize(
    ("raw", "places", "expected"),
    [("0.123456789", 8, "0.12345678"), ("1.999", 2, "1.99"), ("-1.999", 2, "-1.99"), ("5", 0, "5")],
)
def test_truncate_rounds_down(raw: str, places: int, expected: str) -> None:
    assert str(G.truncate(Decimal(raw), places)) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234567.89", "R 1,234,567.89"),
        ("0", "R 0.00"),
        ("-0", "R 0.00"),
        ("-0.004", "R 0.00"),  # rounds to zero: never "-0.00"
        ("-1234.5", "R -1,234.50"),
        ("999.995", "R 1,000.00"),
        ("1E+6", "R 1,000,000.00"),
        ("0.005", "R 0.00"),
    ],
)
def test_format_zar(raw: str, expected: str) -> None:
    assert G.format_zar(Decimal(raw)) == expected
    assert G.format_zar(Decimal(raw), symbol=False) == expected.removeprefix("R ")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0.00012345", "0.00012345"), ("1", "1.00000000"), ("-0.000000001", "0.00000000"),
     ("12345.123456785", "12345.12345678")],
)
def test_format_crypto(raw: str, expected: str) -> None:
    assert G.format_crypto(Decimal(raw)) == expected


@pytest.mark.parametrize(
    ("raw", "quote", "places", "expected"),
    [("1500000", "ZAR", None, "R 1,500,000.00"), ("2.3456", "ZAR", None, "R 2.3456"),
     ("98500.5", "USDC", None, "98,500.50 USDC"), ("1500000", "ZAR", 0, "R 1,500,000"),
     ("0.00000123", "ZAR", 2, "R 0.00000123"), ("1500000.00000000", "ZAR", 0, "R 1,500,000"),
     ("-0", "USDT", None, "0.00 USDT"), ("12.5", "BTC", 8, "12.50000000 BTC")],
)
def test_format_price_keeps_every_digit_in_the_quote_currency(
    raw: str, quote: str, places: int | None, expected: str
) -> None:
    assert G.format_price(Decimal(raw), quote, places) == expected


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**12, max_value=10**12, places=8),
       st.sampled_from(["ZAR", "USDC"]), st.none() | st.integers(0, 8))
def test_format_price_never_rounds(value: Decimal, quote: str, places: int | None) -> None:
    text = G.format_price(value, quote, places).removeprefix("R ").removesuffix(" USDC")
    assert Decimal(text.replace(",", "")) == value


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), 1.0, "1"])
def test_formatters_refuse_non_decimals(bad: object) -> None:
    with pytest.raises(DecimalError):
        G.format_zar(bad)  # type: ignore[arg-type]
    with pytest.raises(DecimalError):
        G.format_crypto(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "wire"),
    [("1E+2", "100"), ("1.2300", "1.23"), ("-0.000", "0"), ("0.00000001", "0.00000001"), ("5", "5")],
)
def test_to_wire_is_plain_and_canonical(raw: str, wire: str) -> None:
    assert G.to_wire(Decimal(raw)) == wire


def test_to_wire_refuses_nan() -> None:
    with pytest.raises(DecimalError):
        G.to_wire(Decimal("NaN"))


def test_loads_keeps_big_ints_and_makes_decimals() -> None:
    big = 2**53 + 1
    data = loads(f'{{"sequenceId": {big}, "price": 1.1, "qty": "0.5", "n": 3}}')
    assert data["sequenceId"] == big and isinstance(data["sequenceId"], int)
    assert data["price"] == Decimal("1.1") and isinstance(data["price"], Decimal)
    assert data["qty"] == "0.5"
    assert loads(b"[1.10]") == [Decimal("1.10")]


@pytest.mark.parametrize("text", ['{"a": NaN}', "[Infinity]", "[-Infinity]"])
def test_loads_refuses_non_numbers(text: str) -> None:
    with pytest.raises(DecimalError):
        loads(text)


def test_dumps_emits_decimals_as_strings_compactly() -> None:
    body = dumps({"pair": "BTCZAR", "price": Decimal("150000.000000"), "quantity": Decimal("1E-8")})
    assert body == '{"pair":"BTCZAR","price":"150000","quantity":"0.00000001"}'
    with pytest.raises(TypeError):
        dumps({"x": object()})


def test_arithmetic_helpers_are_exact_enough() -> None:
    assert G.multiply(Decimal("0.1"), Decimal(3)) == Decimal("0.3")
    assert G.divide(Decimal(1), Decimal(3)).as_tuple().digits.count(3) == 60


# --- the global decimal context is never changed nor obeyed ---------------------------------
def _context_fingerprint() -> tuple[object, ...]:
    ctx = getcontext()
    return (ctx.prec, ctx.rounding, ctx.Emax, ctx.Emin, tuple(sorted(
        (s.__name__, v) for s, v in ctx.traps.items())))


OPERATIONS: list[Callable[[], object]] = [
    lambda: G.to_decimal("2.675", ZAR_PRECISION),
    lambda: G.to_decimal("123.456789123", CRYPTO_PRECISION),
    lambda: G.truncate(Decimal("0.123456789"), 8),
    lambda: G.format_zar(Decimal("1234567.885")),
    lambda: G.format_crypto(Decimal("1.123456785")),
    lambda: G.multiply(Decimal("1.1"), Decimal("3.3")),
    lambda: G.divide(Decimal(1), Decimal(3)),
    lambda: G.to_wire(Decimal("1E+5")),
    lambda: loads('{"p": 1.23456789}'),
    lambda: dumps({"p": Decimal("1.5")}),
]
EXPECTED = [
    Decimal("2.68"),
    Decimal("123.45678912"),
    Decimal("0.12345678"),
    "R 1,234,567.88",
    "1.12345678",
    Decimal("3.63"),
    None,  # checked separately: 60 digits of 3
    "100000",
    {"p": Decimal("1.23456789")},
    '{"p":"1.5"}',
]


@pytest.fixture
def hostile_context() -> Iterator[None]:
    """A global context that would corrupt or crash careless code: 3 digits, ROUND_CEILING,
    every signal trapped. Restored afterwards."""
    saved = getcontext().copy()
    ctx = getcontext()
    ctx.prec = 3
    ctx.rounding = ROUND_CEILING
    for signal in (decimal.Inexact, decimal.Rounded, decimal.Subnormal, decimal.Clamped):
        ctx.traps[signal] = True
    try:
        yield
    finally:
        decimal.setcontext(saved)


@pytest.mark.parametrize("index", range(len(OPERATIONS)))
def test_global_context_untouched(index: int) -> None:
    before = _context_fingerprint()
    OPERATIONS[index]()
    assert _context_fingerprint() == before


@pytest.mark.parametrize("index", range(len(OPERATIONS)))
def test_hostile_global_context_is_ignored(hostile_context: None, index: int) -> None:
    before = _context_fingerprint()
    result = OPERATIONS[index]()
    assert _context_fingerprint() == before
    if EXPECTED[index] is not None:
        assert result == EXPECTED[index]
    else:
        assert str(result).startswith("0.3333333333333333333333")


def test_garbage_refused_even_when_invalid_operation_is_not_trapped() -> None:
    saved = getcontext().copy()
    getcontext().traps[decimal.InvalidOperation] = False  # Decimal("x") would now give NaN
    try:
        with pytest.raises(DecimalError):
            G.to_decimal("1e5x")
    finally:
        decimal.setcontext(saved)
