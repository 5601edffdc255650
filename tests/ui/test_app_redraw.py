"""How the dashboard redraws: what an event carries, on the widgets it concerns, without layout."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal
from typing import Any

from textual import events
from textual.widgets import Input

from tests.ui.fixtures import FakeEngine, settle
from tests.ui.pilot_helpers import SIZE, fill_order, make_app
from valr_tui.trading.views import EngineEvent, MarketView, OrderPreview, OrderRequest
from valr_tui.ui.app import BURST_QUIET_S, FLOOD_REDRAWS_PER_SECOND, MAX_REDRAWS_PER_SECOND, ValrApp
from valr_tui.ui.widgets.chart import PriceChart
from valr_tui.ui.widgets.tickers import TickerTable


def _with_last(view: MarketView, last: str) -> MarketView:
    assert view.ticker is not None
    return dataclasses.replace(view, ticker=dataclasses.replace(view.ticker, last=Decimal(last)))


def _cell(app: ValrApp, pair: str, column: str) -> str:
    return str(app.screen.query_one(TickerTable).get_cell(pair, column)).replace(",", " ")


def _deliver(engine: FakeEngine, event: EngineEvent) -> None:
    for listener in list(engine._listeners):
        listener(event)


async def test_price_changes_and_ageing_repaint_without_a_layout() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        layouts = 0
        relayout = app.screen._refresh_layout

        def counting(*args: Any, **kwargs: Any) -> None:
            nonlocal layouts
            layouts += 1
            relayout(*args, **kwargs)

        app.screen._refresh_layout = counting  # type: ignore[method-assign]
        for step in range(5):
            engine.set_book_top("BTCZAR", f"{1_200_000 + step}", "1200900")
            engine.now += 0.3  # the ages move on
            app._tick()
            await pilot.pause()
        assert "1 200 004" in _cell(app, "BTCZAR", "bid")
        assert layouts == 0  # each Static.update used to reflow the whole screen


async def test_the_dashboard_draws_what_an_event_carries_without_asking_again() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        event = EngineEvent("market", market=_with_last(engine.market("ETHZAR"), "54321"))
        asked: list[str] = []
        market = engine.market

        def counting_market(pair: str) -> MarketView:
            asked.append(pair)
            return market(pair)

        engine.market = counting_market  # type: ignore[method-assign]
        _deliver(engine, event)
        await pilot.pause()
        assert "54 321" in _cell(app, "ETHZAR", "last")
        assert asked == []  # the old dashboard rebuilt every pair's view on each event


async def test_the_preview_is_judged_again_only_when_its_own_pair_moves() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fill_order(pilot, "1200000", "0.001")  # the form's pair is BTCZAR
        judged: list[OrderRequest] = []
        preview = engine.preview

        def counting_preview(request: OrderRequest) -> OrderPreview:
            judged.append(request)
            return preview(request)

        engine.preview = counting_preview  # type: ignore[method-assign]
        _deliver(engine, EngineEvent("market", market=_with_last(engine.market("ETHZAR"), "54321")))
        await pilot.pause()
        assert judged == []
        _deliver(engine, EngineEvent("market", market=_with_last(engine.market("BTCZAR"), "1200100")))
        await pilot.pause()
        assert [r.pair for r in judged] == ["BTCZAR"]


def _with_trade(view: MarketView) -> MarketView:
    """The view a public trade alone publishes: same ticker, book and age, one trade more."""
    trade = dataclasses.replace(view.trades[0], trade_id="t-new")
    return dataclasses.replace(view, trades=(trade, *view.trades))


def _whole_change(engine: FakeEngine, pair: str, last: str) -> EngineEvent:
    """A new ticker and a new book: what a price moving on the exchange brings."""
    return EngineEvent("market", market=_with_book(_with_last(engine.market(pair), last)))


def _with_book(view: MarketView) -> MarketView:
    """The view after the book moved: its best bid taken."""
    assert view.book is not None
    return dataclasses.replace(view, book=dataclasses.replace(view.book, bids=view.book.bids[1:]))


async def test_a_whole_change_after_a_quiet_frame_is_drawn_in_the_loops_next_turn() -> None:
    """No gather wait once a pair's ticker and book have both moved and nothing was drawn within
    the last frame: the change is on the screen's widgets one loop turn later (the gather cost
    1.5-3 ms of every lone price). A ticker alone still waits for the rest of its burst, so the
    book it brings is drawn in the same frame, not one frame later."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app._last_redraw = asyncio.get_running_loop().time() - 1
        ticker_moved = _with_last(engine.market("ETHZAR"), "54321")
        _deliver(engine, EngineEvent("market", market=ticker_moved))
        assert isinstance(app._redraw_at, asyncio.TimerHandle)  # gathering
        _deliver(engine, EngineEvent("market", market=_with_book(ticker_moved)))
        handle = app._redraw_at
        assert handle is not None and not isinstance(handle, asyncio.TimerHandle)  # call_soon
        await asyncio.sleep(0)  # one loop turn
        assert "54 321" in _cell(app, "ETHZAR", "last")


async def test_a_trade_alone_and_a_change_soon_after_a_redraw_gather() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        loop = asyncio.get_running_loop()
        app._last_redraw = loop.time() - 1
        _deliver(engine, EngineEvent("market", market=_with_trade(engine.market("BTCZAR"))))
        handle = app._redraw_at
        assert isinstance(handle, asyncio.TimerHandle)  # the ticker and book of its change follow
        assert handle.when() - loop.time() <= BURST_QUIET_S
        await pilot.pause()
        app._last_redraw = loop.time()  # just drawn: the next redraw is spaced from it
        _deliver(engine, _whole_change(engine, "ETHZAR", "54321"))
        handle = app._redraw_at
        assert isinstance(handle, asyncio.TimerHandle)
        assert handle.when() >= app._last_redraw + 1 / FLOOD_REDRAWS_PER_SECOND - 0.0001
        await pilot.pause(0.05)
        assert "54 321" in _cell(app, "ETHZAR", "last")
        # two frames after a redraw (a flood: a change every 10 ms): a whole change gathers too
        app._last_redraw = loop.time() - 2 / MAX_REDRAWS_PER_SECOND
        _deliver(engine, _whole_change(engine, "ETHZAR", "54322"))
        handle = app._redraw_at
        assert isinstance(handle, asyncio.TimerHandle)
        assert handle.when() - loop.time() <= BURST_QUIET_S
        await pilot.pause(0.05)
        assert "54 322" in _cell(app, "ETHZAR", "last")


async def test_a_trade_alone_redraws_the_chart_only() -> None:
    """A trade changes neither the ticker, the book nor the age: the ticker row, the depth and the
    preview are not redrawn (~1.3 ms of the ~1.7 ms of a redraw), the chart is."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fill_order(pilot, "1200000", "0.001")  # a preview to judge (the form's pair BTCZAR)
        calls: list[str] = []

        def spy(name: str, method: Any) -> Any:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                calls.append(name)
                return method(*args, **kwargs)
            return wrapper

        app._tickers.show = spy("tickers", app._tickers.show)  # type: ignore[method-assign]
        app._spread.show = spy("depth", app._spread.show)  # type: ignore[method-assign]
        app._update_preview = spy("preview", app._update_preview)  # type: ignore[method-assign]
        chart = app.main.query_one(PriceChart)
        chart.show = spy("chart", chart.show)  # type: ignore[method-assign]
        _deliver(engine, EngineEvent("market", market=_with_trade(engine.market("BTCZAR"))))
        await pilot.pause(0.02)
        assert calls == ["chart"]
        calls.clear()
        _deliver(engine, EngineEvent("market", market=_with_last(engine.market("BTCZAR"), "1200100")))
        # within a quiet spell of the trade's redraw (a flood): the form pair follows within 1/20 s
        await pilot.pause(0.1)
        assert sorted(calls) == ["chart", "depth", "preview", "tickers"]


async def test_a_key_waiting_for_the_app_is_handled_before_the_redraw() -> None:
    """The redraw runs from a loop callback, outside the app's message queue; a key press already
    queued (for the app, or forwarded to the focused input) still goes first, then the redraw."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        field = app.main.query_one("#price", Input)
        field.focus()
        await pilot.pause()
        seen: list[str] = []
        redraw = app._redraw

        def recording_redraw() -> None:
            seen.append(field.value)
            redraw()

        app._redraw = recording_redraw  # type: ignore[method-assign]
        app._last_redraw = asyncio.get_running_loop().time() - 1
        app.post_message(events.Key("7", "7"))
        _deliver(engine, _whole_change(engine, "ETHZAR", "54321"))
        assert app._redraw_now  # due in the loop's next turn, as the key is
        await pilot.pause(0.05)
        assert seen == ["7"]  # the key was typed when the redraw ran
        assert "54 321" in _cell(app, "ETHZAR", "last")


async def test_the_loop_timers_stop_with_the_app() -> None:
    """The tick and a redraw still due are loop callbacks: cancelled at unmount, and a late one
    finds the app not running and draws nothing."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app._tick_at is not None
        app._last_redraw = asyncio.get_running_loop().time() + 60  # the redraw is due long after the exit
        _deliver(engine, _whole_change(engine, "ETHZAR", "54321"))
        pending = app._redraw_at
        assert pending is not None
    assert app._tick_at is None and app._redraw_at is None
    assert pending.cancelled()
    assert app._cannot_draw


async def test_the_age_tick_runs_four_times_a_second_from_a_loop_timer() -> None:
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ticks = 0
        tick = app._tick

        def counting() -> None:
            nonlocal ticks
            ticks += 1
            tick()

        app._tick = counting  # type: ignore[method-assign]
        await pilot.pause(1.1)
        assert 3 <= ticks <= 5
