"""PriceChart: a trade that moves the last candle alone redraws its column only, and what it
draws is what a whole build would."""

from __future__ import annotations

from decimal import Decimal

from textual.strip import Strip

from tests.ui.fixtures import settle
from tests.ui.pilot_helpers import make_app
from valr_tui.exchange.models import Trade
from valr_tui.trading.candles import CandleBook, CandleSeries, period_named
from valr_tui.ui.widgets.chart import OrderMark, PriceChart


def _whole_build(chart: PriceChart) -> list[Strip]:
    """The chart's lines built from nothing (no kept plot, rows or axis)."""
    plot, rows, axis, glyphs = chart._plot, chart._row_strips, chart._axis, chart._glyphs
    chart._plot, chart._row_strips, chart._axis, chart._glyphs = None, {}, None, {}
    chart._glyph_scale = None
    try:
        return chart._build(chart.size)
    finally:
        chart._plot, chart._row_strips, chart._axis, chart._glyphs = plot, rows, axis, glyphs


async def test_a_trade_in_the_last_candle_redraws_its_column_as_a_whole_build_would() -> None:
    app, engine = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        chart = app.main.query_one(PriceChart)
        period = period_named("1m")
        loaded = engine.candles("BTCZAR", 60)
        book = CandleBook(clock=lambda: loaded.candles[-1].start + 30)
        book.load("BTCZAR", 60, list(loaded.candles))
        in_view = loaded.candles[-40:]
        low, high = min(c.low for c in in_view), max(c.high for c in in_view)
        middle = (low + high) / 2
        tick = engine.tick_size("BTCZAR")
        # an open order's line through the middle rows: the candle's cells cover and uncover it
        chart.show_marks([OrderMark("BUY", middle.quantize(Decimal(1)))], [])
        last_builds: list[bool] = []
        build_last = chart._build_last

        def counting(plot: object, candles: tuple[object, ...]) -> list[Strip] | None:
            lines = build_last(plot, candles)  # type: ignore[arg-type]
            last_builds.append(lines is not None)
            return lines

        chart._build_last = counting  # type: ignore[method-assign,assignment]
        prices = [middle, low + (high - low) / 4, high - (high - low) / 5, middle, high * 2, middle]
        series: CandleSeries = book.series("BTCZAR", 60)
        chart.show(series, period, tick=tick)
        last_builds.clear()
        for price in prices:
            book.apply_trade(Trade("BTCZAR", price.quantize(Decimal(1)), Decimal("0.001"), "BUY", "", None))
            series = book.series("BTCZAR", 60)
            chart.show(series, period, tick=tick)
            await pilot.pause()
            assert chart._lines == _whole_build(chart)
        # the trades inside the range took the short way; the one far above it (the view's
        # range grows) and the one after it (a new plot was built then) took the whole build
        assert last_builds == [True, True, True, True, False, True]
