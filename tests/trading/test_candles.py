"""CandleBook: candles loaded from VALR's buckets, extended by public trades."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from valr_tui.exchange.buckets import Candle
from valr_tui.exchange.models import Trade
from valr_tui.trading.candles import CHART_PERIODS, CandleBook, period_named
from valr_tui.trading.clock import ManualClock

D = Decimal
T0 = 1_760_000_000 // 60 * 60


def candle(start: int, o: str, h: str, low: str, c: str, period: int = 60) -> Candle:
    return Candle("BTCZAR", period, start, D(o), D(h), D(low), D(c), D(1), D(o))


def trade(at: int, price: str, qty: str = "0.5", pair: str = "BTCZAR") -> Trade:
    stamp = f"{datetime.fromtimestamp(at, UTC):%Y-%m-%dT%H:%M:%S}.250Z"
    return Trade(pair, D(price), D(qty), "BUY", stamp, f"t{at}")


def book_with(*candles: Candle) -> CandleBook:
    book = CandleBook(ManualClock(T0 + 30))
    book.load("BTCZAR", 60, list(candles))
    return book


def test_a_trade_inside_the_newest_candle_moves_its_high_low_close_and_volume() -> None:
    book = book_with(candle(T0 - 60, "100", "110", "90", "105"), candle(T0, "105", "106", "104", "105"))
    before = book.series("BTCZAR", 60)
    assert book.apply_trade(trade(T0 + 20, "120"))
    after = book.series("BTCZAR", 60)
    newest = after.candles[-1]
    assert (newest.open, newest.high, newest.low, newest.close) == (D(105), D(120), D(104), D(120))
    assert newest.volume == D("1.5") and newest.quote_volume == D(105) + D(60)
    assert after.version == before.version + 1 and len(after.candles) == 2


def test_a_later_trade_opens_a_new_candle_after_flat_quiet_ones() -> None:
    book = book_with(candle(T0, "105", "106", "104", "105"))
    book.apply_trade(trade(T0 + 3 * 60 + 5, "99"))
    candles = book.series("BTCZAR", 60).candles
    assert [c.start for c in candles] == [T0, T0 + 60, T0 + 120, T0 + 180]
    assert all(c.open == c.close == c.high == c.low == D(105) and c.volume == 0 for c in candles[1:3])
    assert (candles[-1].open, candles[-1].close, candles[-1].volume) == (D(99), D(99), D("0.5"))


def test_a_late_trade_lands_in_its_own_candle_or_is_dropped() -> None:
    book = book_with(candle(T0 - 60, "100", "110", "90", "105"), candle(T0, "105", "106", "104", "105"))
    assert book.apply_trade(trade(T0 - 30, "80"))
    assert book.series("BTCZAR", 60).candles[0].low == D(80)
    assert not book.apply_trade(trade(T0 - 600, "1"))  # before anything held


def test_trades_of_other_pairs_or_unloaded_series_change_nothing() -> None:
    book = book_with(candle(T0, "105", "106", "104", "105"))
    assert not book.apply_trade(trade(T0 + 1, "200", pair="ETHZAR"))
    assert book.series("ETHZAR", 60).loaded_at is None


def test_every_loaded_period_of_the_pair_is_extended() -> None:
    book = CandleBook(ManualClock(T0))
    book.load("BTCZAR", 60, [candle(T0, "1", "1", "1", "1")])
    book.load("BTCZAR", 3600, [candle(T0 // 3600 * 3600, "1", "1", "1", "1", 3600)])
    book.apply_trade(trade(T0 + 5, "2"))
    assert book.series("BTCZAR", 60).candles[-1].close == D(2)
    assert book.series("BTCZAR", 3600).candles[-1].close == D(2)


def test_the_series_stays_bounded() -> None:
    book = CandleBook(ManualClock(T0), max_candles=5)
    book.load("BTCZAR", 60, [candle(T0 + i * 60, "1", "1", "1", "1") for i in range(5)])
    book.apply_trade(trade(T0 + 100 * 60, "3"))
    candles = book.series("BTCZAR", 60).candles
    assert len(candles) == 5 and candles[-1].start == T0 + 100 * 60


def test_load_keeps_only_its_pair_and_period_oldest_first() -> None:
    book = CandleBook(ManualClock(T0))
    other = Candle("ETHZAR", 60, T0, D(1), D(1), D(1), D(1), D(0), D(0))
    newer, older = candle(T0, "2", "2", "2", "2"), candle(T0 - 60, "1", "1", "1", "1")
    series = book.load("BTCZAR", 60, [newer, other, older])
    assert [c.start for c in series.candles] == [T0 - 60, T0]


def test_chart_periods_are_valrs() -> None:
    assert [p.seconds for p in CHART_PERIODS] == [60, 300, 900, 3600, 86400]
    assert period_named("1h").seconds == 3600
