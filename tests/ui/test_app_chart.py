"""Pair picker, ticker table and price chart, driven by keys on the FakeEngine."""

from __future__ import annotations

from textual.widgets import Select

from tests.ui.fixtures import Scenario, settle
from tests.ui.pilot_helpers import SIZE, make_app
from valr_tui.errors import ExchangeUnavailableError
from valr_tui.trading.views import OrderRequest
from valr_tui.ui.app import CHART_RETRY_S, ValrApp
from valr_tui.ui.screens.pair_picker import PairPickerScreen, matching
from valr_tui.ui.widgets.chart import PriceChart
from valr_tui.ui.widgets.tickers import TickerTable


def chart_text(app: ValrApp) -> str:
    chart = app.main.query_one(PriceChart)
    return "\n".join(strip.text for strip in chart._lines)


def test_matching_puts_prefixes_first() -> None:
    pairs = ("BTCZAR", "ETHZAR", "ETHBTC", "SOLZAR")
    assert matching(pairs, "eth") == ["ETHZAR", "ETHBTC"]
    assert matching(pairs, "BTC") == ["BTCZAR", "ETHBTC"]
    assert matching(pairs, "zar") == ["BTCZAR", "ETHZAR", "SOLZAR"]
    assert matching(pairs, "") == list(pairs)


async def test_the_picker_searches_and_sets_the_forms_pair_ticker_row_and_chart() -> None:
    app, engine = make_app(Scenario.TEN_PAIRS)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t", *"dog")
        await settle(pilot)
        assert isinstance(app.screen, PairPickerScreen)
        options = app.screen.query_one("#picker-list")
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == ["DOGEZAR"]
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.main
        assert app.main.query_one("#pair", Select).value == "DOGEZAR"
        tickers = app.main.query_one(TickerTable)
        assert tickers.get_cell("DOGEZAR", "pair") == "▶ DOGEZAR"
        assert tickers.get_cell("BTCZAR", "pair") == "  BTCZAR"
        assert tickers.get_cell("DOGEZAR", "last") == "3.2145"  # the pair's tick size: 0.0001
        assert app.main.query_one(PriceChart).border_title == "DOGEZAR · 1m candles"
        assert ("DOGEZAR", 60) in engine.candle_loads
        await pilot.press("ctrl+t", "escape")  # escape leaves everything as it was
        await settle(pilot)
        assert app.main.query_one("#pair", Select).value == "DOGEZAR"


async def test_ctrl_g_cycles_the_period_and_loads_each_once() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = []
        for _ in range(5):
            await pilot.press("ctrl+g")
            await settle(pilot)
            titles.append(app.main.query_one(PriceChart).border_title)
        assert titles == [f"BTCZAR · {p} candles" for p in ("5m", "15m", "1h", "1d", "1m")]
        assert engine.candle_loads == [("BTCZAR", p) for p in (60, 300, 900, 3600, 86400)]


async def test_the_chart_has_axes_and_marks_our_orders_and_fills() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = chart_text(app)
        lines = text.splitlines()
        assert lines[0].startswith("O 1,2") and " C 1,250,000" in lines[0]
        assert "B 1,200,000 ↓" in text  # the open BUY far below the view: named at the bottom edge
        assert sum(":" in part for part in lines[-1].split()) >= 3  # time labels HH:MM
        assert "▼" not in text  # the SELL fill at 1,255,000 is above the 1m view (top ~1,252,100)
        await engine.submit(OrderRequest("BTCZAR", "SELL", "1251000", "0.001"))
        await settle(pilot)
        marked = chart_text(app)
        assert "S 1,251,000" in marked and "╌" in marked  # a line across the plot at its price
        await engine.submit(OrderRequest("BTCZAR", "SELL", "1253500", "0.001"))  # just above the candles
        await settle(pilot)
        widened = chart_text(app)
        assert "S 1,253,500" in widened and "↑" not in widened  # the view grew to show it among them
        await pilot.press("ctrl+g", "ctrl+g", "ctrl+g")  # 1h: the fill 20 minutes ago is in view
        await settle(pilot)
        assert "▼" in chart_text(app)


async def test_an_idle_chart_is_not_rebuilt_by_redraws() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chart = app.main.query_one(PriceChart)
        builds = 0
        original = chart._build

        def counting(size: object) -> object:
            nonlocal builds
            builds += 1
            return original(size)  # type: ignore[arg-type]

        chart._build = counting  # type: ignore[method-assign,assignment]
        for _ in range(20):
            engine.emit("market")  # a tick: every pair's view, drawn at once
            app._redraw()
        await pilot.pause()
        assert builds == 0


async def test_new_keys_are_in_footer_help_and_palette() -> None:
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        keys = {binding.key for (_, binding, enabled, _) in app.active_bindings.values() if enabled}
        assert {"ctrl+t", "ctrl+g"} <= keys
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Pair", "Chart period", "Chart: 1 hour candles", "Chart: 1 day candles"} <= set(commands)
        await pilot.press("f1")
        await settle(pilot)
        help_text = " ".join(str(widget.render()) for widget in app.screen.query("Static"))
        assert "ctrl+t" in help_text and "type to search" in help_text
        assert "ctrl+g" in help_text and "1m, 5m, 15m, 1h, 1d" in help_text


async def test_a_failed_load_is_said_on_the_chart_and_retried_calmly() -> None:
    app, engine = make_app()
    engine.candle_failure = ExchangeUnavailableError("GET /v1/public/BTCZAR/buckets: timed out")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chart = app.main.query_one(PriceChart)
        assert "VALR-EXC-002" in str(chart.border_subtitle) and "retrying" in str(chart.border_subtitle)
        assert "candles unavailable" in chart_text(app)
        for _ in range(20):  # a burst of ticks within the retry interval: no new request
            engine.emit("market")  # a tick: every pair's view, drawn at once
            app._redraw()
        await settle(pilot)
        assert engine.candle_loads == [("BTCZAR", 60)]
        assert not [n for n in app._notifications if "candles" in n.title]  # no toast per failure
        engine.candle_failure = None
        engine.now += CHART_RETRY_S
        engine.emit("market")
        app._redraw()
        await settle(pilot)
        assert engine.candle_loads == [("BTCZAR", 60)] * 2
        assert not chart.border_subtitle and chart_text(app).startswith("O ")
