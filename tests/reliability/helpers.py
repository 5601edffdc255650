"""Shared set-up for the reliability suite: settings, clocks, a timed request log, waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from valr_tui.config import Settings, load_settings
from valr_tui.exchange.rate_limiter import limit_scope
from valr_tui.secrets import Secret
from valr_tui.simulator import server as server_module
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.views import OrderRequest

_ORIGINAL_429 = server_module.rate_limited_response
KEY = "reliability-key-0123456789"
SECRET = "reliability-secret-canary-0123456789abcdef"


class SkewClock:
    """Real time plus an adjustable offset. The simulator runs on one (signatures made with the
    real clock stay valid within its window) and the engine on another (tests jump it forward to
    make data stale without sleeping)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    method: str
    path: str
    at: float  # time.monotonic() when the request reached the simulator
    sim_now: float  # the simulator's clock at that moment


@dataclass
class TimedLog(list[tuple[str, str]]):
    """A drop-in for ``SimExchange.request_log`` that also records when each request arrived."""

    sim_clock: Callable[[], float] = time.time
    timed: list[LoggedRequest] = field(default_factory=list)
    # Every 429 the simulator answered: (monotonic time it was built, the limit scope of the
    # request it refused, seconds until that limit's window reset on the simulator's clock).
    limited: list[tuple[float, str, float]] = field(default_factory=list)

    def append(self, item: tuple[str, str]) -> None:
        super().append(item)
        self.timed.append(LoggedRequest(item[0], item[1], time.monotonic(), self.sim_clock()))


def install_timed_log(sim: SimulatorServer, sim_clock: Callable[[], float]) -> TimedLog:
    """Time every request, and record every 429 with the window it closed. VALR's 429 carries no
    Retry-After: the refused limit reopens at the next calendar minute (per key, per IP, public)
    or second (per-second routes) of the server's clock, computed here when the answer was built.
    The 429 is built for the request logged last: nothing awaits between the two."""
    log = TimedLog(sim_clock=sim_clock)
    sim.exchange.request_log = log
    build_429 = server_module.rate_limited_response

    def recording_429() -> Any:
        response = build_429()
        refused = log.timed[-1]
        scope, window_s = limit_scope(refused.method, refused.path)
        log.limited.append((time.monotonic(), scope, window_s - refused.sim_now % window_s))
        return response

    server_module.rate_limited_response = recording_429
    return log


def uninstall_timed_log() -> None:
    server_module.rate_limited_response = _ORIGINAL_429


# These tests rest orders about 10% from the mid so they do not fill; the default PRICE_BAND_PCT
# (5%) would refuse them as fat-fingered (VALR-ORD-011).
RESTING_BAND_PCT = Decimal("50")


def settings_for(base_url: str, ws_url: str, db_path: Path, **overrides: object) -> Settings:
    base = load_settings({}, env_file=None).with_overrides(
        base_url=base_url,
        ws_url=ws_url,
        api_key=Secret(KEY),
        api_secret=Secret(SECRET),
        db_path=str(db_path),
        dry_run_wallet_zar=Decimal("100000"),
        price_band_pct=RESTING_BAND_PCT,
    )
    return base.with_overrides(**overrides)


async def wait_for(condition: Callable[[], bool], within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within_s} s waiting for {what}")
        await asyncio.sleep(0.02)


async def wait_trading_ready(engine: TradingEngine, within_s: float = 8.0) -> None:
    """Pair metadata, a price per pair and (LIVE) the account balances are known."""

    def ready() -> bool:
        if not all(engine.market(p).ticker for p in engine.pairs):
            return False
        problems = engine.preview(OrderRequest("BTCZAR", "BUY", "1", "1")).problems
        return not any(
            p.code == "VALR-ORD-003" or "not known yet" in p.message for p in problems
        )

    await wait_for(ready, within_s, "prices and pair metadata")
