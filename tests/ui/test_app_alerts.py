"""Alerts: price and percent-move alerts set by key; LOCKDOWN, SAFE-IDLE, fills and alerts ring
the bell, reach the desktop when enabled, and land in the alert log."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from textual.widgets import DataTable, Input

from tests.ui.fixtures import Scenario, settle
from tests.ui.pilot_helpers import SIZE, make_app, text_of
from valr_tui.errors import AlertError
from valr_tui.trading.views import OrderState
from valr_tui.ui.alerts import AlertBook, osc_notification, parse_alert
from valr_tui.ui.app import ValrApp
from valr_tui.ui.screens.alerts import AlertsScreen


def test_an_alert_is_a_price_either_side_of_the_last_or_a_move() -> None:
    last = Decimal(1_250_000)
    assert parse_alert("1,300,000", "BTCZAR", last, 1).kind == "above"
    assert parse_alert("1200000", "BTCZAR", last, 2).kind == "below"
    move = parse_alert("5%", "BTCZAR", last, 3)
    assert (move.kind, move.level) == ("move", Decimal(5))
    for bad in ("abc", "-5%", "0", "1250000"):
        with pytest.raises(AlertError):
            parse_alert(bad, "BTCZAR", last, 4)
    book = AlertBook()
    book.add("5%", "BTCZAR", last)
    book.add("1300000", "BTCZAR", last)
    assert book.check("BTCZAR", Decimal(1_280_000)) == []
    assert [a.kind for a in book.check("BTCZAR", Decimal(1_312_500))] == ["move", "above"]  # +5% exactly
    assert book.active == []  # each rings once


def test_an_alert_on_a_usdc_pair_speaks_usdc_with_every_digit() -> None:
    last = Decimal("61000.5")
    assert parse_alert("62000.25", "BTCUSDC", last, 1).describe() == "BTCUSDC above 62,000.25 USDC"
    assert parse_alert("2%", "BTCUSDC", last, 2).describe() == "BTCUSDC moves 2.00% from 61,000.50 USDC"
    assert parse_alert("2.3456", "DOGEZAR", Decimal(3), 3).describe() == "DOGEZAR below R 2.3456"
    with pytest.raises(AlertError, match=r"^\[VALR-ALR-001\] 61,000.50 USDC is the last price already$"):
        parse_alert("61000.5", "BTCUSDC", last, 4)


def test_the_desktop_escape_carries_no_control_characters() -> None:
    text = osc_notification("valr-tui FILL", "BUY\x1b]0;evil\x07 0.001")
    assert text.startswith("\x1b]9;") and text.count("\x07") == 2 and "evil\x07" not in text


def rang(app: ValrApp) -> list[str]:
    return [n.title for n in app._notifications if n.title.startswith("Alert:")]


async def test_a_price_alert_set_by_key_rings_once_with_the_bell_and_the_desktop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, engine = make_app()
    bells: list[int] = []
    desktop: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(1))
    app._desktop = lambda title, body: desktop.append((title, body))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert isinstance(app.screen, AlertsScreen)
        app.screen.query_one("#alert-input", Input).value = "1260000"
        await pilot.press("enter")
        await settle(pilot)
        assert "BTCZAR above R 1,260,000.00" in text_of(app, "#alert-error")
        await pilot.press("escape")
        engine.set_book_top("BTCZAR", "1259900", "1260100")  # bid and ask move; the last trade has not
        await settle(pilot)
        assert rang(app) == []
        original = engine.market

        def moved(pair: str) -> Any:  # a trade at R 1,261,000
            view = original(pair)
            if pair != "BTCZAR" or view.ticker is None:
                return view
            return replace(view, ticker=replace(view.ticker, last=Decimal(1_261_000)))

        monkeypatch.setattr(engine, "market", moved)
        engine.emit("market")
        await settle(pilot)
        assert rang(app) == ["Alert: PRICE"] and len(bells) == 1
        assert desktop and "above R 1,260,000.00" in desktop[0][1]
        engine.emit("market")
        await settle(pilot)
        assert len(bells) == 1  # it rang once
        await pilot.press("ctrl+b")
        await settle(pilot)
        log = app.screen.query_one("#alerts-log", DataTable)
        assert log.row_count == 1 and str(log.get_row_at(0)[1]) == "PRICE"


async def test_lockdown_safe_idle_and_fills_ring(monkeypatch: pytest.MonkeyPatch) -> None:
    app, engine = make_app()
    bells: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rang(app) == []  # NORMAL at start, and fills from before are not news
        engine.set_scenario(Scenario.SAFE_IDLE)
        await settle(pilot)
        engine.set_scenario(Scenario.LOCKDOWN)
        await settle(pilot)
        assert rang(app) == ["Alert: SAFE-IDLE", "Alert: LOCKDOWN"]
        engine.set_scenario(Scenario.NORMAL)
        await settle(pilot)
        index = next(i for i, o in enumerate(engine.orders_list) if o.state is OrderState.OPEN)
        engine.orders_list[index] = replace(engine.orders_list[index], filled_quantity=Decimal("0.001"),
                                            state=OrderState.PARTIALLY_FILLED)
        engine.emit("orders")
        await settle(pilot)
        assert rang(app)[-1] == "Alert: FILL" and len(bells) == 3
