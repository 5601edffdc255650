"""The book screen: 40-level ladder with cumulative sizes and own orders, the trades tape, and
the keys that copy prices and quantity presets into the order form."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import DataTable, Input

from tests.ui.fixtures import BOOK_LEVELS, PAIRS, FakeEngine, settle
from tests.ui.pilot_helpers import SIZE, make_app, notifications
from valr_tui.exchange.models import BookLevel, OrderBook
from valr_tui.ui.screens.book import BookScreen, ladder, own_orders_at
from valr_tui.ui.widgets.orders import preset_quantity


async def open_book(pilot: object) -> BookScreen:
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("ctrl+d")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    screen = pilot.app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, BookScreen)
    return screen


def test_the_ladder_reads_top_down_with_cumulative_sizes_and_own_orders() -> None:
    def level(price: int, size: str) -> BookLevel:
        return BookLevel(Decimal(price), Decimal(size))

    book = OrderBook("BTCZAR", (level(101, "1"), level(102, "2")), (level(100, "3"), level(99, "4")))
    rows = ladder(book, {Decimal(99): "BUY 0.50000000"})
    assert [(r.side, r.level.price, r.cumulative) for r in rows] == [
        ("ASK", 102, 3), ("ASK", 101, 1), ("BID", 100, 3), ("BID", 99, 7)]
    assert [r.own for r in rows] == ["", "", "", "BUY 0.50000000"]


async def test_the_book_screen_shows_40_levels_a_side_own_orders_and_the_tape() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_book(pilot)
        table = screen.query_one("#ladder", DataTable)
        assert table.row_count == 2 * BOOK_LEVELS
        own = own_orders_at(engine.orders_list, "BTCZAR")
        assert own == {Decimal(1200000): "BUY 0.00200000"}  # the open BTC buy; the filled sell is not
        assert screen.query_one("#tape", DataTable).row_count == 20
        # the cursor starts on the best ask, in view
        selected = screen.selected_level()
        assert selected is not None and selected.key == "ask-0"
        assert table.scroll_y > 0


async def test_book_keys_copy_prices_into_the_form() -> None:
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for key, expected in (("b", "1249900"), ("a", "1250100")):
            await open_book(pilot)
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is app.main
            assert app.screen.query_one("#price", Input).value == expected
            assert app.focused is app.screen.query_one("#quantity", Input)
        screen = await open_book(pilot)
        await pilot.press("down", "down")  # two levels below the best ask: the second bid
        await pilot.pause()
        assert screen.selected_level() is not None and screen.selected_level().key == "bid-1"  # type: ignore[union-attr]
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#price", Input).value == "1249850"


async def test_quantity_presets_size_the_order_from_what_is_available() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#price", Input).value = "1250000"
        await open_book(pilot)
        await pilot.press("3")  # 100% of the available R 97,600 at R 1,250,000 with the 0.1% fee buffer
        await settle(pilot)
        quantity = Decimal(app.screen.query_one("#quantity", Input).value)
        assert quantity == Decimal("0.07800199")  # 97,600 / (1,250,000 × 1.001), rounded down
        preview = engine.preview(app.screen.query_one("#order-form").request())  # type: ignore[attr-defined]
        assert "VALR-ORD-008" not in [p.code for p in preview.problems]
        assert "100% of the available ZAR" in notifications(app)


def test_a_sell_preset_is_a_share_of_the_base_currency_rounded_down() -> None:
    engine = FakeEngine()
    import asyncio

    balances = asyncio.run(engine.balances())
    pair = PAIRS["ETHZAR"]
    fee = Decimal("0.1")
    assert preset_quantity("SELL", Decimal(25), Decimal(45000), pair, balances, fee) == Decimal("0.0075")
    assert preset_quantity("BUY", Decimal(0), Decimal(45000), pair, balances, fee) == 0


async def test_a_market_redraw_while_the_book_screen_mounts_waits_for_its_columns() -> None:
    """The dashboard redraws the book screen on every market event as soon as it is the current
    screen, which it is from ``push_screen`` on, before its tables exist or have columns."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_show_book()
        screen = app.screen
        assert isinstance(screen, BookScreen)
        screen.show(engine.market("BTCZAR"))  # raised NoMatches / "more values than columns"
        await settle(pilot)
        assert screen.query_one("#ladder", DataTable).row_count == 2 * BOOK_LEVELS
