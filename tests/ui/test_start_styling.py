"""The main screen's widgets are styled once at start-up: its first resume follows their mount,
whose styles are fresh, and its breakpoint class (-narrow / -wide) is set before they mount; each
used to match every widget's styles again (Textual's resume does, and the first resize set the
class). A later resume that asks for it still restyles, and the first frame is the same (the
snapshots)."""

from __future__ import annotations

import pytest
from textual import events
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.widgets import Input

from tests.ui.fixtures import settle
from tests.ui.pilot_helpers import SIZE, make_app
from valr_tui.ui.app import MainScreen
from valr_tui.ui.screens.modals import HelpScreen

NARROW = (80, 24)  # the body scrolls, so it is what the screen focuses first


async def test_only_a_resume_after_another_screen_restyles_the_main_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resumes: list[MainScreen] = []
    restyle = MainScreen.update_node_styles

    def counted(self: MainScreen, animate: bool = True) -> None:
        if not animate:  # Textual's resume and its breakpoint classes ask so
            resumes.append(self)
        restyle(self, animate)

    monkeypatch.setattr(MainScreen, "update_node_styles", counted)
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert resumes == []
        assert app.main.has_class("-wide") and not app.main.has_class("-narrow")
        assert app.screen.query_one("#price", Input).has_focus  # styled as focused all the same
        app.action_help()
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        app.pop_screen()  # Textual's pop resumes without restyling
        await settle(pilot)
        app.main.post_message(events.ScreenResume())  # a resume that asks for it still restyles
        await settle(pilot)
        assert resumes == [app.main]


async def test_the_body_s_focus_restyles_the_body_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """No style below the body depends on its focus; Textual restyled all ~50 widgets under it
    (the screen focuses it first at start-up, and again on every return to it)."""
    app, _engine = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        body = app.main.query_one("#body", VerticalScroll)
        styled: list[object] = []
        apply = app.stylesheet.apply

        def counted(node: DOMNode, *args: object, **kwargs: object) -> None:
            styled.append(node)
            apply(node, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(app.stylesheet, "apply", counted)
        app.main.query_one("#price", Input).focus()
        await settle(pilot)
        body.focus()
        await settle(pilot)
        assert body.has_focus and body in styled
        # the body and its scrollbars, the field it took the focus from with its component classes
        assert len(styled) <= 30, styled  # (Textual: 200, every widget under the body)
