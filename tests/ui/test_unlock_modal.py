"""The unlock dialog on the real engine: one dialog at a time, and a refusal says what is wrong."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_engine_e2e import KEY, SECRET, settings_for
from tests.ui.pilot_helpers import text_of
from tests.ui.test_app_real_engine import SIZE, drift_into_lockdown, type_keys, until
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.safety import UNLOCK_PHRASE, SafetyState
from valr_tui.ui.app import ValrApp
from valr_tui.ui.screens.modals import UnlockScreen


async def test_ctrl_u_in_the_open_dialog_stacks_no_second_one_and_a_refusal_names_what_is_missing(
    tmp_path: Path,
) -> None:
    async with SimulatorServer(KEY, SECRET, seed=3, tick_interval=None) as sim:
        engine = TradingEngine(settings_for(sim, tmp_path, execution_mode="LIVE",
                                            live_trading_confirmed=True))
        app = ValrApp(engine)
        async with app.run_test(size=SIZE) as pilot:
            await drift_into_lockdown(pilot, sim, engine)
            await until(pilot, lambda: engine.safety_status().state is SafetyState.LOCKDOWN, "LOCKDOWN")

            await pilot.press("ctrl+u")
            await until(pilot, lambda: isinstance(app.screen, UnlockScreen), "the dialog")
            await pilot.press("ctrl+u")  # a second press (or a readline habit) inside the dialog
            await pilot.pause()
            dialogs = [s for s in app.screen_stack if isinstance(s, UnlockScreen)]
            assert len(dialogs) == 1

            # The typed phrase is right; the reason is missing: the dialog must say so.
            await type_keys(pilot, "ops")
            await pilot.press("tab", "tab")
            await type_keys(pilot, UNLOCK_PHRASE)
            await pilot.press("enter")
            await until(pilot, lambda: "VALR-SAF-002" in text_of(app, "#unlock-error"), "the refusal")
            error = text_of(app, "#unlock-error")
            assert "reason" in error
            assert "exactly" not in error  # the phrase was typed exactly: do not blame it

            await pilot.press("escape")
            await pilot.pause()
            assert not [s for s in app.screen_stack if isinstance(s, UnlockScreen)]
            assert engine.safety_status().state is SafetyState.LOCKDOWN
            await engine.stop()
