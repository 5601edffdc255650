"""How the dashboard redraws: what an event carries, on the widgets it concerns, without layout."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from tests.ui.fixtures import FakeEngine, settle
from tests.ui.pilot_helpers import SIZE, fill_order, make_app
from valr_tui.trading.views import EngineEvent, MarketView, OrderPreview, OrderRequest
from valr_tui.ui.app import ValrApp
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
