"""The demo's f5 outage is the whole exchange going away: SAFE-IDLE follows from it alone."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from tests.integration.test_engine_e2e import KEY, SECRET, settings_for, started
from valr_tui.launcher import SimulatorFaults
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.safety import SafetyState
from valr_tui.trading.views import ConnectionState


async def test_the_demo_outage_alone_stops_the_stream_and_reaches_safe_idle(tmp_path: Path) -> None:
    async with SimulatorServer(KEY, SECRET, seed=5, tick_interval=0.05) as sim:
        settings = settings_for(sim, tmp_path, stale_after_s=Decimal("1"), safe_idle_after_s=Decimal("2"))
        engine = await started(settings)
        try:
            assert engine.connection_state() is ConnectionState.WS
            await SimulatorFaults(sim.base_url, settings).inject_fault("outage")
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10
            while engine.safety_status().state is not SafetyState.SAFE_IDLE:
                assert loop.time() < deadline, (
                    f"no SAFE-IDLE after the outage; stream {engine.connection_state()},"
                    f" BTCZAR age {engine.market('BTCZAR').age(loop.time())}")
                await asyncio.sleep(0.05)
            assert engine.connection_state() is not ConnectionState.WS
        finally:
            await engine.stop()
