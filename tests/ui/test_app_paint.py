"""What a change costs on screen: the lines Textual renders for it, not only what the widgets hold.

A frame renders the lines of the regions marked dirty; these tests record the lines each widget
is asked for in the frame after one change.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from textual._compositor import Compositor
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.strip import Strip

from tests.ui.fixtures import _candles, settle
from tests.ui.pilot_helpers import SIZE, make_app
from valr_tui.errors import MalformedResponseError
from valr_tui.exchange import models
from valr_tui.exchange.models import OrderBook
from valr_tui.trading.candles import CHART_PERIODS, CandleSeries
from valr_tui.ui.widgets.chart import PriceChart
from valr_tui.ui.widgets.tickers import TickerTable


def _record_lines(widget: Any) -> list[int]:
    """Every ``render_line(y)`` the widget is asked for from now on."""
    asked: list[int] = []
    render_line = widget.render_line

    def recording(y: int) -> Strip:
        asked.append(y)
        strip: Strip = render_line(y)
        return strip

    widget.render_line = recording
    return asked


def _record_layouts(screen: Screen[Any]) -> list[object]:
    """The screen's layouts from now on (each a reflow of the whole screen)."""
    layouts: list[object] = []
    relayout = screen._refresh_layout

    def counting(*args: Any, **kwargs: Any) -> None:
        layouts.append(args)
        relayout(*args, **kwargs)

    screen._refresh_layout = counting  # type: ignore[method-assign]
    return layouts


async def test_a_price_change_repaints_its_ticker_row_only_and_no_layout() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tickers = app.main.query_one(TickerTable)
        layouts = _record_layouts(app.screen)
        asked = _record_lines(tickers)
        engine.set_book_top("ETHZAR", "45001", "45020")  # one pair's bid: one cell of row 2
        await pilot.pause()
        await pilot.pause()
        assert tickers.get_cell("ETHZAR", "bid") == "45,001"
        # line 0 is the header, 1 BTCZAR, 2 ETHZAR: a DataTable repainted every line of the table
        # for any cell, and measured the column on idle with a layout of the whole screen
        assert set(asked) == {2}
        assert layouts == []


async def test_all_ages_move_in_one_frame_and_repaint_their_rows_only() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tickers = app.main.query_one(TickerTable)
        before = {pair: tickers.get_cell(pair, "age") for pair in ("BTCZAR", "ETHZAR")}
        asked = _record_lines(tickers)
        frames: list[float] = []
        display = app._display

        def counting(screen: Any, renderable: Any) -> None:
            frames.append(0)
            display(screen, renderable)

        app._display = counting  # type: ignore[method-assign]
        engine.now += 5  # both ages move on
        app._tick()
        await pilot.pause()
        await pilot.pause()
        assert all(tickers.get_cell(pair, "age") != age for pair, age in before.items())
        assert sorted(asked) == [1, 2]
        assert len(frames) == 1


class _ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PriceChart(id="chart")


async def test_a_trade_inside_the_chart_range_repaints_the_lines_it_changed_only() -> None:
    app = _ChartApp()
    async with app.run_test(size=(100, 16)) as pilot:
        chart = app.query_one(PriceChart)
        candles = _candles("BTCZAR", 60)
        period = CHART_PERIODS[0]
        chart.show(CandleSeries("BTCZAR", 60, candles, 1.0, 1), period, tick=Decimal(1))
        await pilot.pause()
        last = candles[-1]
        # a trade at the last candle's own open: inside the range, the last candle and the header move
        moved = dataclasses.replace(last, close=last.open)
        asked = _record_lines(chart)
        chart.show(CandleSeries("BTCZAR", 60, (*candles[:-1], moved), 1.0, 2), period, tick=Decimal(1))
        await pilot.pause()
        await pilot.pause()
        assert 0 in asked  # the OHLC header line
        assert 0 < len(set(asked)) < chart.size.height  # the chart used to repaint every line


def test_a_book_level_seen_before_is_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = {
        "Asks": [{"price": str(1_200_100 + i), "quantity": "0.5", "orderCount": 1} for i in range(40)],
        "Bids": [{"price": str(1_200_000 - i), "quantity": "0.5", "orderCount": 1} for i in range(40)],
    }
    first = OrderBook.from_valr(raw, "BTCZAR")
    raw["Asks"][0] = {"price": "1200050.5", "quantity": "0.25", "orderCount": 2}  # one level moves
    parsed: list[object] = []
    amount = models.dec

    def counting(lv: Any, key: str, what: str) -> Decimal:
        parsed.append(lv[key])
        return amount(lv, key, what)

    monkeypatch.setattr(models, "dec", counting)
    second = OrderBook.from_valr(raw, "BTCZAR")
    assert parsed == ["1200050.5", "0.25"]  # every level's price and size used to be parsed again
    assert second.asks[0].price == Decimal("1200050.5") and second.asks[0].order_count == 2
    assert second.asks[1:] == first.asks[1:] and second.bids == first.bids


def test_a_remembered_level_does_not_hide_a_malformed_one() -> None:
    good = {"Asks": [{"price": "100", "quantity": "1", "orderCount": 1}], "Bids": []}
    assert OrderBook.from_valr(good, "BTCZAR").asks[0].order_count == 1
    # True == 1 as a dict key: a table keyed by value alone would hand back the level above
    bad = {"Asks": [{"price": "100", "quantity": "1", "orderCount": True}], "Bids": []}
    with pytest.raises(MalformedResponseError):
        OrderBook.from_valr(bad, "BTCZAR")


async def test_a_frame_renders_only_the_widgets_under_a_change_and_writes_the_same() -> None:
    """The form pair's book moves (its ticker row, spread line and depth): Textual's own partial
    frame asked every widget whose clip touched the changes' bounding box for its lines (the
    footer, the form's column, the orders pane, the bucket gauge); the dashboard's compositor
    asks only those under a change, and what reaches the terminal is byte for byte the same."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        frames = _both_ways(app)
        engine.set_book_top("BTCZAR", "1500001", "1500020")
        await pilot.pause()
        await pilot.pause()
        assert frames, "no partial frame was rendered"
        for frame in frames:
            assert frame.ours == frame.stock
            assert frame.our_asked < frame.stock_asked
            assert not frame.our_asked & {"RankedFooter", "OrderForm", "BucketGauge"}
            assert {"RankedFooter", "BucketGauge"} <= frame.stock_asked  # what Textual alone asks for


async def test_a_frame_renders_only_the_lines_under_a_change_and_writes_the_same() -> None:
    """Changes of every kind the dashboard makes (books of both pairs, ages, typing, the focus
    moving): each frame renders only the changed lines, and none of the containers behind a
    widget that covers the change (the screen, the body: 36-48 lines each a frame before),
    while writing what Textual's own partial frame writes, byte for byte."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        frames = _both_ways(app)
        for step in range(6):
            engine.set_book_top("BTCZAR", str(1_500_001 + step), str(1_500_020 + step))
            engine.set_book_top("ETHZAR", str(45_001 + step), str(45_020 + step))
            await pilot.pause()
            engine.now += 1
            app._tick()
            await pilot.pause()
        await pilot.press("tab")
        await pilot.press("1", "2")
        await pilot.pause()
        await pilot.pause()
        assert len(frames) >= 10
        for frame in frames:
            assert frame.ours == frame.stock
            assert frame.our_lines < frame.stock_lines
            assert not frame.our_asked & {"MainScreen", "Body", "SpreadPane"}  # the pane frames the depth


@dataclasses.dataclass
class _Frame:
    stock: str  # what Textual's own partial frame writes to the terminal
    ours: str  # what the dashboard's compositor writes
    stock_asked: set[str]  # the widgets (by class) each asked for lines
    our_asked: set[str]
    stock_lines: int  # the lines each asked the widgets for
    our_lines: int


def _both_ways(app: Any) -> list[_Frame]:
    """From now on every partial frame of the main screen is rendered twice, by Textual's own
    compositor and by the dashboard's, from the same changed regions; the list collects both."""
    compositor = app.main._compositor
    frames: list[_Frame] = []
    ours = compositor.render_partial_update

    def both(*args: Any) -> Any:
        changed = set(compositor._dirty_regions)
        stock_asked, stock_lines, stock = _asked_by(app, lambda: Compositor.render_partial_update(compositor))
        compositor._dirty_regions.update(changed)
        our_asked, our_lines, update = _asked_by(app, ours)
        if stock is not None and update is not None:
            frames.append(_Frame(stock.render_segments(app.console), update.render_segments(app.console),
                                 stock_asked, our_asked, stock_lines, our_lines))
        return update

    compositor.render_partial_update = both
    return frames


def _asked_by(app: Any, render: Any) -> tuple[set[str], int, Any]:
    """The widgets (by class) whose lines ``render()`` asks for, how many lines, and what it returns."""
    asked: set[str] = set()
    lines = [0]
    originals = {}
    for widget in app.main.query("*"):
        originals[widget] = widget.render_lines

        def recording(crop: Any, widget: Any = widget) -> Any:
            asked.add(type(widget).__name__)
            lines[0] += crop.height
            return originals[widget](crop)

        widget.render_lines = recording
    try:
        rendered = render()
        return asked, lines[0], rendered
    finally:
        for widget in originals:
            del widget.render_lines


async def test_a_wider_column_that_still_fits_repaints_the_table_without_a_layout() -> None:
    """A bid gaining a digit widens its column: every row moves, so the whole table repaints,
    but its size and scroll bars stay; asking for a layout reflowed the whole screen (~45 ms
    under a flood, a frame and a key press waited)."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tickers = app.main.query_one(TickerTable)
        layouts = _record_layouts(app.screen)
        asked = _record_lines(tickers)
        width_before = tickers.virtual_size.width
        engine.set_book_top("BTCZAR", "11249901", "11250100")  # 1,249,900 -> 11,249,901: wider
        await pilot.pause()
        await pilot.pause()
        assert tickers.get_cell("BTCZAR", "bid") == "11,249,901"
        assert tickers.virtual_size.width > width_before
        assert {0, 1, 2} <= set(asked)  # header and both rows at the new widths
        assert layouts == []
        line = "".join(segment.text for segment in tickers.render_line(1))
        assert "11,249,901" in line
