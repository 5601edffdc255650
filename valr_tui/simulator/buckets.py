"""``GET /v1/public/{currencyPair}/buckets``: OHLCV candles in VALR's shape, for every served pair.

As VALR documents it (Postman "Price Buckets for a currency pair"; agent-skill market-data.md):
``periodSeconds`` one of 60 (default), 300, 900, 1800, 3600, 21600, 86400; ``startTime`` and
``endTime`` in epoch seconds (default: now, and ``endTime`` minus 300 buckets); at most 300 buckets
per request (a longer range is refused); ``skip``/``limit`` page; ``includeEmpty`` (default false)
adds buckets without trades, flat at the previous close with zero volume. The answer is newest
first, each bucket ``{currencyPairSymbol, bucketPeriodInSeconds, startTime (ISO 8601), open, high,
low, close, volume, quoteVolume}``.

Where the candles come from
    Since the simulator started: its own public trades (every ``NEW_TRADE`` it prints), folded
    into one-minute buckets as they happen; longer periods are built from those minutes.
    Before it started: a deterministic history for each (pair, period), a random walk drawn
    backwards from the pair's start price, so a chart has something to show at once and the
    newest history candle closes where the live market opens. Integers are drawn and turned into
    Decimals: no float touches a price.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from valr_tui.errors import ExchangeError
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.simulator.exchange import SimEvent, SimExchange, iso
from valr_tui.simulator.market import BPS, ONE, PairInfo, round_to_tick

PERIODS: Final = (60, 300, 900, 1800, 3600, 21600, 86400)
MAX_BUCKETS: Final = 300
HISTORY_BUCKETS: Final = 300  # synthetic buckets before the start, per period
KEEP_MINUTES: Final = 3 * 1440  # live one-minute buckets kept per pair
# How far one synthetic bucket may move, in basis points, per period: close to what the live walk
# (-15..+15 bps every tick, two ticks a second) does, growing with about the square root of time.
VOLATILITY_BPS: Final = {60: 50, 300: 100, 900: 170, 1800: 240, 3600: 320, 21600: 600, 86400: 900}
ZERO: Final = Decimal(0)


@dataclass(slots=True)
class Bucket:
    start: int  # epoch seconds
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal = ZERO
    quote_volume: Decimal = ZERO

    def add(self, price: Decimal, quantity: Decimal) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.volume += quantity
        self.quote_volume += DecimalGateway.multiply(price, quantity)

    def to_wire(self, pair: str, period: int) -> dict[str, Any]:
        wire = DecimalGateway.to_wire
        return {
            "currencyPairSymbol": pair,
            "bucketPeriodInSeconds": period,
            "startTime": iso(self.start).replace(".000Z", "Z"),
            "open": wire(self.open),
            "high": wire(self.high),
            "low": wire(self.low),
            "close": wire(self.close),
            "volume": wire(DecimalGateway.quantize(self.volume, Decimal("1e-8"))),
            "quoteVolume": wire(DecimalGateway.quantize(self.quote_volume, Decimal("0.01"))),
        }


def _bad(message: str) -> ExchangeError:
    return ExchangeError(message, status=400, valr_code=-11)


def _int_param(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit():
        raise _bad(f"{name} must be a whole number (epoch seconds for times)")
    return int(raw)


class SimBuckets:
    """Folds the exchange's public trades into candles and answers bucket queries."""

    def __init__(self, exchange: SimExchange, seed: int | None = None) -> None:
        self._exchange = exchange
        self._seed = 0 if seed is None else seed
        self._started = int(exchange.clock())
        self._minutes: dict[str, OrderedDict[int, Bucket]] = {
            pair: OrderedDict() for pair in exchange.markets
        }
        self._history: dict[tuple[str, int], list[Bucket]] = {}
        exchange.add_listener(self._on_event)

    def _on_event(self, event: SimEvent) -> None:
        if event.type != "NEW_TRADE" or event.pair not in self._minutes:
            return
        price = DecimalGateway.to_decimal(event.data["price"])
        quantity = DecimalGateway.to_decimal(event.data["quantity"])
        minutes = self._minutes[event.pair]
        start = int(self._exchange.clock()) // 60 * 60
        bucket = minutes.get(start)
        if bucket is None:
            minutes[start] = Bucket(start, price, price, price, price, quantity,
                                    DecimalGateway.multiply(price, quantity))
            while len(minutes) > KEEP_MINUTES:
                minutes.popitem(last=False)
        else:
            bucket.add(price, quantity)

    # -- the query --------------------------------------------------------------------------------
    def query(self, pair: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        info = self._exchange.market(pair).info
        period = _int_param(params, "periodSeconds", 60)
        if period not in PERIODS:
            raise _bad(f"periodSeconds must be one of {', '.join(map(str, PERIODS))}")
        end = _int_param(params, "endTime", int(self._exchange.clock()))
        start = _int_param(params, "startTime", max(0, end - MAX_BUCKETS * period))
        if start > end:
            raise _bad("startTime must not be after endTime")
        if (end - start) // period > MAX_BUCKETS:
            raise _bad(f"the time range exceeds {MAX_BUCKETS} buckets: narrow it or use a longer period")
        skip = _int_param(params, "skip", 0)
        limit = min(_int_param(params, "limit", MAX_BUCKETS), MAX_BUCKETS)
        include_empty = params.get("includeEmpty", "false").lower() == "true"
        buckets = self._range(info, period, start // period * period, end, include_empty)
        newest_first = [b.to_wire(info.symbol, period) for b in reversed(buckets)]
        return newest_first[skip : skip + limit]

    def _range(
        self, info: PairInfo, period: int, first: int, end: int, include_empty: bool
    ) -> list[Bucket]:
        history = self._history_of(info, period)
        anchor = self._started // period * period
        by_start = {b.start: b for b in history}
        out: list[Bucket] = []
        previous_close = history[-1].close if history else info.start_price
        for start in range(first, end + 1, period):
            if start < anchor:
                bucket = by_start.get(start)
                if bucket is not None:
                    out.append(bucket)
                    previous_close = bucket.close
                continue
            live = self._live(info.symbol, start, period)
            if live is not None:
                out.append(live)
                previous_close = live.close
            elif include_empty and start <= int(self._exchange.clock()):
                out.append(Bucket(start, previous_close, previous_close, previous_close, previous_close))
        return out

    def _live(self, pair: str, start: int, period: int) -> Bucket | None:
        """One bucket of ``period`` from the live one-minute buckets inside it."""
        merged: Bucket | None = None
        for minute_start in range(start, start + period, 60):
            minute = self._minutes[pair].get(minute_start)
            if minute is None:
                continue
            if merged is None:
                merged = Bucket(start, minute.open, minute.high, minute.low, minute.close,
                                minute.volume, minute.quote_volume)
            else:
                merged.high = max(merged.high, minute.high)
                merged.low = min(merged.low, minute.low)
                merged.close = minute.close
                merged.volume += minute.volume
                merged.quote_volume += minute.quote_volume
        return merged

    def _history_of(self, info: PairInfo, period: int) -> list[Bucket]:
        """HISTORY_BUCKETS synthetic buckets ending just before the start, oldest first."""
        key = (info.symbol, period)
        cached = self._history.get(key)
        if cached is not None:
            return cached
        rng = random.Random(f"{self._seed}:{info.symbol}:{period}")
        tick = info.tick_size
        volatility = VOLATILITY_BPS[period]
        anchor = self._started // period * period
        close = info.start_price
        newest_first: list[Bucket] = []
        for i in range(1, HISTORY_BUCKETS + 1):
            move = Decimal(rng.randint(-volatility, volatility)) * BPS
            opened = round_to_tick(DecimalGateway.multiply(close, ONE - move), tick)
            if not info.floor_price <= opened <= info.ceiling_price:
                opened = round_to_tick(DecimalGateway.multiply(close, ONE + move), tick)
            wick_up = Decimal(rng.randint(0, volatility // 2)) * BPS
            wick_down = Decimal(rng.randint(0, volatility // 2)) * BPS
            high = round_to_tick(DecimalGateway.multiply(max(opened, close), ONE + wick_up), tick)
            low = round_to_tick(DecimalGateway.multiply(min(opened, close), ONE - wick_down), tick)
            volume = info.lot * rng.randint(5, 60) * (period // 60)
            newest_first.append(Bucket(
                anchor - i * period, opened, max(high, opened, close), min(low, opened, close), close,
                volume, DecimalGateway.multiply(volume, close),
            ))
            close = opened
        history = list(reversed(newest_first))
        self._history[key] = history
        return history
