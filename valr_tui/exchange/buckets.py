"""VALR's price buckets (``GET /v1/public/{pair}/buckets``): one ``Candle`` per bucket.

The request takes ``periodSeconds`` and ``startTime``/``endTime`` in epoch seconds; the answer
gives ``startTime`` as ISO 8601 and every amount as a decimal string (VALR's official example,
Postman "Price Buckets for a currency pair"). Parsing is strict, like ``models``: a missing key or
a non-decimal amount is ``MalformedResponseError`` (VALR-EXC-003).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

from valr_tui.errors import MalformedResponseError
from valr_tui.exchange.models import _obj, dec, integer, text
from valr_tui.money.decimal_gateway import DecimalGateway

# The periods VALR accepts, in seconds. The chart offers the first, second, third, fifth and last.
VALR_PERIODS: Final = (60, 300, 900, 1800, 3600, 21600, 86400)
MAX_BUCKETS_PER_REQUEST: Final = 300


@dataclass(frozen=True, slots=True)
class Candle:
    """One bucket: ``start`` in epoch seconds, OHLC prices and base/quote volume."""

    pair: str
    period_s: int
    start: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal

    @classmethod
    def from_valr(cls, raw: object) -> Candle:
        d = _obj(raw, "bucket")
        what = "bucket"
        candle = cls(
            pair=text(d, "currencyPairSymbol", what),
            period_s=integer(d, "bucketPeriodInSeconds", what),
            start=iso_to_epoch(text(d, "startTime", what)),
            open=dec(d, "open", what),
            high=dec(d, "high", what),
            low=dec(d, "low", what),
            close=dec(d, "close", what),
            volume=dec(d, "volume", what, Decimal(0)),
            quote_volume=dec(d, "quoteVolume", what, Decimal(0)),
        )
        if candle.period_s <= 0 or not candle.low <= min(candle.open, candle.close) <= max(
            candle.open, candle.close
        ) <= candle.high:
            raise MalformedResponseError("bucket: prices are not low <= open, close <= high")
        return candle

    def with_trade(self, price: Decimal, quantity: Decimal) -> Candle:
        """This candle after one more trade inside it."""
        return Candle(
            self.pair, self.period_s, self.start, self.open, max(self.high, price),
            min(self.low, price), price, self.volume + quantity,
            self.quote_volume + DecimalGateway.multiply(price, quantity),
        )


def iso_to_epoch(value: str) -> int:
    """``2025-07-22T12:56:00Z`` (or with fractional seconds / an offset) to epoch seconds."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedResponseError(f"bucket: startTime {value[:40]!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        raise MalformedResponseError(f"bucket: startTime {value[:40]!r} has no time zone")
    return int(moment.timestamp())
