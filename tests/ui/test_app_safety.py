"""LOCKDOWN banner, disabled order entry, and the operator unlock modal."""

from __future__ import annotations

from textual.widgets import Input

from tests.ui.fixtures import Scenario, settle
from tests.ui.pilot_helpers import SIZE, make_app, text_of
from valr_tui.trading.safety import UNLOCK_PHRASE
from valr_tui.ui.screens.modals import UnlockScreen
from valr_tui.ui.widgets.orders import OrderForm
from valr_tui.ui.widgets.status import SafetyBanner


async def test_lockdown_arriving_while_running_shows_banner_at_once() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.screen.query_one(SafetyBanner).display
        engine.set_scenario(Scenario.LOCKDOWN)  # the engine's listener fires
        await pilot.pause()
        assert app.screen.query_one(SafetyBanner).display
        assert app.screen.query_one(OrderForm).disabled


async def test_lockdown_banner_disabled_form_and_unlock_modal() -> None:
    app, engine = make_app(Scenario.LOCKDOWN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        banner = app.screen.query_one(SafetyBanner)
        assert banner.display and banner.has_class("-lockdown")
        assert "LOCKDOWN" in str(banner.render()) and "mismatch 2.40%" in str(banner.render())
        assert app.screen.query_one(OrderForm).disabled
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert engine.submitted == []
        await pilot.press("ctrl+u")
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        app.screen.query_one("#operator", Input).value = "Thandi"
        app.screen.query_one("#reason", Input).value = "recon fixed"
        app.screen.query_one("#phrase", Input).focus()
        await pilot.press(*"unlock", "enter")
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)  # lower case is refused, the modal stays
        assert "VALR-SAF-002" in text_of(app, "#unlock-error")
        assert engine.unlock_calls == [("Thandi", "recon fixed", "unlock")]  # refused, and audited
        phrase = app.screen.query_one("#phrase", Input)
        phrase.value = ""
        phrase.focus()
        await pilot.press(*UNLOCK_PHRASE, "enter")
        await settle(pilot)
        assert engine.unlock_calls[-1] == ("Thandi", "recon fixed", UNLOCK_PHRASE)
        assert not isinstance(app.screen, UnlockScreen)
        assert not app.screen.query_one(SafetyBanner).display
        assert not app.screen.query_one(OrderForm).disabled
