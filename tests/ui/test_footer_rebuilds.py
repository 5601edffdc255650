"""The footer is rebuilt only when the keys it shows change (it was rebuilt, ~20 keys each time, on
every move of the focus), and one whose keys changed shows the new keys."""

from __future__ import annotations

from textual.widgets import Input
from textual.widgets._footer import FooterKey

from tests.ui.fixtures import Scenario, settle
from tests.ui.pilot_helpers import SIZE, make_app
from valr_tui.ui.widgets.footer import RankedFooter


async def test_moving_the_focus_between_fields_keeps_the_same_footer_keys() -> None:
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(RankedFooter)
        keys = list(footer.query(FooterKey))
        assert keys and all(key.has_class("-compact") for key in keys)
        for field in ("quantity", "note", "price"):
            app.screen.query_one(f"#{field}", Input).focus()
            await pilot.pause()
        assert list(footer.query(FooterKey)) == keys  # the very same widgets: nothing rebuilt


async def test_keys_that_change_rebuild_the_footer() -> None:
    """LOCKDOWN brings the unlock key: the footer shows it (and every key as ranked)."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(RankedFooter)

        def shows_unlock() -> bool:
            return any(key.action == "unlock" for key in footer.query(FooterKey))

        assert not shows_unlock()
        engine.set_scenario(Scenario.LOCKDOWN)
        await settle(pilot)
        assert shows_unlock()
        shown = [(key.key, key.action) for key in footer.query(FooterKey)]
        assert shown == [(binding.key, binding.action) for binding, _on, _tip in footer._ranked()]
        assert all(key.has_class("-compact") for key in footer.query(FooterKey))
