"""Order entry and the orders table, driven by keyboard against the FakeEngine."""

from __future__ import annotations

from textual.widgets import Input

from storage.orders import OrderState
from tests.ui.fixtures import Scenario, settle
from tests.ui.pilot_helpers import SIZE, fill_order, make_app, notifications, text_of
from valr_tui.trading.views import OrderRequest
from valr_tui.ui.screens.modals import ConfirmScreen
from valr_tui.ui.widgets.orders import OrdersTable


async def test_place_dry_run_order_entirely_by_keyboard() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.focused is app.screen.query_one("#price", Input)  # the form is ready to type into
        await pilot.press("shift+tab", "shift+tab")  # price -> side -> pair
        assert app.focused is not None and app.focused.id == "pair"
        await pilot.press("enter", "down", "enter")  # pair: BTCZAR -> ETHZAR
        await pilot.press("tab", "enter", "down", "enter")  # side: BUY -> SELL
        await pilot.press("tab", *"45000", "tab", *"0.01", "tab", *"first test", "ctrl+s")
        await settle(pilot)
        assert engine.submitted == [OrderRequest("ETHZAR", "SELL", "45000", "0.01", note="first test")]
        table = app.screen.query_one(OrdersTable)
        new = max(engine.orders_list, key=lambda o: o.id)
        assert table.get_cell(new.correlation_id, "state") == "OPEN"
        table.move_cursor(row=0)  # the newest order is the first row: its detail line in full
        await pilot.pause()
        detail = text_of(app, "#order-detail")
        assert new.correlation_id in detail and "paper id DRY_" in detail
        assert "DRY_" in notifications(app)
        assert app.screen.query_one("#price", Input).value == ""  # ready for the next order


# (scenario or "spread", price, quantity, a code the preview must list)
REJECTIONS = [
    (None, "1250000", "0.01", "VALR-ORD-007"),  # R 12,500 > MAX_ORDER_ZAR
    (None, "1250000.5", "0.001", "VALR-ORD-004"),  # off the tick size
    (None, "1250000", "0.000001", "VALR-ORD-006"),  # below the minimum
    (None, "12x", "0.001", "VALR-ORD-004"),  # not a number
    ("spread", "1250000", "0.001", "VALR-MKT-001"),
    (Scenario.STALE, "1250000", "0.001", "VALR-MKT-002"),
    (Scenario.SAFE_IDLE, "1250000", "0.001", "VALR-SAF-001"),
    (Scenario.NEUTRAL, "1250000", "0.001", "VALR-SAF-001"),
]


async def test_each_rejection_shows_its_code_and_submits_nothing() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fill_order(pilot, "1250000", "0.001")
        preview = text_of(app, "#preview")
        assert "R 1,250.00" in preview and "VALR-" not in preview  # a valid order: value, no problem
        before = len(engine.orders_list)
        for setup, price, quantity, code in REJECTIONS:
            engine.set_scenario(setup if isinstance(setup, Scenario) else Scenario.NORMAL)
            if setup == "spread":
                engine.set_book_top("BTCZAR", "1200000", "1250000")
            await fill_order(pilot, price, quantity)
            assert code in text_of(app, "#preview"), code
            first = engine.preview(app.screen.query_one("#order-form").request()).problems[0]  # type: ignore[attr-defined]
            app.clear_notifications()
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert first.code in notifications(app), code  # submit's coded error, as a notification
            assert len(engine.orders_list) == before
            engine.set_book_top("BTCZAR", "1249900", "1250100")
        assert app.is_running  # an engine error never kills the app


async def test_cancel_selected_order_by_keyboard_after_confirmation() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")  # focus the orders table; the newest (open) order is first
        table = app.screen.query_one(OrdersTable)
        assert app.focused is table
        cid = table.selected_correlation_id()
        assert cid == "ord-seed0001"
        await pilot.press("ctrl+x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # the safe answer: nothing happens
        await settle(pilot)
        assert table.get_cell(cid, "state") == "OPEN"
        await pilot.press("ctrl+x")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert table.get_cell(cid, "state") == OrderState.CANCELLED.value
        assert next(o for o in engine.orders_list if o.correlation_id == cid).state is OrderState.CANCELLED
        await pilot.press("ctrl+x")  # a finished order: no question, it says why
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert "CANCELLED: there is nothing to cancel" in notifications(app)


async def test_ctrl_x_on_a_finished_order_does_not_offer_to_cancel_it() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        table = app.screen.query_one(OrdersTable)
        filled = next(o for o in engine.orders_list if o.state is OrderState.FILLED)
        table.move_cursor(row=table.get_row_index(filled.correlation_id))
        await pilot.press("ctrl+x")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert f"{filled.correlation_id} is FILLED: there is nothing to cancel" in notifications(app)


async def test_live_submit_asks_for_confirmation_first() -> None:
    app, engine = make_app(execution_mode="LIVE")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "LIVE" in text_of(app, "#mode-badge")
        assert app.screen.query_one("#mode-badge").has_class("-live")
        await fill_order(pilot, "1250000", "0.001")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert engine.submitted == []
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert len(engine.submitted) == 1
        assert "valr-" in notifications(app) and "LIVE" in notifications(app)
