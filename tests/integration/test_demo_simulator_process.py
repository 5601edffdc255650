"""``--demo``'s simulator runs in a process of its own (``launcher.SimulatorProcess``): the demo
works through it, it never outlives the dashboard, and its credentials never reach a command
line."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from valr_tui.config import load_settings
from valr_tui.launcher import SimulatorProcess, demo_session, simulator_log_path
from valr_tui.trading.engine import TradingEngine


def _simulator_children() -> list[int]:
    """The pids of this process's demo-simulator children (from ``/proc``)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = stat.read_text().rsplit(")", 1)[1].split()[1]
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if ppid == str(os.getpid()) and b"valr_tui.demo_simulator" in cmdline:
            found.append(int(stat.parent.name))
    return found


def _ended(pid: int) -> bool:
    """Gone, or a zombie nobody has reaped yet (a container's init may not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def _wait_ended(pid: int, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if _ended(pid):
            return True
        time.sleep(0.05)
    return False


async def _first_price(engine: TradingEngine) -> str:
    await engine.start()
    try:
        await engine.wait_until_trading_ready(within_s=10)
        ticker = engine.market("BTCZAR").ticker
        assert ticker is not None
        return str(ticker.last)
    finally:
        await engine.stop()


def test_the_demo_trades_against_a_simulator_process_that_ends_with_the_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("PAIRS", "BTCZAR,ETHZAR")
    settings = load_settings(env_file=tmp_path / "none.env").with_overrides(
        log_path=str(tmp_path / "valr-tui.log"))
    with demo_session(settings, fresh=True) as (engine, faults):
        (pid,) = _simulator_children()  # not a thread of this process
        assert engine.settings.base_url.startswith("http://127.0.0.1:")
        assert float(asyncio.run(_first_price(engine))) > 0
        assert faults.kinds  # the fault switches talk to it over HTTP, as before
    assert _wait_ended(pid, within_s=0.5) and not _simulator_children()
    assert Path(simulator_log_path(settings.log_path)).name == "valr-tui-simulator.log"


def test_its_credentials_are_not_on_its_command_line(tmp_path: Path) -> None:
    with SimulatorProcess(str(tmp_path / "sim.log")) as sim:
        assert sim.pid is not None
        cmdline = Path(f"/proc/{sim.pid}/cmdline").read_bytes()
        environ = Path(f"/proc/{sim.pid}/environ").read_bytes()
    assert sim.api_secret.encode() not in cmdline and sim.api_key.encode() not in cmdline
    assert sim.api_secret.encode() not in environ


def test_it_stops_when_the_dashboard_is_killed_without_a_word(tmp_path: Path) -> None:
    """SIGKILL leaves no time to clean up: the kernel closing the pipe is what stops it."""
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from valr_tui.launcher import SimulatorProcess\n"
         f"sim = SimulatorProcess({str(tmp_path / 'sim.log')!r})\n"
         "sim.start(); sim.wait_ready()\n"
         "print(sim.pid, flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        assert not _ended(pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        assert _wait_ended(pid), "the simulator outlived the dashboard"
    finally:
        parent.kill()
        parent.wait()


def test_a_simulator_that_cannot_start_says_why(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    with pytest.raises(RuntimeError, match=r"did not start: .*VALR-CFG.*cannot be written"):
        SimulatorProcess(str(blocked / "sim.log")).__enter__()
