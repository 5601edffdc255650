"""Amounts: the fast path for VALR's plain amounts (``models.dec``: book levels, market summaries,
trades) gives exactly what the Decimal Gateway gives, and refuses exactly what it refuses."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from valr_tui.errors import DecimalError, MalformedResponseError
from valr_tui.exchange.models import dec
from valr_tui.money.decimal_gateway import DecimalGateway

# digits and points mostly (the wire's shape), with what a hostile or broken feed might add
AMOUNT_TEXT = st.one_of(
    st.from_regex(r"-?[0-9]{1,30}(\.[0-9]{0,24})?", fullmatch=True),
    st.text(alphabet="0123456789.-+eE _٣", max_size=32),
)


def checked(raw: Mapping[str, Any], key: str, what: str) -> Decimal:
    """The field through the gateway's full checks, as every amount was read before."""
    if raw.get(key) in (None, ""):
        raise MalformedResponseError(f"{what}: missing field {key!r}")
    try:
        return DecimalGateway.to_decimal(raw[key])
    except DecimalError:
        raise MalformedResponseError(f"{what}: field {key!r} is not a decimal") from None


def _outcome(parse: object, raw: object) -> tuple[str, Decimal | None]:
    try:
        value = parse({"price": raw}, "price", "level")  # type: ignore[operator]
    except MalformedResponseError:
        return "refused", None
    assert isinstance(value, Decimal)
    return f"{value!r}", value  # repr: the same digits and exponent, not only an equal value


@given(AMOUNT_TEXT)
@example("1200000.50")
@example("-1.25")  # a market summary's changeFromPrevious
@example("-0")
@example("-0.000")
@example("0.00000000000000000001")  # 20 decimals: inside the limits
@example("0.000000000000000000001")  # 21 decimals: refused by both
@example("1" * 28)
@example("1" * 29)
@example("-" + "1" * 28)
@example("١٢٣")  # Arabic-Indic digits: Decimal() takes them, the gateway does not
def test_the_fast_path_agrees_with_the_gateway(raw: str) -> None:
    assert _outcome(dec, raw) == _outcome(checked, raw)
