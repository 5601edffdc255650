"""Crash test: kill -9 a LIVE engine at random moments, many times; nothing lost, nothing twice.

A standalone simulator runs as its own process. ``crash_child.py`` opens the engine on one
database, resolves what the last kill left pending, reports READY, then places orders and
flushes snapshots in a loop until the parent SIGKILLs it after a random delay. After every
restart (once the child's recovery has run): ``PRAGMA integrity_check`` is "ok", every order the
exchange knows (by customerOrderId) is in the database exactly once and resolved, no
customerOrderId is on the exchange twice, and a LOCKDOWN committed before a kill is still
LOCKDOWN after it.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.reliability.helpers import KEY, SECRET
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.secrets import Secret

CHILD = Path(__file__).with_name("crash_child.py")
ROOT = Path(__file__).resolve().parents[2]
KILLS = 10  # ~1.7 s each (a fresh interpreter and engine per restart)
LOCK_BEFORE_KILL = KILLS - 2  # the last kills happen in LOCKDOWN
KILL_AFTER_S = (0.05, 0.9)  # a random moment inside the order loop
LINE_TIMEOUT_S = 30.0
# READY can follow a rate-limit pause (crash_child.py: up to a minute, VALR's public window)
# and the child's own 15 s after it.
READY_TIMEOUT_S = 90.0


@dataclass
class Simulator:
    process: asyncio.subprocess.Process
    base_url: str

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://")


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VALR_", "EXECUTION_MODE"))}
    return env | {"VALR_API_KEY": KEY, "VALR_API_SECRET": SECRET, "PYTHONPATH": str(ROOT)}


def stderr_tail(errors: Path | None) -> str:
    if errors is None or not errors.exists():
        return ""
    return errors.read_text(errors="replace")[-3000:]


async def read_line(stream: asyncio.StreamReader | None, what: str, errors: Path | None = None,
                    timeout_s: float = LINE_TIMEOUT_S) -> str:
    assert stream is not None
    try:
        line = await asyncio.wait_for(stream.readline(), timeout_s)
    except TimeoutError:
        line = b""
    if not line:
        raise AssertionError(f"no {what} in {timeout_s} s; child stderr ends:\n{stderr_tail(errors)}")
    return line.decode().strip()


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "valr_tui.simulator", "--port", "0", "--api-key", KEY,
        "--seed", "5", "--tick-interval", "0.2",
        stdout=asyncio.subprocess.PIPE, env=child_env(), cwd=ROOT,
    )
    try:
        banner = await read_line(process.stdout, "the simulator's banner")
        match = re.search(r"REST (http://\S+)", banner)
        assert match, banner
        yield Simulator(process, match.group(1))
    finally:
        process.terminate()
        await process.wait()


async def exchange_orders(sim: Simulator) -> Counter[str]:
    """customerOrderId -> how many orders the exchange has with it (open and closed)."""
    signer = VALRSigner(Secret(KEY), Secret(SECRET))
    counts: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=sim.base_url) as http:
        skip = 0
        while True:
            path = f"/v1/orders/history?skip={skip}&limit=500"
            response = await http.get(path, headers=signer.headers("GET", path))
            response.raise_for_status()
            page = json.loads(response.text)
            counts.update(o["customerOrderId"] for o in page if o.get("customerOrderId"))
            if len(page) < 500:
                return counts
            skip += 500


def database_facts(db_path: Path) -> tuple[str, dict[str, str], Counter[str], str]:
    """(integrity_check, correlation id -> status, correlation id counts, safety state)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        rows = db.execute(
            "SELECT correlation_id, customer_order_id, status FROM trading_orders"
            " WHERE execution_mode = 'LIVE'"
        ).fetchall()
        state = db.execute("SELECT state FROM safety_state WHERE id = 1").fetchone()[0]
    assert all(cid == customer for cid, customer, _ in rows)  # the idempotency key is the cid
    return integrity, {cid: status for cid, _, status in rows}, Counter(c for c, _, _ in rows), state


async def start_child(
    sim: Simulator, db_path: Path, *, base_url: str | None = None, mixed: bool = False
) -> tuple[asyncio.subprocess.Process, str, int]:
    """Start the child (its warnings go to crash-child.err beside the database) and wait for READY.
    ``base_url`` puts something (a lossy proxy) between the child and the simulator's REST API."""
    error_log = db_path.parent / "crash-child.err"
    with error_log.open("ab") as errors:
        child = await asyncio.create_subprocess_exec(
            sys.executable, str(CHILD), base_url or sim.base_url, sim.ws_url, str(db_path),
            *(["MIXED"] if mixed else []),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=errors,
            env=child_env(), cwd=ROOT,
        )
    ready = await read_line(child.stdout, "READY", error_log, READY_TIMEOUT_S)
    word, state, resolved = ready.split()
    assert word == "READY", ready
    return child, state, int(resolved)


async def send(child: asyncio.subprocess.Process, command: str) -> None:
    assert child.stdin is not None
    child.stdin.write(f"{command}\n".encode())
    await child.stdin.drain()


async def test_kill_9_during_live_orders_loses_and_duplicates_nothing(
    simulator: Simulator, tmp_path: Path
) -> None:
    rng = random.Random(20261124)
    db_path = tmp_path / "crash.db"
    locked = False
    recovered_total = 0
    started = time.monotonic()
    child, state, _ = await start_child(simulator, db_path)
    for kill in range(1, KILLS + 1):
        if kill == LOCK_BEFORE_KILL:
            await send(child, "LOCK")
            assert await read_line(child.stdout, "LOCKED", tmp_path / "crash-child.err") == "LOCKED"
            locked = True
        else:
            await send(child, "GO")
        await asyncio.sleep(rng.uniform(*KILL_AFTER_S))
        child.kill()
        await child.wait()

        child, state, resolved = await start_child(simulator, db_path)
        recovered_total += resolved
        integrity, stored, row_counts, db_state = database_facts(db_path)
        on_exchange = await exchange_orders(simulator)
        assert integrity == "ok", f"kill {kill}: {integrity}"
        assert not [c for c, n in on_exchange.items() if n > 1], f"kill {kill}: placed twice"
        assert not [c for c, n in row_counts.items() if n > 1]
        missing = set(on_exchange) - set(stored)
        assert not missing, f"kill {kill}: acknowledged by VALR, not in the database: {missing}"
        pending = [c for c, s in stored.items() if s in ("PENDING_SUBMIT", "UNKNOWN")]
        assert not pending, f"kill {kill}: unresolved after recovery: {pending}"
        failed_but_resting = [c for c, s in stored.items() if s == "FAILED" and c in on_exchange]
        assert not failed_but_resting, f"kill {kill}: FAILED while on the exchange: {failed_but_resting}"
        never_placed = {c: s for c, s in stored.items() if c not in on_exchange and s != "FAILED"}
        assert not never_placed, f"kill {kill}: rows claim orders VALR does not have: {never_placed}"
        if locked:
            assert state == db_state == "LOCKDOWN", f"kill {kill}: LOCKDOWN lost ({state}, {db_state})"
    child.kill()
    await child.wait()
    orders = len(on_exchange)
    assert orders >= KILLS, "too few orders reached the exchange for the kills to mean anything"
    print(f"\ncrash test: {KILLS} kills, {orders} orders on the exchange, {len(stored)} rows,"
          f" {recovered_total} resolved by recovery, {time.monotonic() - started:.1f} s")


async def exchange_fills(sim: Simulator) -> dict[str, Decimal]:
    """customerOrderId -> the quantity the exchange says it filled."""
    signer = VALRSigner(Secret(KEY), Secret(SECRET))
    path = "/v1/orders/history?skip=0&limit=500"
    async with httpx.AsyncClient(base_url=sim.base_url) as http:
        response = await http.get(path, headers=signer.headers("GET", path))
        response.raise_for_status()
    return {
        o["customerOrderId"]: Decimal(o["originalQuantity"]) - Decimal(o["remainingQuantity"])
        for o in json.loads(response.text) if o.get("customerOrderId")
    }


def stored_fills(db_path: Path) -> dict[str, Decimal]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10) as db:
        rows = db.execute("SELECT correlation_id, quantity FROM order_fills").fetchall()
    totals: dict[str, Decimal] = {}
    for cid, quantity in rows:
        totals[cid] = totals.get(cid, Decimal(0)) + Decimal(quantity)
    return totals


PROXY_KILLS = 6


async def test_kill_9_behind_a_lossy_proxy_places_and_fills_each_order_once(
    simulator: Simulator, tmp_path: Path
) -> None:
    """Marketable and resting orders through a proxy that drops, 504s and slows the answers the
    simulator already acted on, killed at random moments: every order once on the exchange and
    once in the database, never FAILED while the exchange has it, every fill stored once."""
    from tests.reliability.lossy_proxy import LossyProxy

    rng = random.Random(20261202)
    db_path = tmp_path / "lossy.db"
    async with LossyProxy(simulator.base_url, probability=0.4, delay_s=0.4, seed=5) as proxy:
        child, _, _ = await start_child(simulator, db_path, base_url=proxy.base_url, mixed=True)
        for kill in range(1, PROXY_KILLS + 1):
            await send(child, "GO")
            await asyncio.sleep(rng.uniform(0.2, 1.2))
            child.kill()
            await child.wait()
            child, _, _ = await start_child(simulator, db_path, base_url=proxy.base_url, mixed=True)
            _, stored, row_counts, _ = database_facts(db_path)
            on_exchange = await exchange_orders(simulator)
            assert not [c for c, n in on_exchange.items() if n > 1], f"kill {kill}: placed twice"
            assert not [c for c, n in row_counts.items() if n > 1]
            assert set(on_exchange) <= set(stored), f"kill {kill}: on VALR, not in the database"
            unresolved = [c for c, s in stored.items() if s in ("PENDING_SUBMIT", "UNKNOWN")]
            assert not unresolved, f"kill {kill}: unresolved after recovery: {unresolved}"
            wrong = {c: s for c, s in stored.items() if (c in on_exchange) == (s == "FAILED")}
            assert not wrong, f"kill {kill}: FAILED exactly when VALR has no such order: {wrong}"
        await asyncio.sleep(6)  # one round of the order follower after the last restart
        child.kill()
        await child.wait()
    filled_there = await exchange_fills(simulator)
    filled_here = stored_fills(db_path)
    mismatched = {c: (q, filled_here.get(c, Decimal(0))) for c, q in filled_there.items()
                  if q != filled_here.get(c, Decimal(0))}
    assert not mismatched, f"fills stored differ from the exchange's: {mismatched}"
    assert sum(proxy.spoiled.values()) >= 3, proxy.spoiled
    assert any(q > 0 for q in filled_there.values()), "nothing filled: resends were never at risk"
    print(f"\nlossy crash test: {PROXY_KILLS} kills, {len(filled_there)} orders on the exchange,"
          f" {sum(1 for q in filled_there.values() if q > 0)} filled, spoiled {dict(proxy.spoiled)}")
