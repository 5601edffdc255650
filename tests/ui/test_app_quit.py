"""ctrl+q asks first while LIVE orders are open on VALR or any order's outcome is UNKNOWN."""

from __future__ import annotations

from dataclasses import replace

from storage.orders import OrderState
from tests.ui.fixtures import settle
from tests.ui.pilot_helpers import SIZE, make_app
from valr_tui.ui.screens.modals import ConfirmScreen
from valr_tui.ui.widgets.orders import OrdersTable


async def test_quit_with_only_paper_orders_open_leaves_at_once() -> None:
    app, engine = make_app()
    assert any(o.state is OrderState.OPEN and o.is_simulated for o in engine.orders_list)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.return_code == 0  # left without a question


async def test_quit_with_an_unknown_or_open_live_order_asks_first() -> None:
    app, engine = make_app()
    seed = engine.orders_list[0]
    engine.orders_list.append(replace(seed, id=90, correlation_id="ord-unknown90",
                                      state=OrderState.UNKNOWN))
    engine.orders_list.append(replace(seed, id=91, correlation_id="ord-live91",
                                      execution_mode="LIVE", state=OrderState.OPEN))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cell = app.screen.query_one(OrdersTable).get_cell("ord-unknown90", "state")
        assert str(cell) == "UNKNOWN" and "red" in str(getattr(cell, "style", ""))  # shown in red
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        question = app.screen.question
        assert "1 LIVE order(s) still open" in question and "1 order(s) of UNKNOWN outcome" in question
        await pilot.press("n")  # the safe answer: stay
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen) and app.return_code is None
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert app.return_code == 0
