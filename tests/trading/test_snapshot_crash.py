"""What a kill -9 costs the market snapshots: only the rows buffered since the last flush.

A child process feeds tickers into a ``MarketDataClient`` whose snapshot loop flushes every
FLUSH_S, buffers five more without a flush, and SIGKILLs itself. Every row flushed before the
kill is in the database, none of the last five is, and every ticker applied more than FLUSH_S
(plus 2 s of slack for a loaded machine) before the kill was stored: the loss is bounded by the
flush interval (``SnapshotPolicy.flush_interval_s``; 10 s by default).
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLUSH_S = 0.3
SLACK_S = 2.0

CHILD = """
import asyncio, json, os, signal, sys, time
from storage.db import Database
from storage.snapshots import SnapshotRepository
from tests.trading.market_fakes import SETTINGS, FakeSource, ticker
from valr_tui.trading.clock import system_clock
from valr_tui.trading.market_data import MarketDataClient, SnapshotPolicy
from valr_tui.trading.safety import SafetyController


async def main(path: str, flush_s: float) -> None:
    db = await Database.open(path)
    policy = SnapshotPolicy(flush_interval_s=flush_s, batch_rows=100_000)
    client = MarketDataClient(FakeSource(), SETTINGS, SafetyController(db), SnapshotRepository(db),
                              clock=system_clock, snapshot_policy=policy)
    flusher = asyncio.create_task(client._snapshot_loop())
    applied: list[float] = []
    started = time.monotonic()
    while time.monotonic() - started < 12 * flush_s:
        client.apply_update(ticker(last=str(len(applied) + 1)))
        applied.append(time.monotonic())
        await asyncio.sleep(0.01)
    for _ in range(5):  # buffered, never flushed
        client.apply_update(ticker(last=str(len(applied) + 1)))
        applied.append(time.monotonic())
    report = {"written": client.stats.snapshots_written, "applied_at": applied,
              "killed_at": time.monotonic(), "flusher_alive": not flusher.done()}
    sys.stdout.write(json.dumps(report) + "\\n")
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


asyncio.run(main(sys.argv[1], float(sys.argv[2])))
"""


def test_a_kill_9_loses_only_the_snapshots_since_the_last_flush(tmp_path: Path) -> None:
    db_path = tmp_path / "crash.db"
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(db_path), str(FLUSH_S)],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    report = json.loads(child.stdout.splitlines()[-1])
    assert report["flusher_alive"]
    applied_at: list[float] = report["applied_at"]
    with sqlite3.connect(db_path) as conn:
        stored = [int(row[0]) for row in conn.execute(
            "SELECT last FROM market_snapshots WHERE pair = 'BTCZAR' ORDER BY id")]
    # the rows are the first tickers, in order, without a gap: whole flushes, nothing torn
    assert stored == list(range(1, len(stored) + 1))
    assert len(stored) >= report["written"] > 0  # every flushed row survived the kill
    assert len(stored) <= len(applied_at) - 5  # the five buffered last were lost
    old_enough = sum(1 for at in applied_at if at < report["killed_at"] - FLUSH_S - SLACK_S)
    assert old_enough > 0 and len(stored) >= old_enough  # the loss is bounded by the interval
