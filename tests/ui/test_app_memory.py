"""Opening and closing views keeps nothing: the widgets of a closed view can be collected.

Textual 8.2.8 leaks made every round trip through the views keep memory (see
``valr_tui/ui/leaks.py``): removed widgets' ``StylesCache`` objects held by an ``lru_cache``, the
main footer's rebuilt keys held by the footer's watcher list, and DataTable render caches keeping
every past generation of their cells.
"""

from __future__ import annotations

import gc

from textual._styles_cache import StylesCache
from textual.coordinate import Coordinate
from textual.widgets._footer import FooterKey

from tests.ui.fixtures import settle
from tests.ui.pilot_helpers import SIZE, make_app
from valr_tui.ui.app import ValrApp
from valr_tui.ui.screens.audit import AuditScreen
from valr_tui.ui.screens.journal import JournalScreen
from valr_tui.ui.widgets.footer import RankedFooter
from valr_tui.ui.widgets.orders import OrdersTable

ROUND_TRIPS = 6
CHANGES = 30


def _orphans(app: ValrApp) -> tuple[int, int]:
    """Style caches and footer keys alive but belonging to no mounted widget."""
    gc.collect()
    mounted = [w for screen in app.screen_stack for w in screen.walk_children(with_self=True)]
    caches = {id(w._styles_cache) for w in mounted}
    styles = sum(1 for o in gc.get_objects() if isinstance(o, StylesCache) and id(o) not in caches)
    keys = sum(1 for o in gc.get_objects() if isinstance(o, FooterKey) and not o.is_attached)
    return styles, keys


async def test_audit_and_journal_round_trips_leave_no_widgets_behind() -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        async def round_trips(count: int) -> None:
            for _ in range(count):
                for key, screen in (("f2", AuditScreen), ("f3", JournalScreen)):
                    await pilot.press(key)
                    await settle(pilot)
                    assert isinstance(app.screen, screen)
                    await pilot.press("escape")
                    await settle(pilot)

        await round_trips(1)  # first use: caches fill, lazily built objects appear
        styles_before, keys_before = _orphans(app)
        await round_trips(ROUND_TRIPS)
        styles_after, keys_after = _orphans(app)
    # each round trip used to keep ~40 style caches and a footer's worth of keys (~12)
    assert styles_after - styles_before < 10
    assert keys_after - keys_before < 5


async def test_a_data_table_keeps_no_rendered_lines_of_past_updates() -> None:
    """Textual's DataTable keys its render caches on an update counter that every cell change
    bumps; without the remedy each change left a generation of rendered cells behind (up to
    10,000 of them): the dashboard's orders table, the book's ladder and the trades tape change
    on every order event or tick."""
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(OrdersTable)
        table.add_row(*("" for _ in table.columns), key="probe")
        await pilot.pause()
        cells = (table.row_count + 1) * len(table.columns)  # + the header row
        for change in range(CHANGES):
            table.update_cell_at(Coordinate(table.get_row_index("probe"), 0), f"{1_000_000 + change:,}")
            await pilot.pause()  # drawn: every visible cell rendered at the new generation
        assert len(table._cell_render_cache) <= cells
        assert len(table._line_cache) <= table.row_count + 1  # + the header


async def test_the_footer_keeps_its_keys_when_the_bindings_it_shows_are_the_same() -> None:
    """Textual rebuilds a footer on every change of its screen's bindings (each focus change, each
    screen pushed or popped over it): every rebuild restyled all its keys and reflowed the whole
    screen, though the keys were the same. A rebuild now happens only when they differ."""
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(RankedFooter)
        keys = list(footer.query(FooterKey))
        assert keys
        footer.bindings_changed(app.screen)  # what the screen's bindings signal calls
        await settle(pilot)
        assert list(footer.query(FooterKey)) == keys
        assert all(key.is_attached for key in keys)
        # a change it shows is still shown: help hidden (as check_action hides keys elsewhere)
        allowed = app.check_action
        app.check_action = (  # type: ignore[method-assign]
            lambda action, parameters: action != "help" and allowed(action, parameters))
        app.refresh_bindings()
        await settle(pilot)
        shown = [key.action for key in footer.query(FooterKey) if key.display]
        assert shown == [key.action for key in keys[1:]]
