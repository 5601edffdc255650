"""Candles for the price chart: loaded from VALR's buckets, extended live by public trades.

``CandleBook`` keeps one ``CandleSeries`` per (pair, period) that has been loaded. Each public
trade of the pair (from the stream) folds into every loaded series of that pair: into the newest
candle when it falls inside it, else into a new candle after flat, volume-free ones for the
buckets nothing traded in (as VALR's ``includeEmpty`` gives them). A trade older than the newest
candle is folded into its own candle when that is still held, and dropped otherwise.

Every change bumps the series' ``version`` so the chart redraws only when something changed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Final

from valr_tui.errors import MalformedResponseError
from valr_tui.exchange.buckets import MAX_BUCKETS_PER_REQUEST, Candle, iso_to_epoch
from valr_tui.exchange.models import Trade
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.clock import Clock, system_clock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChartPeriod:
    label: str  # "1m"
    seconds: int
    name: str  # "1 minute"


CHART_PERIODS: Final = (
    ChartPeriod("1m", 60, "1 minute"),
    ChartPeriod("5m", 300, "5 minutes"),
    ChartPeriod("15m", 900, "15 minutes"),
    ChartPeriod("1h", 3600, "1 hour"),
    ChartPeriod("1d", 86400, "1 day"),
)
MAX_CANDLES: Final = MAX_BUCKETS_PER_REQUEST


def period_named(label: str) -> ChartPeriod:
    for period in CHART_PERIODS:
        if period.label == label:
            return period
    raise KeyError(label)


@dataclass(frozen=True, slots=True)
class CandleSeries:
    """The candles of one pair and period, oldest first; ``loaded_at`` None until loaded."""

    pair: str
    period_s: int
    candles: tuple[Candle, ...] = ()
    loaded_at: float | None = None
    version: int = 0


class CandleBook:
    def __init__(self, clock: Clock = system_clock, max_candles: int = MAX_CANDLES) -> None:
        self._clock = clock
        self._max = max_candles
        self._series: dict[tuple[str, int], CandleSeries] = {}

    def series(self, pair: str, period_s: int) -> CandleSeries:
        return self._series.get((pair, period_s)) or CandleSeries(pair, period_s)

    def window(self, period_s: int) -> tuple[int, int]:
        """(start, end) in epoch seconds of the newest ``max_candles`` buckets up to now."""
        end = int(self._clock())
        return end - (self._max - 1) * period_s, end

    def load(self, pair: str, period_s: int, candles: list[Candle]) -> CandleSeries:
        """Replace the series with what VALR sent (any order, own pair and period only)."""
        mine = sorted(
            (c for c in candles if c.pair == pair and c.period_s == period_s), key=lambda c: c.start
        )
        old = self.series(pair, period_s)
        series = CandleSeries(pair, period_s, tuple(mine[-self._max :]), self._clock(), old.version + 1)
        self._series[(pair, period_s)] = series
        return series

    def apply_trade(self, trade: Trade) -> bool:
        """Fold one public trade into every loaded series of its pair; True if any changed."""
        keys = [key for key in self._series if key[0] == trade.pair]
        if not keys or trade.price <= 0 or trade.quantity < 0:
            return False
        at = self._trade_time(trade)
        changed = False
        for key in keys:
            series = self._series[key]
            candles = _with_trade(series, at, trade.price, trade.quantity, self._max)
            if candles is not None:
                self._series[key] = replace(series, candles=candles, version=series.version + 1)
                changed = True
        return changed

    def _trade_time(self, trade: Trade) -> int:
        if trade.traded_at:
            try:
                return iso_to_epoch(trade.traded_at)
            except MalformedResponseError:
                log.debug("trade %s has an unreadable time; using the local clock", trade.trade_id)
        return int(self._clock())


def _with_trade(
    series: CandleSeries, at: int, price: Decimal, quantity: Decimal, keep: int
) -> tuple[Candle, ...] | None:
    period = series.period_s
    start = at // period * period
    candles = list(series.candles)
    if not candles:
        return (_new(series.pair, period, start, price, quantity),)
    newest = candles[-1]
    if start > newest.start:
        gap = min((start - newest.start) // period - 1, keep)
        flat = newest.close
        candles.extend(
            Candle(series.pair, period, start - (gap - i) * period, flat, flat, flat, flat,
                   Decimal(0), Decimal(0))
            for i in range(gap)
        )
        candles.append(_new(series.pair, period, start, price, quantity))
        return tuple(candles[-keep:])
    for index in range(len(candles) - 1, -1, -1):
        if candles[index].start == start:
            candles[index] = candles[index].with_trade(price, quantity)
            return tuple(candles)
        if candles[index].start < start:
            break
    return None  # older than anything held


def _new(pair: str, period: int, start: int, price: Decimal, quantity: Decimal) -> Candle:
    return Candle(
        pair, period, start, price, price, price, price, quantity, DecimalGateway.multiply(price, quantity)
    )
