"""Opening a view costs the view, not the dashboard again (``valr_tui/ui/screens/stacking.py``,
``leaks.Footer``): a modal's dimmed backdrop is drawn as Textual draws it, but only the lines that
changed below; the dashboard is not reflowed when a modal is pushed; its footer is not rebuilt
while covered."""

from __future__ import annotations

from typing import Any

from textual._context import visible_screen_stack
from textual.geometry import Region
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import Screen
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from tests.ui.fixtures import Scenario, settle
from tests.ui.pilot_helpers import SIZE, make_app
from valr_tui.ui.screens import stacking
from valr_tui.ui.screens.book import FixedTable
from valr_tui.ui.screens.modals import ConfirmScreen, KeyTable
from valr_tui.ui.widgets.footer import RankedFooter
from valr_tui.ui.widgets.status import StatusBar


def _textual_backdrop(screen: Screen[Any], base: Screen[Any]) -> list[str]:
    """The backdrop as Textual 8.2.8 renders it: the whole screen below, tinted."""
    token = visible_screen_stack.set([base])
    try:
        visual = visualize(screen, BackgroundScreen(base, screen.styles.background))
        width, height = screen.size
        strips = Visual.to_strips(screen, visual, width, height, screen.visual_style)
    finally:
        visible_screen_stack.reset(token)
    return [repr(list(strip)) for strip in strips]


async def test_the_backdrop_lines_are_the_lines_textual_draws() -> None:
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmScreen("Cancel order?"))
        await settle(pilot)
        modal, main = app.screen, app.main
        expected = _textual_backdrop(modal, main)
        every = stacking._backdrop_lines(modal, main, list(range(SIZE[1])))
        assert [repr(list(every[y])) for y in range(SIZE[1])] == expected
        some = stacking._backdrop_lines(modal, main, [0, 5, 6, 30])
        assert {y: repr(list(strip)) for y, strip in some.items()} == {y: expected[y] for y in (0, 5, 6, 30)}
        assert any("Cancel order?" in strip.text for strip in modal._compositor.render_strips())


async def test_a_modal_draws_its_backdrop_once_and_then_only_what_changes_below() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        asked: list[list[int]] = []
        original = stacking._backdrop_lines

        def counted(screen: Screen[Any], base: Screen[Any], lines: list[int]) -> Any:
            asked.append(lines)
            return original(screen, base, lines)

        stacking._backdrop_lines = counted  # type: ignore[assignment]
        try:
            app.push_screen(ConfirmScreen("Cancel order?"))
            await settle(pilot)
            # its resume, its mount and its focus each repainted the screen widget whole: before,
            # each drew the whole dashboard again (and a reflow of the dashboard below once more);
            # then the footer below dims the dashboard's own keys: its line only
            assert len(asked[0]) == SIZE[1]
            assert sum(len(lines) for lines in asked[1:]) <= 2
            asked.clear()
            modal = app.screen
            modal.refresh()  # a repaint of the modal's own: the backdrop is what it was
            await settle(pilot)
            assert asked == []
            status = app.main.query_one(StatusBar)
            engine.set_book_top("BTCZAR", "1000000", "1000010")  # the dashboard changes below
            await settle(pilot)
            drawn = sorted(y for lines in asked for y in lines)
            assert drawn and len(drawn) < SIZE[1]  # the changed lines, not the whole screen
            # what changed below shows through, dimmed: the same lines as Textual's whole render
            expected = _textual_backdrop(modal, app.main)
            strips = modal.render_lines(Region(0, 0, *SIZE))
            assert [repr(list(strip)) for strip in strips] == expected
            assert status.is_attached
        finally:
            stacking._backdrop_lines = original  # type: ignore[assignment]


async def test_pushing_a_modal_does_not_reflow_the_dashboard_below() -> None:
    """A pushed screen's first layout sends it a Resize, on which Textual reflowed every screen
    visible below it at the same size (``_screen_resized``), then repainted the modal's whole
    backdrop again. (The dashboard still lays out what changes on it: its footer's keys.)"""
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.main
        resized: list[object] = []
        refresh_layout = main._refresh_layout

        def counted(size: Any = None, scroll: bool = False) -> None:
            if size is not None:  # the resize path passes the size; the screen's own layouts do not
                resized.append(size)
            refresh_layout(size, scroll)

        main._refresh_layout = counted  # type: ignore[method-assign]
        app.push_screen(ConfirmScreen("Cancel order?"))
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert resized == []
        await pilot.resize_terminal(100, 30)  # a new size still reflows the screen below
        await settle(pilot)
        assert resized
        assert main._compositor.size == (100, 30)


async def test_the_footer_of_a_covered_screen_changes_its_keys_in_place() -> None:
    """Under a modal the dashboard's own actions are hidden (``check_action``): Textual rebuilt
    the covered footer (~16 keys removed, 8 mounted, a reflow of the dashboard) at the open and
    again at the close. The same keys are now hidden and shown again; a key it does not hold
    (LOCKDOWN brings the unlock key) still rebuilds it."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = app.main.query_one(RankedFooter)
        keys = list(footer.query(FooterKey))

        def shown() -> list[tuple[str, str, bool]]:
            return [(key.key, key.action, key.has_class("-disabled")) for key in footer.query(FooterKey)
                    if key.display]

        def ranked() -> list[tuple[str, str, bool]]:  # what a rebuild would show
            return [(binding.key, binding.action, not enabled) for binding, enabled, _tip in footer._ranked()]

        app.push_screen(ConfirmScreen("Cancel order?"))
        await settle(pilot)
        assert list(footer.query(FooterKey)) == keys  # the very same widgets
        hidden = {key.action for key in keys if not key.display}
        assert {"submit_order", "cancel_order", "show_book"} <= hidden
        assert "help" not in hidden
        assert shown() == ranked()
        await app.pop_screen()
        await settle(pilot)
        assert list(footer.query(FooterKey)) == keys
        assert all(key.display for key in keys)
        assert shown() == ranked()
        engine.set_scenario(Scenario.LOCKDOWN)
        await settle(pilot)
        assert any(key.action == "unlock" for key in footer.query(FooterKey))
        assert shown() == ranked()


async def test_closing_a_screen_does_not_lay_out_the_screen_shown_again() -> None:
    """Textual's removal of a screen ends with its parent's ``refresh(layout=True)``; the parent
    is the app, whose refresh lays out the top screen: the one shown again, already repainted by
    its resume. It is still shown whole, with what changed while it was covered."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmScreen("Cancel order?"))
        await settle(pilot)
        layouts: list[bool] = []
        refresh = app.refresh

        def recorded(*, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Any:
            layouts.append(layout)
            return refresh(repaint=repaint, layout=layout, recompose=recompose)

        app.refresh = recorded  # type: ignore[method-assign]
        engine.set_book_top("BTCZAR", "1000000", "1000010")  # changes while covered
        await app.pop_screen()
        await settle(pilot)
        assert app.screen is app.main
        assert True not in layouts
        screen = app.export_screenshot()
        assert "1,000,000" in screen and "1,000,010" in screen


async def test_the_book_is_drawn_at_the_spread_from_its_first_frame_with_levels() -> None:
    """The ladder was drawn at its top first (its scrollable size was known only after an idle
    that measured every cell), then again centred on the spread: two renders of ~40 rows."""
    app, _engine = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        drawn: list[tuple[int, float]] = []
        render_lines = FixedTable.render_lines

        def recorded(table: FixedTable, crop: Region) -> list[Strip]:
            if table.id == "ladder":
                drawn.append((table.row_count, table.scroll_y))
            return render_lines(table, crop)

        FixedTable.render_lines = recorded  # type: ignore[method-assign]
        try:
            app.action_show_book()
            await settle(pilot)
        finally:
            FixedTable.render_lines = render_lines  # type: ignore[method-assign]
        ladder = app.screen.query_one("#ladder", FixedTable)
        best_ask = ladder.cursor_row
        assert ladder.row_count > ladder.scrollable_content_region.height
        centred = best_ask - ladder.scrollable_content_region.height // 2 + 1
        assert ladder.scroll_y == centred > 0
        assert [scroll for rows, scroll in drawn if rows] and all(
            scroll == centred for rows, scroll in drawn if rows)
        # sized as Textual sizes it, without measuring a cell
        virtual = ladder.virtual_size
        DataTable._update_dimensions(ladder, list(ladder.rows))
        assert ladder.virtual_size == virtual


async def test_the_help_lists_every_key_in_three_columns_as_one_widget() -> None:
    """The help's key table was a grid of three ``Static``s a row (51 widgets composed, styled
    and laid out at every open: the costliest view). One widget draws the same columns, each
    explanation wrapped within its own column."""
    app, _engine = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.action_help()
        await settle(pilot)
        table = app.screen.query_one("#help-keys", KeyTable)
        lines = str(table._render()).split("\n")  # as drawn
        width = table.content_region.width
        assert all(len(line) <= width for line in lines)
        indent = " " * (KeyTable.KEY + KeyTable.NAME + 2 * KeyTable.GAP)
        for key, name, help_ in table.rows:
            row = next(i for i, line in enumerate(lines) if line.startswith(key.ljust(KeyTable.KEY) + " "))
            assert lines[row][KeyTable.KEY + KeyTable.GAP:].startswith(name)
            words, i = [lines[row][len(indent):]], row + 1
            while i < len(lines) and lines[i].startswith(indent) and lines[i].strip():
                words.append(lines[i][len(indent):])  # the explanation's own column, wrapped
                i += 1
            assert " ".join(part.strip() for part in words) == help_
        assert any(line.startswith(indent) and line.strip() for line in lines)  # something wrapped
        assert len(list(app.screen.query("*"))) < 15
        text = str(table.render())  # its text: each row whole
        assert all(f"{key}  {name}  {help_}" in text for key, name, help_ in table.rows)
