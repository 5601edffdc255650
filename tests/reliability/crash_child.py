"""The process the crash test kills: a LIVE engine placing orders and storing snapshots in a loop.

    python tests/reliability/crash_child.py BASE_URL WS_URL DB_PATH [MIXED]
    (MIXED: every other order crosses the spread and fills at once)
    (PYTHONPATH = the checkout; credentials from VALR_API_KEY / VALR_API_SECRET, never on the
    command line, where `ps` shows them)

Protocol on stdout/stdin (one line each):
    child  -> "READY <safety state> <orders resolved by recovery>"  once pending orders are resolved
    parent -> "GO"    start the order loop (the parent kill -9s us at a random moment)
    parent -> "LOCK"  enter LOCKDOWN, answer "LOCKED" once it is committed, then run the loop
"""

from __future__ import annotations

import asyncio
import sys
import time
from decimal import Decimal

from storage.orders import OrderState
from valr_tui.config import load_settings
from valr_tui.errors import ValrTuiError
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.safety import SafetyState
from valr_tui.trading.views import OrderRequest

RECOVERY_ATTEMPTS = 100
SETTLE_S = 0.3  # the settle window between not-found look-ups (short: the simulator is local)
SNAPSHOT_FLUSH_EVERY = 3  # orders between explicit snapshot flushes
READY_WITHIN_S = 15.0  # of the start's own work, not counting a rate-limit pause
ORDER_PAUSE_S = 0.03  # keeps a long run well inside the simulator's 1200 requests/minute per IP


def say(line: str) -> None:
    print(line, flush=True)


async def resolve_pending(engine: TradingEngine) -> int:
    """Look UNKNOWN orders up (a kill leaves its last placement's fate unknown) until none is
    left; return how many were resolved."""
    manager = engine.order_manager
    assert manager is not None
    resolved = 0
    unresolved = (OrderState.PENDING_SUBMIT.value, OrderState.UNKNOWN.value)
    for _ in range(RECOVERY_ATTEMPTS):
        resolved += len(await manager.resolve_unknown())
        if not await manager.repo.with_status("LIVE", unresolved):
            return resolved
        await asyncio.sleep(0.05)
    raise SystemExit("recovery left orders UNKNOWN")


async def order_loop(engine: TradingEngine, mixed: bool) -> None:
    assert engine.market_data is not None
    placed = 0
    while True:
        ticker = engine.market("BTCZAR").ticker
        assert ticker is not None
        if mixed and placed % 2:
            price = ticker.ask + 2000  # crosses: fills at once (a resend would fill twice)
        else:
            price = (ticker.bid * Decimal("0.97")).quantize(Decimal(1))  # rests in the price band
        try:
            await engine.submit(OrderRequest("BTCZAR", "BUY", str(price), "0.0001"))
        except ValrTuiError:
            await asyncio.sleep(0.02)  # e.g. refused in LOCKDOWN: keep storing snapshots
        placed += 1
        await asyncio.sleep(ORDER_PAUSE_S)
        if placed % SNAPSHOT_FLUSH_EVERY == 0:
            await engine.market_data.flush_snapshots()


async def main(base_url: str, ws_url: str, db_path: str, mixed: bool) -> None:
    settings = load_settings(env_file=None).with_overrides(
        base_url=base_url, ws_url=ws_url, db_path=db_path, execution_mode="LIVE",
        live_trading_confirmed=True, price_band_pct=Decimal("50"),  # orders rest ~10% from the mid
    )
    engine = TradingEngine(settings, order_settle_s=SETTLE_S)
    await engine.start()
    assert engine.safety is not None
    resolved = await resolve_pending(engine)
    deadline = time.monotonic() + READY_WITHIN_S
    while not all(engine.market(p).ticker for p in settings.pairs) or any(
        "not known yet" in p.message or p.code == "VALR-ORD-003"
        for p in engine.preview(OrderRequest("BTCZAR", "BUY", "1", "1")).problems
    ):
        # Every restart calls /v1/public/* afresh (pairs, the first ticker poll), and VALR allows
        # 30 such calls a minute per IP: a quick series of restarts can spend them, and the
        # client then pauses to the end of the minute. That pause is not the start being slow.
        paused = engine.client.bucket.snapshot().blocked_for
        deadline = max(deadline, time.monotonic() + paused + READY_WITHIN_S) if paused else deadline
        if time.monotonic() > deadline:
            raise SystemExit(f"no prices, pair metadata or balances within {READY_WITHIN_S:.0f} s")
        await asyncio.sleep(0.02)
    say(f"READY {engine.safety_status().state.value} {resolved}")
    command = (await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)).strip()
    if command == "LOCK":
        await engine.safety.raise_condition(SafetyState.LOCKDOWN, "crash test: locked before a kill")
        say("LOCKED")
    await order_loop(engine, mixed)  # until the parent kills us


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4], mixed=sys.argv[4:5] == ["MIXED"]))
