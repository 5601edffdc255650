"""Audit and journal screens, help, and demo fault keys."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from tests.ui.fixtures import FakeEngine, settle
from tests.ui.pilot_helpers import SIZE, make_app, notifications, text_of
from valr_tui.ui.app import ValrApp


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
        assert 1 <= redraws < 5  # queued EngineChanged messages replaced each other


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
