"""Helpers for the pilot tests: build the app on a FakeEngine, read widgets, type orders."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static

from tests.ui.fixtures import FakeEngine, Scenario
from valr_tui.ui.app import ValrApp

SIZE = (120, 36)


def make_app(scenario: Scenario = Scenario.NORMAL, **kwargs: Any) -> tuple[ValrApp, FakeEngine]:
    engine = FakeEngine(scenario, **kwargs)
    return ValrApp(engine, clock=engine.clock), engine


def text_of(app: ValrApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def notifications(app: ValrApp) -> str:
    return "\n".join(n.message for n in app._notifications)


async def fill_order(pilot: Any, price: str, quantity: str) -> None:
    """Set price and quantity as if typed (Input.Changed fires, so the preview updates). Typing
    every character through the pilot costs ~0.15 s a key; one test does type a whole order."""
    app = pilot.app
    app.screen.query_one("#price", Input).value = price
    app.screen.query_one("#quantity", Input).value = quantity
    await pilot.pause()


