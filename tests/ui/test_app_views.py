"""Audit and journal screens, help, and demo fault keys."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest
from textual.widgets import DataTable, Input, Static

from tests.ui.fixtures import FakeEngine, settle
from tests.ui.pilot_helpers import SIZE, make_app, notifications, text_of
from valr_tui.ui.app import BURST_GATHER_S, BURST_QUIET_S, ValrApp


async def test_audit_view_filters_by_correlation_id_and_reconciles() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        audit = app.screen.query_one("#audit-table")
        assert audit.row_count == len(engine.audit_list)
        assert app.screen.query_one("#recon-table").row_count == 2
        app.screen.query_one("#cid-filter", Input).focus()
        await pilot.press(*"ord-seed0004", "enter")
        await settle(pilot)
        assert audit.row_count == 2
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert engine.reconcile_calls == 1
        assert "Reconciliation OK" in "\n".join(n.title for n in app._notifications)


async def test_journal_shows_totals_and_help_lists_every_action() -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert app.screen.query_one("#journal-table").row_count == 3
        totals = text_of(app, "#journal-totals")
        assert "WIN 1" in totals and "LOSS 1" in totals and "BREAKEVEN 1" in totals
        await pilot.press("escape", "f1")
        await pilot.pause()
        text = " ".join(str(w.render()) for w in app.screen.query("#help-dialog Static"))
        for label in ("Submit", "Cancel order", "Audit", "Journal", "Reconcile", "Unlock"):
            assert label in text


class FakeDemo:
    kinds = ("outage", "rate_limit_storm", "spread_blowout", "balance_drift", "price_shock", "ws_drop")

    def __init__(self) -> None:
        self.injected: list[str] = []

    async def inject_fault(self, kind: str) -> str:
        self.injected.append(kind)
        if kind == "outage":
            raise RuntimeError("simulator not reachable")
        return f"injected {kind}"


async def test_demo_keys_inject_faults_and_errors_become_notifications() -> None:
    engine = FakeEngine()
    demo = FakeDemo()
    app = ValrApp(engine, clock=engine.clock, demo=demo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert demo.injected == ["spread_blowout"]
        await pilot.press("f5")
        await settle(pilot)
        assert demo.injected[-1] == "outage"
        assert "simulator not reachable" in notifications(app)
        assert app.is_running


async def test_a_burst_of_engine_events_is_drawn_once() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        redraws = 0
        original = app._redraw

        def counting_redraw() -> None:
            nonlocal redraws
            redraws += 1
            original()

        app._redraw = counting_redraw  # type: ignore[method-assign]
        for _ in range(200):
            engine.emit("market")  # as the engine's tasks would, without yielding in between
        await pilot.pause()
        assert 1 <= redraws < 5  # the events rode along with the one redraw in flight


async def test_a_lone_change_is_drawn_after_a_quiet_millisecond_and_a_burst_within_its_limit() -> None:
    """The redraw waits for the rest of a change's burst (trade, summary, book ~0.5 ms apart) only
    while events keep coming: a lone change no longer waits the burst's whole 3 ms, and a stream
    of events never delays the redraw past 3 ms after the first."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app._last_redraw = time.monotonic() - 1  # no redraw within the last frame: nothing to space from
        engine.emit("market")
        handle = app._redraw_at
        assert handle is not None
        assert handle.when() - asyncio.get_running_loop().time() <= BURST_QUIET_S
        began = app._burst_began
        for _ in range(6):  # the burst's next parts, before the loop could run the redraw
            _busy_wait(0.0006)
            engine.emit("market")
        handle = app._redraw_at
        assert handle is not None
        assert asyncio.get_running_loop().time() > began + BURST_GATHER_S  # the burst outlasted the limit
        assert handle.when() <= asyncio.get_running_loop().time()  # so the redraw is due at once
        await pilot.pause()


def _busy_wait(seconds: float) -> None:
    """Hold the loop for ``seconds``, as the stream's handling of a frame does."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


async def test_an_error_in_a_gathered_redraw_ends_the_app_with_one_coded_line() -> None:
    """The gathered redraw is timed by a loop timer: an error in it still goes through the app's
    crash handling (one coded line, no crash report) instead of being lost in asyncio's log while
    the screen stops updating."""
    app, engine = make_app()

    def broken() -> None:
        raise RuntimeError("drawing failed")

    with pytest.raises(RuntimeError):  # run_test re-raises it for the test framework
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app._redraw = broken  # type: ignore[method-assign]
            engine.emit("market")
            await pilot.pause(0.1)
    assert app.return_code == 1
    assert app._exit_renderables == []
    assert app.crash_message is not None and "drawing failed" in app.crash_message


async def test_the_started_dashboard_is_frozen_out_of_the_collectors_passes() -> None:
    """Its screen and widgets live as long as the app; a full collection under a flood walked
    them all (230-320 ms with the imports unfrozen, ~45 ms frozen) while keys waited."""
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        walked = {id(obj) for obj in gc.get_objects()}
        assert id(app.main) not in walked
        assert id(app.main.query_one("#tickers")) not in walked


async def test_balances_show_total_available_reserved_and_the_portfolio_in_zar() -> None:
    from decimal import Decimal

    from valr_tui.ui.screens.balances import BalancesScreen

    for mode, mark in (("DRY_RUN", "PAPER"), ("LIVE", "LIVE")):
        engine = FakeEngine(execution_mode=mode)  # type: ignore[arg-type]
        app = ValrApp(engine, clock=engine.clock)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            await pilot.press("f4")
            await settle(pilot)
            assert isinstance(app.screen, BalancesScreen)
            table = app.screen.query_one("#balances-table", DataTable)
            assert [str(table.get_cell("ZAR", c)) for c in ("Total", "Available", "Reserved")] == [
                "R 100,000.00", "R 97,600.00", "R 2,400.00"]
            assert str(table.get_cell("ETH", "Reserved")) == "0.05000000 ETH"
            # BTC 0.0035 at mid 1,250,000 + ETH 0.08 at mid 45,010 + R 100,000
            expected = Decimal("100000") + Decimal("0.0035") * 1250000 + Decimal("0.08") * 45010
            total = str(app.screen.query_one("#balances-total", Static).render())
            assert f"Portfolio value R {expected:,.2f}" in total and mark in total
            title = str(app.screen.query_one("#balances-title", Static).render())
            assert ("PAPER" in title) == (mode == "DRY_RUN")
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is app.main


async def test_a_redraw_still_pending_when_the_app_closes_is_dropped() -> None:
    """An event just before the dashboard closes: its redraw falls due while the screen's widgets
    are being removed, and must not run on them (it raised NoMatches and crashed the exit)."""
    for _ in range(5):
        app, engine = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app._last_redraw = time.monotonic()  # just drawn: the next redraw waits a frame
            engine.emit("market")
        assert app.crash_message is None
