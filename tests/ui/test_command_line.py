"""``valr-tui --version``, ``valr-tui config`` and the demo that keeps its data between runs."""

from __future__ import annotations

import asyncio
import io
from contextlib import redirect_stdout
from decimal import Decimal
from pathlib import Path

import pytest

from tests.integration.test_engine_e2e import KEY, SECRET, settings_for, started
from valr_tui.cli import main
from valr_tui.config import load_settings
from valr_tui.launcher import demo_db_path, start_fresh
from valr_tui.show_config import config_command
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.safety import SafetyState
from valr_tui.trading.views import OrderRequest


def run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's --version exits
            code = int(exc.code or 0)
    return code, out.getvalue()


def test_version_prints_the_package_version() -> None:
    from importlib.metadata import version

    code, text = run_cli("--version")
    assert code == 0 and text.strip() == f"valr-tui {version('valr-tui')}"


def test_config_shows_each_value_with_its_source_and_never_a_credential(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("MAX_ORDER_ZAR=2500\nVALR_API_SECRET=s3cr3t-from-file\nMAX_SPREAD_PCT=\n")
    environ = {"VALR_API_KEY": "k3y-from-env", "MAX_ORDER_ZAR": "1000"}
    settings = load_settings(environ, env_file=env_file)
    out = io.StringIO()
    assert config_command(settings, str(env_file), "/data/demo.db", out, environ=environ) == 0
    text = out.getvalue()
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line and not line.startswith("#")}
    assert lines["MAX_ORDER_ZAR"][1:] == ["1000", "environment"]  # the environment wins over .env
    assert lines["VALR_API_KEY"][1:] == ["***", "environment"]
    assert lines["VALR_API_SECRET"][1:] == ["***", ".env"]
    assert lines["MAX_SPREAD_PCT"][1:] == ["1", "default"]  # an empty .env line means the default
    assert lines["EXECUTION_MODE"][1:] == ["DRY_RUN", "default"]
    assert "k3y-from-env" not in text and "s3cr3t-from-file" not in text
    assert "/data/demo.db" in text and settings.db_path in text and settings.log_path in text


def test_the_demo_database_lives_in_the_user_data_directory_under_a_demo_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    path = Path(demo_db_path())
    assert path.is_relative_to(tmp_path / "valr-tui") and "demo" in path.name
    assert path != Path(load_settings({}, env_file=None).db_path)


async def test_demo_data_survives_a_restart_and_the_cli_reads_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    db_path = demo_db_path()
    await asyncio.to_thread(Path(db_path).parent.mkdir, parents=True)
    async with SimulatorServer(KEY, SECRET, seed=11, tick_interval=None) as sim:
        settings = settings_for(sim, tmp_path).with_overrides(db_path=db_path)
        engine = await started(settings)
        try:
            bid = engine.market("BTCZAR").ticker.bid  # type: ignore[union-attr]
            result = await engine.submit(OrderRequest("BTCZAR", "BUY", bid - 5000, Decimal("0.001")))
            assert engine.safety is not None
            await engine.safety.raise_condition(SafetyState.LOCKDOWN, "demo mismatch")
        finally:
            await engine.stop()
        engine = await started(settings)  # a restart on the same demo data: LOCKDOWN is still on
        try:
            assert engine.safety_status().state is SafetyState.LOCKDOWN
            assert [o.correlation_id for o in await engine.orders()] == [result.correlation_id]
        finally:
            await engine.stop()
    # the CLI runs its own event loop
    code, text = await asyncio.to_thread(
        run_cli, "--env-file", str(tmp_path / "none.env"), "--demo", "audit", result.correlation_id)
    assert code == 0 and result.correlation_id in text and "BTCZAR" in text
    start_fresh(db_path)  # --fresh
    assert not await asyncio.to_thread(Path(db_path).exists)
