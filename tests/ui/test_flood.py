"""Under a flood the ticker rows come first: the form pair's depth, chart and preview follow at a
lower rate (FORM_FLOOD_PER_SECOND), always with the newest state."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal
from typing import Any

from tests.ui.fixtures import FakeEngine, settle
from tests.ui.pilot_helpers import SIZE, fill_order, make_app
from valr_tui.trading.views import EngineEvent, MarketView
from valr_tui.ui.app import FORM_FLOOD_PER_SECOND, MAX_REDRAWS_PER_SECOND, ValrApp
from valr_tui.ui.widgets.chart import PriceChart
from valr_tui.ui.widgets.tickers import TickerTable


def _change(engine: FakeEngine, last: str, drop: int) -> EngineEvent:
    """BTCZAR's ticker and book both moved: a new last price, its best ``drop`` bids taken."""
    view = engine.market("BTCZAR")
    assert view.ticker is not None and view.book is not None
    moved = dataclasses.replace(view, ticker=dataclasses.replace(view.ticker, last=Decimal(last)),
                                book=dataclasses.replace(view.book, bids=view.book.bids[drop:]))
    return EngineEvent("market", market=moved)


def _deliver_and_draw(app: ValrApp, engine: FakeEngine, event: EngineEvent) -> None:
    """The event, then its redraw at once (the gather's loop callback run by hand)."""
    for listener in list(engine._listeners):
        listener(event)
    handle = app._redraw_at
    assert handle is not None
    handle.cancel()
    app._draw_due()


def _last(app: ValrApp) -> str:
    return str(app.screen.query_one(TickerTable).get_cell("BTCZAR", "last")).replace(",", " ")


async def test_a_flood_draws_the_ticker_row_at_once_and_the_form_pair_at_a_lower_rate() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fill_order(pilot, "1200000", "0.001")  # a preview to judge (the form's pair BTCZAR)
        calls: list[str] = []
        shown_books: list[int] = []

        def spy(name: str, method: Any) -> Any:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                calls.append(name)
                return method(*args, **kwargs)
            return wrapper

        spread_show = app._spread.show

        def depth(views: list[MarketView], *args: Any) -> None:
            calls.append("depth")
            assert views[0].book is not None
            shown_books.append(len(views[0].book.bids))
            spread_show(views, *args)

        app._spread.show = depth  # type: ignore[method-assign]
        app._update_preview = spy("preview", app._update_preview)  # type: ignore[method-assign]
        chart = app.main.query_one(PriceChart)
        chart.show = spy("chart", chart.show)  # type: ignore[method-assign]
        bids = len(engine.market("BTCZAR").book.bids)  # type: ignore[union-attr]
        loop = asyncio.get_running_loop()
        # a flood: the last redraw one frame ago, the form pair drawn just now
        app._last_redraw = loop.time() - 1 / MAX_REDRAWS_PER_SECOND
        app._last_form_draw = loop.time()
        _deliver_and_draw(app, engine, _change(engine, "1200100", 1))
        assert "1 200 100" in _last(app)  # the price reaches the ticker row in this redraw
        assert calls == []  # the depth, chart and preview wait
        form_at = app._form_at
        assert form_at is not None
        assert form_at.when() <= app._last_form_draw + 1 / FORM_FLOOD_PER_SECOND + 1e-9
        app._last_redraw = loop.time() - 1 / MAX_REDRAWS_PER_SECOND
        _deliver_and_draw(app, engine, _change(engine, "1200200", 2))
        assert "1 200 200" in _last(app)
        assert calls == [] and app._form_at is form_at  # one deferred draw, not one per redraw
        await pilot.pause(2 / FORM_FLOOD_PER_SECOND)
        assert sorted(calls) == ["chart", "depth", "preview"]  # once, with the newest book
        assert shown_books == [bids - 2]
        # after a quiet spell a change draws everything at once again
        calls.clear()
        app._last_redraw = loop.time() - 1
        _deliver_and_draw(app, engine, _change(engine, "1200300", 3))
        assert "1 200 300" in _last(app)
        assert sorted(calls) == ["chart", "depth", "preview"]
        assert app._form_at is None
