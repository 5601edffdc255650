"""The orders screen: open and done apart, fills per order, cancel-all for a pair, audit story."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from tests.ui.fixtures import settle
from tests.ui.pilot_helpers import SIZE, make_app, notifications
from valr_tui.trading.views import OrderRequest, OrderState
from valr_tui.ui.screens.audit import AuditScreen
from valr_tui.ui.screens.modals import ConfirmScreen
from valr_tui.ui.screens.orders import OrdersScreen
from valr_tui.ui.widgets.orders import OrdersTable


async def test_open_and_done_orders_apart_with_the_selected_orders_fills() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        open_table = screen.query_one("#open-orders", OrdersTable)
        done = screen.query_one("#done-orders", OrdersTable)
        assert {str(k.value) for k in open_table.rows} == {
            o.correlation_id for o in engine.orders_list if o.state.is_open}
        assert {str(k.value) for k in done.rows} == {
            o.correlation_id for o in engine.orders_list if not o.state.is_open}
        open_table.move_cursor(row=1)  # the partly filled ETH sell: two fills
        await pilot.pause()
        fills = screen.query_one("#fills", DataTable)
        assert fills.row_count == 2
        assert [str(fills.get_row_at(i)[1]) for i in range(2)] == ["46,000.00", "46,020.00"]


async def test_cancel_all_for_a_pair_asks_then_cancels_only_that_pairs_open_orders() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await engine.submit(OrderRequest("BTCZAR", "BUY", "1240000", "0.001"))
        await pilot.press("ctrl+l")
        await settle(pilot)
        btc_open = {o.correlation_id for o in engine.orders_list if o.pair == "BTCZAR" and o.state.is_open}
        assert len(btc_open) == 2
        await pilot.press("A")  # the newest open order is BTCZAR
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and "2 open BTCZAR" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        states = {o.correlation_id: o.state for o in engine.orders_list}
        assert all(states[cid] is OrderState.CANCELLED for cid in btc_open)
        eth = [o.state for o in engine.orders_list if o.pair == "ETHZAR"]
        assert OrderState.PARTIALLY_FILLED in eth  # the other pair's open order is untouched
        assert "2 of 2 BTCZAR orders cancelled" in notifications(app)
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        assert btc_open <= {str(k.value) for k in screen.query_one("#done-orders", OrdersTable).rows}


async def test_one_key_shows_an_orders_audit_story() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o", "enter")  # enter on the selected order of the main table
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        assert app.screen.query_one("#cid-filter", Input).value == "ord-seed0001"
        events = app.screen.query_one("#audit-table", DataTable)
        assert events.row_count == sum(1 for a in engine.audit_list if a.correlation_id == "ord-seed0001")
        await pilot.press("escape")
        await pilot.press("ctrl+l")
        await settle(pilot)
        await pilot.press("tab", "s")  # the done table's first order
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        assert app.screen.query_one("#cid-filter", Input).value == "ord-seed0003"
