"""An engine that cannot start ends the dashboard with its coded error instead of a dead screen."""

from __future__ import annotations

from tests.ui.fixtures import FakeEngine
from valr_tui.errors import LiveTradingNotConfirmedError
from valr_tui.ui.app import EXIT_START_FAILED, ValrApp


class GatedEngine(FakeEngine):
    async def start(self) -> None:
        raise LiveTradingNotConfirmedError()


async def test_live_gate_at_start_ends_the_app_with_the_coded_error() -> None:
    app = ValrApp(GatedEngine())
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(100):
            if app.start_error is not None:
                break
            await pilot.pause(0.01)
        assert app.start_error is not None and app.start_error.code == "VALR-SEC-002"
        assert app._exit and app.return_code == EXIT_START_FAILED
