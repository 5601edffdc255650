"""Amend from the orders tables (ctrl+a on the dashboard, a on the orders screen) and the order
options in the form: what is sent, what the preview says, what a refusal leaves."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import Input, Select, Static

from tests.ui.fixtures import settle
from tests.ui.pilot_helpers import SIZE, fill_order, make_app, notifications, text_of
from valr_tui.trading.views import OrderRequest, OrderState
from valr_tui.ui.screens.modals import AmendScreen
from valr_tui.ui.screens.orders import OrdersScreen
from valr_tui.ui.widgets.orders import OPTIONS, OrdersTable


def amend_text(app: object) -> str:
    return str(app.screen.query_one("#amend-problems", Static).render())  # type: ignore[attr-defined]


async def test_ctrl_a_amends_the_selected_open_order_with_the_new_quantity() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        table = app.screen.query_one(OrdersTable)
        order = table.selected_order()
        assert order is not None and order.state is OrderState.OPEN
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert isinstance(app.screen, AmendScreen)
        assert app.screen.query_one("#amend-price", Input).value == "1200000"  # prefilled
        app.screen.query_one("#amend-quantity", Input).value = "0.003"
        await pilot.pause()
        assert "ready to amend" in amend_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, AmendScreen)
        amended = next(o for o in engine.orders_list if o.correlation_id == order.correlation_id)
        assert (amended.price, amended.quantity) == (Decimal(1_200_000), Decimal("0.003"))
        assert "Order amended" in [n.title for n in app._notifications]


async def test_a_refused_amend_keeps_the_dialog_open_with_the_code_and_the_order_as_it_was() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o", "ctrl+a")
        await settle(pilot)
        assert "VALR-ORD-031" in amend_text(app)  # unchanged: nothing to amend
        app.screen.query_one("#amend-price", Input).value = "1200000.5"  # off the tick
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AmendScreen)
        assert "VALR-ORD-004" in amend_text(app) and "as it was" in amend_text(app)
        assert next(o for o in engine.orders_list if o.state is OrderState.OPEN).price == Decimal(1_200_000)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, AmendScreen)


async def test_amending_a_finished_order_says_so_and_opens_nothing() -> None:
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        table = app.screen.query_one(OrdersTable)
        table.move_cursor(row=2)  # the filled BTC sell
        await pilot.pause()
        assert table.selected_order() is not None
        assert table.selected_order().state is OrderState.FILLED  # type: ignore[union-attr]
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert not isinstance(app.screen, AmendScreen)
        assert "only an open order can be amended" in notifications(app)


async def test_a_on_the_orders_screen_amends_the_selected_order() -> None:
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, OrdersScreen)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AmendScreen)


async def test_the_form_sends_the_chosen_options_and_the_preview_says_what_they_mean() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        fok = next(i for i, (_label, tif, _post) in enumerate(OPTIONS) if tif == "FOK")
        app.screen.query_one("#options", Select).value = fok
        ask = engine.market("BTCZAR").ticker.ask  # type: ignore[union-attr]
        await fill_order(pilot, str(ask), "5")  # far more than the book offers at the ask
        await settle(pilot)
        assert "FOK: book has only" in text_of(app, "#preview") and "fails" in text_of(app, "#preview")
        post = next(i for i, (_label, _tif, post) in enumerate(OPTIONS) if post)
        app.screen.query_one("#options", Select).value = post
        await fill_order(pilot, str(ask), "0.001")
        await settle(pilot)
        assert "post-only: would cross" in text_of(app, "#preview")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert engine.submitted[-1] == OrderRequest("BTCZAR", "BUY", str(ask), "0.001", post_only=True,
                                                    time_in_force="GTC")
