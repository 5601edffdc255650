"""Fault soak (run by test_fault_soak_dry_run.py and test_fault_soak_live.py): the whole engine
(DRY_RUN and LIVE) against the simulator while it cycles through
every fault kind. Nothing may crash, the safety states must enter and leave as specified, nothing
may be sent while VALR says "rate limited", and every LIVE order must end up known exactly once.

Time: the engine runs on a ``SkewClock`` the test jumps forward (stale data / Safe-Idle without
waiting 60 s); the simulator runs on another whose offset puts the next calendar minute ~2 s away
when the rate-limit storm starts, so VALR's minute window (its 429 has no Retry-After) reopens soon.
Faults last 1-2 s.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from storage.orders import OrderState
from tests.reliability.helpers import (
    KEY,
    SECRET,
    SkewClock,
    TimedLog,
    install_timed_log,
    settings_for,
    uninstall_timed_log,
    wait_for,
    wait_trading_ready,
)
from valr_tui.errors import ValrTuiError
from valr_tui.exchange.rate_limiter import limit_scope
from valr_tui.simulator.faults import FAULT_KINDS
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.safety import SafetyState
from valr_tui.trading.views import OrderRequest

# Faults the soak drives (balance_drift is a one-shot LOCKDOWN trigger, covered by the e2e tests).
SOAKED_KINDS = tuple(k for k in FAULT_KINDS if k != "balance_drift")
STORM_LEAD_S = 2.0  # the storm starts this long before the simulator's next calendar minute


@dataclass
class SoakRecord:
    faults: Counter[str] = field(default_factory=Counter)
    submitted: list[str] = field(default_factory=list)  # correlation ids that reached the DB
    coded_refusals: Counter[str] = field(default_factory=Counter)
    safety_seen: list[SafetyState] = field(default_factory=list)
    step_seconds: dict[str, float] = field(default_factory=dict)


SoakFixture = tuple[SimulatorServer, SkewClock, TimedLog]


# How late a request already on its way when the 429 was answered may still be logged.
IN_FLIGHT_S = 0.25


@pytest.fixture
async def sim_and_clock() -> AsyncIterator[SoakFixture]:
    sim_clock = SkewClock()
    async with SimulatorServer(
        KEY, SECRET, seed=11, tick_interval=None, clock=sim_clock, timestamp_window_s=120.0
    ) as server:
        try:
            yield server, sim_clock, install_timed_log(server, sim_clock)
        finally:
            uninstall_timed_log()


class Soak:
    def __init__(self, sim: SimulatorServer, sim_clock: SkewClock, engine: TradingEngine,
                 engine_clock: SkewClock) -> None:
        self.sim, self.sim_clock, self.engine, self.engine_clock = sim, sim_clock, engine, engine_clock
        self.record = SoakRecord()
        self._last_mark = time.monotonic()
        engine.subscribe(self._on_event)

    def _on_event(self, kind: str) -> None:
        if kind == "safety":
            state = self.engine.safety_status().state
            if not self.record.safety_seen or self.record.safety_seen[-1] is not state:
                self.record.safety_seen.append(state)

    def mark(self, step: str) -> None:
        now = time.monotonic()
        self.record.step_seconds[step] = round(now - self._last_mark, 2)
        self._last_mark = now

    def fault(self, kind: str, duration_s: float, **params: Any) -> None:
        self.sim.exchange.inject_fault(kind, str(duration_s), **params)  # no floats on the gateway
        self.record.faults[kind] += 1

    async def fault_gone(self, kind: str, within_s: float = 6.0) -> None:
        await wait_for(lambda: all(f["kind"] != kind for f in self.sim.exchange.active_faults()),
                       within_s, f"{kind} to expire")

    async def try_order(self) -> None:
        """A resting BUY 10% under the bid: accepted, pending, or refused with a coded error."""
        ticker = self.engine.market("BTCZAR").ticker
        assert ticker is not None
        price = (ticker.bid * Decimal("0.9")).quantize(Decimal(1))
        try:
            result = await self.engine.submit(OrderRequest("BTCZAR", "BUY", str(price), "0.0001"))
        except ValrTuiError as exc:
            self.record.coded_refusals[exc.code] += 1
            return
        self.record.submitted.append(result.correlation_id)

    def tasks_alive(self) -> None:
        tasks = self.engine._tasks
        assert tasks, "the engine started no tasks"
        # The pairs loader ends by design once metadata is loaded; every other loop runs forever.
        dead = [t.get_name() for t in tasks if t.done() and t.get_name() != "engine:pairs"]
        assert not any(t.done() and (t.cancelled() or t.exception()) for t in tasks)
        assert not dead, f"engine tasks ended: {dead}"

    async def normal_again(self, within_s: float = 8.0) -> None:
        # The controller's state turns NORMAL before the transition is persisted; its "safety"
        # event follows the commit. Wait for both, so the engine is not stopped mid-commit.
        def normal() -> bool:
            seen = self.record.safety_seen
            return self.engine.safety_status().state is SafetyState.NORMAL and bool(seen) and (
                seen[-1] is SafetyState.NORMAL
            )

        await wait_for(normal, within_s, f"NORMAL (now {self.engine.safety_status()})")


async def run_fault_cycle(soak: Soak, live: bool) -> None:
    engine, ex = soak.engine, soak.sim.exchange
    settings = engine.settings
    await soak.try_order()

    # Slow answers, answers cut in half, HTML pages: orders are confirmed, pending or refused.
    for kind, params in (("latency", {"delay_ms": 300}), ("malformed", {}), ("html", {"status": 502})):
        soak.fault(kind, 1, **params)
        await soak.try_order()
        await soak.fault_gone(kind)
        soak.tasks_alive()

    soak.mark("first-order+latency+malformed+html")

    # 5xx. LIVE: three failed reconciliations give NEUTRAL; a good one after recovery leaves it.
    # DRY_RUN reconciles the paper wallet against its own book: the exchange is not involved.
    soak.fault("http_5xx", 30, status=503)
    await soak.try_order()
    for _ in range(settings.recon_max_failures):
        assert (await engine.reconcile_now()).completed is not live
    if live:
        assert engine.safety_status().state is SafetyState.NEUTRAL
        await soak.try_order()  # refused: VALR-SAF-001
    ex.clear_faults()
    assert (await engine.reconcile_now()).completed
    assert engine.safety_status().state is SafetyState.NORMAL, engine.safety_status()
    soak.tasks_alive()

    soak.mark("http_5xx+neutral")

    # Rate-limit storm, timed to end before the simulator's minute rolls over.
    soak.sim_clock.offset = 0.0
    to_minute = 60.0 - soak.sim_clock() % 60.0
    soak.sim_clock.offset = to_minute - STORM_LEAD_S
    if soak.sim_clock.offset > 30:
        soak.sim_clock.offset -= 60.0
    # The engine re-reads the server's time every few minutes; the jump above is read at once.
    await engine.server_time.sync_once()
    soak.fault("rate_limit_storm", 1.2)
    storm_started = time.monotonic()
    # Both ride out the storm: 429, a pause until the refused limit's window resets, then success. (Essential
    # calls: polling waits longer, until the bucket refills past the essential reserve.)
    await asyncio.gather(engine.client.get_balances(), soak.try_order())
    assert time.monotonic() - storm_started >= 1.0
    await soak.fault_gone("rate_limit_storm")
    soak.tasks_alive()

    soak.mark("rate_limit_storm")

    # Sockets dropped: REST polling takes over, prices stay fresh, orders still go through.
    soak.fault("ws_drop", 1)
    await soak.try_order()
    await soak.fault_gone("ws_drop")
    soak.fault("price_shock", 1, pct=-8)
    ex.step(1)
    await soak.try_order()
    soak.fault("spread_blowout", 1, pct=5)
    ex.step(1)
    await soak.try_order()
    await soak.fault_gone("spread_blowout")
    ex.step(1)
    soak.tasks_alive()

    soak.mark("ws_drop+price_shock+spread_blowout")

    # Outage (hang): requests wait and then complete.
    soak.fault("outage", 1, mode="hang")
    await soak.try_order()
    await soak.fault_gone("outage")

    soak.mark("outage-hang")

    # Outage (refuse) beyond SAFE_IDLE_AFTER_S: SAFE_IDLE; fresh data after recovery leaves it.
    soak.fault("outage", 30, mode="refuse")
    soak.engine_clock.advance(float(settings.safe_idle_after_s) + 1)
    await wait_for(lambda: engine.safety_status().state is SafetyState.SAFE_IDLE, 6.0, "SAFE_IDLE")
    refusals = [p.code for p in engine.preview(OrderRequest("BTCZAR", "BUY", "1000000", "0.0001")).problems]
    assert "VALR-SAF-001" in refusals, refusals
    await soak.try_order()  # refused (stale data first, then SAFE_IDLE)
    ex.clear_faults()
    ex.step(1)
    await soak.normal_again()
    soak.tasks_alive()
    if live:
        await resolve_unknown_orders(engine)
    soak.mark("outage-refuse+safe_idle")


async def resolve_unknown_orders(engine: TradingEngine) -> None:
    """Look every UNKNOWN order up until it is found or proven absent (the faults are over and
    the simulator answers at once, so the settle window between look-ups is not waited for)."""
    manager = engine.order_manager
    assert manager is not None
    for _ in range(manager.venue.absence_checks + 1):
        await manager.resolve_unknown(force=True)


def assert_no_request_while_rate_limited(log: TimedLog, storms: list[tuple[float, float]]) -> int:
    """After a 429, no request subject to the same limit may arrive until that limit's window
    resets on the simulator's clock (VALR: the next minute, or the next second for per-second
    routes); other limits stay open. Measured from when the 429 was built; a request the client
    had already sent may still land a moment later (the simulator shares the engine's event
    loop, so arrival is logged late under load). Returns the number of 429 pauses checked."""
    assert storms, "no rate-limit storm was injected"
    requests = [r for r in log.timed if r.path.startswith("/v1/")]
    checked = 0
    for answered_at, scope, pause in log.limited:
        window = (answered_at + IN_FLIGHT_S, answered_at + pause - IN_FLIGHT_S)
        offending = [
            r for r in requests
            if window[0] < r.at < window[1] and limit_scope(r.method, r.path)[0] == scope
        ]
        assert not offending, f"sent during a {pause:.2f} s {scope} rate-limit pause: {offending[:3]}"
        checked += 1
    return checked


def exchange_orders_by_cid(sim: SimulatorServer) -> Counter[str]:
    return Counter(o.customer_order_id for o in sim.exchange._orders.values() if o.customer_order_id)


def assert_error_logs_clean(caplog: pytest.LogCaptureFixture) -> None:
    bad = [
        f"{r.name}: {r.getMessage()}" for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith(("valr_tui", "storage"))
    ]
    assert not bad, f"ERROR logs during the soak: {bad}"


async def soak_engine(
    mode: str, sim_and_clock: SoakFixture, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    sim, sim_clock, log = sim_and_clock
    live = mode == "LIVE"
    overrides: dict[str, object] = {"poll_interval_s": Decimal("0.5"), "recon_interval_s": Decimal(3600)}
    if live:
        overrides |= {"execution_mode": "LIVE", "live_trading_confirmed": True}
    engine_clock = SkewClock()
    engine = TradingEngine(settings_for(sim.base_url, sim.ws_url, tmp_path / "soak.db", **overrides),
                           clock=engine_clock)
    storms: list[tuple[float, float]] = []  # (start, end) on the simulator's clock
    original_inject = sim.exchange.inject_fault

    def recording_inject(kind: str, duration_s: Any, **params: Any) -> Any:
        fault = original_inject(kind, duration_s, **params)
        if kind == "rate_limit_storm":
            storms.append((fault.started_at, fault.expires_at))
        return fault

    sim.exchange.inject_fault = recording_inject  # type: ignore[method-assign]
    await engine.start()
    started = time.monotonic()
    try:
        await wait_trading_ready(engine)
        soak = Soak(sim, sim_clock, engine, engine_clock)
        await run_fault_cycle(soak, live)
        soak.tasks_alive()
        if live:
            await resolve_unknown_orders(engine)
        stored = {o.correlation_id: o for o in await engine.orders(limit=500)}
    finally:
        await engine.stop()
    elapsed = time.monotonic() - started

    record = soak.record
    assert set(record.faults) == set(SOAKED_KINDS)
    assert SafetyState.SAFE_IDLE in record.safety_seen
    assert (SafetyState.NEUTRAL in record.safety_seen) is live
    assert record.safety_seen[-1] is SafetyState.NORMAL
    assert record.coded_refusals["VALR-SAF-001"] >= live  # LIVE: refused in NEUTRAL
    assert record.submitted, "no order got through during the soak"
    assert set(record.submitted) <= set(stored)
    assert assert_no_request_while_rate_limited(log, storms) >= 1
    assert_error_logs_clean(caplog)

    on_exchange = exchange_orders_by_cid(sim)
    if not live:
        assert not on_exchange
        assert not [r for r in log.timed if r.path.startswith("/v1/orders")]
    else:
        duplicated = [cid for cid, n in on_exchange.items() if n > 1]
        assert not duplicated, f"placed twice on the exchange: {duplicated}"
        assert set(on_exchange) <= set(stored), "an order on the exchange is missing from the DB"
        for cid, order in stored.items():
            assert order.state not in (OrderState.PENDING_SUBMIT, OrderState.UNKNOWN), \
                f"{cid} never resolved"
            if cid not in on_exchange:
                assert order.state is OrderState.FAILED, f"{cid} is {order.state} but not on VALR"
    print(f"\nsoak {mode}: {sum(record.faults.values())} faults {dict(record.faults)},"
          f" {len(record.submitted)} orders stored, refusals {dict(record.coded_refusals)},"
          f" safety {[s.value for s in record.safety_seen]}, {len(log.timed)} requests,"
          f" {elapsed:.1f} s; steps {record.step_seconds}")
