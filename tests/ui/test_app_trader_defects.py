"""Defects found by trying the dashboard as a trader: each test fails on the code before its fix."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Input, Label
from textual.widgets._data_table import ColumnKey
from textual.widgets._footer import FooterKey

from tests.ui.fixtures import Scenario, settle
from tests.ui.pilot_helpers import SIZE, fill_order, make_app, text_of
from valr_tui.trading.views import OrderState
from valr_tui.ui.screens.modals import HelpScreen
from valr_tui.ui.widgets.footer import RankedFooter
from valr_tui.ui.widgets.orders import OrderForm, OrdersTable

NARROW = (80, 24)


async def test_a_connected_stream_that_delivers_nothing_is_not_called_live() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert text_of(app, "#connection") == "WS live"
        engine.now += 40  # the stream stays "connected" but no update arrives
        await pilot.pause(0.4)  # the 4 Hz tick
        shown = text_of(app, "#connection")
        assert shown == "WS silent 42 s"  # 40 s + the 1.5 s the last update was already old
        assert app.screen.query_one("#connection").has_class("-warn")


async def test_the_spread_pane_never_says_ok_on_stale_or_safe_idle_data() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert text_of(app, "#spread-lines").count(" ok") == 1  # the form's pair
        for scenario, mark in ((Scenario.STALE, "STALE"), (Scenario.SAFE_IDLE, "SAFE-IDLE")):
            engine.set_scenario(scenario)
            await settle(pilot)
            lines = text_of(app, "#spread-lines")
            assert " ok" not in lines and lines.count(mark) == 1, (scenario, lines)


async def test_enter_in_a_text_field_moves_on_and_never_submits() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fill_order(pilot, "1250000", "0.001")
        app.screen.query_one("#price", Input).focus()
        for expected in ("quantity", "note", "options"):
            await pilot.press("enter")
            await settle(pilot)
            assert app.focused is not None and app.focused.id == expected
        await pilot.press("tab")  # the options are a Select: enter would open it
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "submit"
        assert engine.submitted == []
        await pilot.press("enter")  # Enter on the Submit button itself is an explicit submit
        await settle(pilot)
        assert len(engine.submitted) == 1


async def test_the_state_column_widens_when_a_state_gets_longer() -> None:
    app, engine = make_app()
    engine.orders_list = [o for o in engine.orders_list if o.state is OrderState.OPEN]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(OrdersTable)
        cid = engine.orders_list[0].correlation_id
        await engine.cancel(cid)
        await settle(pilot)
        assert table.get_cell(cid, "state") == "CANCELLED"
        column = table.columns[ColumnKey("state")]
        assert column.get_render_width(table) - 2 * table.cell_padding >= len("CANCEL_PENDING")


async def test_every_orders_column_fits_at_120_columns_and_the_correlation_id_is_whole() -> None:
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(OrdersTable)
        needed = sum(c.get_render_width(table) for c in table.columns.values())
        assert needed <= table.scrollable_content_region.width, (needed, table.size)
        await pilot.press("ctrl+o")
        table.move_cursor(row=1)
        await pilot.pause()
        order = table.selected_order()
        assert order is not None and order.correlation_id in text_of(app, "#order-detail")
        assert order.valr_order_id is not None and order.valr_order_id in text_of(app, "#order-detail")


async def test_the_orders_table_shows_the_average_fill_price_and_fees() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(OrdersTable)
        partial = next(o for o in engine.orders_list if o.state is OrderState.PARTIALLY_FILLED)
        # fills of 0.015 @ 46,000 and 0.005 @ 46,020: (690 + 230.10) / 0.02
        assert str(table.get_cell(partial.correlation_id, "avg")).strip() == "46,005.00"
        assert str(table.get_cell(partial.correlation_id, "fee")).strip() == "R 0.92"
        open_order = next(o for o in engine.orders_list if o.state is OrderState.OPEN)
        assert str(table.get_cell(open_order.correlation_id, "avg")).strip() == "—"


async def test_the_first_frame_at_80x24_shows_the_market_from_the_top_and_ctrl_e_the_form() -> None:
    app, _engine = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        body = app.screen.query_one("#body", VerticalScroll)
        top = body.content_region.y
        assert body.scroll_y == 0  # not scrolled down to the form
        assert app.screen.query_one("#tickers").region.y == top
        assert not isinstance(app.focused, Input)  # typing never goes into a field out of view
        for pane in app.screen.query(".pane"):
            region = pane.region
            if region.height and region.bottom > top:
                assert region.y >= top, f"{pane.id} is cut at the top of the first frame"
        assert "ZAR R 97,600.00" in text_of(app, "#balances")
        await pilot.press("ctrl+e")
        await settle(pilot)
        form = app.screen.query_one(OrderForm)
        assert form.region.y == top  # the form from its title row
        assert app.focused is app.screen.query_one("#price", Input)


@pytest.mark.parametrize("size", [SIZE, NARROW])
async def test_the_footer_shows_the_essential_keys_first_at_120_and_80_columns(size: tuple[int, int]) -> None:
    app, _engine = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(RankedFooter)
        visible = [key for key in footer.query(FooterKey)
                   if key.region.width and key.region.right <= footer.region.right]
        shown = {key.action for key in visible}
        assert {"help", "submit_order", "cancel_order", "amend_order", "quit"} <= shown, shown


async def test_the_focused_field_is_marked_without_colour() -> None:
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for field in ("price", "quantity", "note"):
            app.screen.query_one(f"#{field}", Input).focus()
            await pilot.pause()
            label = app.screen.query_one(f"#label-{field}", Label)
            assert str(label.render()).startswith("▸") and label.styles.text_style.reverse, field
            others = [lab for lab in app.screen.query("#form-grid Label").results(Label) if lab is not label]
            assert not any(str(o.render()).startswith("▸") for o in others)


async def test_ctrl_e_works_from_inside_a_text_field() -> None:
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#note", Input).focus()
        await pilot.pause()
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#price", Input)


async def test_a_reconciliation_toast_quotes_one_deviation_figure() -> None:
    app, _engine = make_app(Scenario.LOCKDOWN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        toast = "\n".join(n.message for n in app._notifications if n.title.startswith("Reconciliation"))
        assert toast.startswith("mismatch above 1%")  # the report's message, no second figure
        assert "2.40%" not in toast


async def test_help_and_palette_use_human_names_for_the_demo_faults() -> None:
    class Demo:
        kinds = ("outage", "rate_limit_storm")

        async def inject_fault(self, kind: str) -> str:
            return "injected for 40 s"

    from tests.ui.fixtures import FakeEngine
    from valr_tui.ui.app import ValrApp

    engine = FakeEngine()
    app = ValrApp(engine, clock=engine.clock, demo=Demo())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_text = " ".join(str(w.render()) for w in app.screen.query("#help-dialog Static"))
        assert "429 rate-limit storm" in help_text and "Exchange outage" in help_text
        assert "rate_limit_storm" not in help_text and "question_mark" not in help_text
        await pilot.press("escape")
        titles = [str(c.title) for c in app.get_system_commands(app.screen)]
        assert "Demo: 429 rate-limit storm" in titles
        assert not any("_" in t for t in titles), titles
        await pilot.press("f6")
        await settle(pilot)
        assert all("rate_limit_storm" not in str(n.title) for n in app._notifications)


async def test_the_orders_title_names_the_mode() -> None:
    for mode, title in (("LIVE", "Orders — LIVE on VALR"), ("DRY_RUN", "Orders — DRY_RUN paper")):
        app, _engine = make_app(execution_mode=mode)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert str(app.screen.query_one("#orders-pane").border_title) == title


def test_money_in_order_messages_is_formatted() -> None:
    from valr_tui.money.decimal_gateway import DecimalGateway

    assert DecimalGateway.format_money(Decimal("150149999998498500"), "ZAR") == "R 150,149,999,998,498,500.00"
    assert DecimalGateway.format_money(Decimal("0.0015"), "BTC") == "0.00150000 BTC"
