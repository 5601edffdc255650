"""valr_tui.api is enough for a script: settings, the engine, order requests and views, and the
simulator (embedded in a thread, or as a server in the script's own loop)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import valr_tui.api as api
from valr_tui.api import (
    OrderRequest,
    OrderState,
    SimulatorServer,
    TradingEngine,
    load_settings,
    simulator_settings,
)

ROOT = Path(__file__).resolve().parents[2]

# A whole script, as the README shows it: it imports nothing of the project but valr_tui.api.
SCRIPT = '''
import asyncio
import json
import sys

from valr_tui.api import EmbeddedSimulator, OrderRequest, TradingEngine, load_settings, simulator_settings


async def place(settings):
    engine = TradingEngine(settings)
    await engine.start()
    try:
        await engine.wait_until_trading_ready(within_s=20)
        bid = engine.market("BTCZAR").ticker.bid
        result = await engine.submit(OrderRequest("BTCZAR", "BUY", str(bid - 5000), "0.001"))
        [order] = await engine.orders()
        return {"mode": engine.execution_mode, "order_id": result.order_id, "simulated": result.is_simulated,
                "stored": order.correlation_id == result.correlation_id, "price": str(order.price)}
    finally:
        await engine.stop()


with EmbeddedSimulator(seed=11) as sim:
    settings = simulator_settings(load_settings({}, env_file=None), sim.base_url, sim.ws_url,
                                  sim.api_key, sim.api_secret, db_path=sys.argv[1])
    print(json.dumps(asyncio.run(place(settings))))
'''


def test_the_script_imports_only_the_public_api() -> None:
    imported = {
        node.module for node in ast.walk(ast.parse(SCRIPT))
        if isinstance(node, ast.ImportFrom) and node.module
    } | {alias.name for node in ast.walk(ast.parse(SCRIPT)) if isinstance(node, ast.Import)
         for alias in node.names}
    assert {m for m in imported if m.split(".")[0] in ("valr_tui", "storage")} == {"valr_tui.api"}
    assert set(api.__all__) <= set(dir(api))


def test_a_script_places_a_paper_order_against_the_embedded_simulator(tmp_path: Path) -> None:
    db_path = tmp_path / "script.db"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(db_path)], cwd=tmp_path, capture_output=True, text=True,
        timeout=90, check=False, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["mode"] == "DRY_RUN" and report["simulated"] is True
    assert report["order_id"].startswith("DRY_") and report["stored"] is True
    assert db_path.is_file()


async def test_a_script_drives_the_engine_against_a_simulator_server(tmp_path: Path) -> None:
    async with SimulatorServer("api-key-0123456789", "api-secret-0123456789abcdef", seed=5,
                               tick_interval=None) as sim:
        settings = simulator_settings(load_settings({}, env_file=None), sim.base_url, sim.ws_url,
                                      "api-key-0123456789", "api-secret-0123456789abcdef",
                                      db_path=tmp_path / "server.db")
        engine = TradingEngine(settings)
        await engine.start()
        try:
            await engine.wait_until_trading_ready(within_s=10)
            ticker = engine.market("BTCZAR").ticker
            assert ticker is not None
            result = await engine.submit(OrderRequest("BTCZAR", "BUY", str(ticker.bid - 5000), "0.001"))
            assert result.is_simulated and result.state is OrderState.OPEN
            [order] = await engine.orders()
            assert order.correlation_id == result.correlation_id
        finally:
            await engine.stop()
        # a paper order never reaches the exchange's order endpoints
        assert not [p for _, p in sim.exchange.request_log if p.startswith("/v1/orders")]
