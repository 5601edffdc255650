"""Our token bucket against ccxt's asyncio throttler, same process, same load.

Peer: ``ccxt.async_support.base.throttler.Throttler`` (ccxt's leaky bucket; every ccxt async
exchange awaits ``throttler(cost)`` before each request). Its ``refillRate`` is tokens per
millisecond, ``tokens`` the starting level, and it grants while ``tokens >= 0`` (so a level of
-1 is "empty": the next grant needs one token of refill). It has no non-blocking call, so:

- cost per call: ``await bucket.acquire()`` and ``bucket.try_acquire()`` on a bucket that never
  runs dry, against ``await throttler()`` on one that never runs dry (µs per call, best of R).
- contention: WAITERS coroutines request one token each from an empty RATE/s limiter at once.
  Reported: wall time (ideal WAITERS / RATE), CPU = process time / wall during the wait, and
  accuracy: the largest ``granted(t) - RATE * t`` over the grants (the limit is
  ``granted(t) <= capacity_at_start + RATE * t`` with an empty start, i.e. <= 0 up to float
  slack; a positive value is a burst beyond the rate), and the mean lateness of each grant
  against its ideal time ``k / RATE``.

ratio = ours / ccxt: below 1 means ours is cheaper or more accurate.

Run: ``.venv/bin/python -m benchmarks --only peer_bucket``.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ccxt.async_support.base.throttler import Throttler  # type: ignore[import-untyped]

from benchmarks._common import pick, ratio
from valr_tui.exchange.rate_limiter import TokenBucket

WAITERS = 30
RATE = 10.0
REPEATS = 5


def _unlimited_bucket() -> TokenBucket:
    return TokenBucket(capacity=10**12, refill_per_second=10.0)


def _unlimited_throttler() -> Any:
    return Throttler({"refillRate": 1.0, "capacity": 1e12, "tokens": 1e12})


async def _best_us_per_call(call: Callable[[], Awaitable[Any]], calls: int) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(calls):
            await call()
        best = min(best, time.perf_counter() - started)
    return best / calls * 1e6


def _best_sync_us_per_call(call: Callable[[], object], calls: int) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(calls):
            call()
        best = min(best, time.perf_counter() - started)
    return best / calls * 1e6


async def _cost_per_call() -> dict[str, object]:
    calls = pick(50_000, 10_000)
    bucket, throttler = _unlimited_bucket(), _unlimited_throttler()
    ours_async = await _best_us_per_call(bucket.acquire, calls)
    ours_sync = _best_sync_us_per_call(bucket.try_acquire, calls)
    peer = await _best_us_per_call(throttler, calls)
    return {
        "calls_per_repeat": calls,
        "ours_acquire_us": round(ours_async, 3),
        "ours_try_acquire_us": round(ours_sync, 3),
        "ccxt_throttle_us": round(peer, 3),
        "acquire_cost_ratio": ratio(ours_async, peer),
        "try_acquire_cost_ratio": ratio(ours_sync, peer),
    }


async def _contend(request: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    """WAITERS concurrent one-token requests; wall, CPU and accuracy of the grants."""
    grants: list[float] = []

    async def one() -> None:
        await request()
        grants.append(time.perf_counter())

    wall0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one() for _ in range(WAITERS)))
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    offsets = sorted(at - wall0 for at in grants)
    overshoot = max(k - RATE * t for k, t in enumerate(offsets, start=1))
    lateness = statistics.fmean(t - k / RATE for k, t in enumerate(offsets, start=1))
    return {"wall_s": wall, "cpu_ratio": cpu / wall, "overshoot": overshoot, "lateness_ms": lateness * 1000}


async def _contention() -> dict[str, object]:
    ours_bucket = TokenBucket(capacity=10, refill_per_second=RATE, essential_threshold=0.0)
    ours_bucket.drain()  # empty: the first grant waits 1 / RATE
    peer_throttler = Throttler({"refillRate": RATE / 1000, "capacity": 1.0, "tokens": -1.0})
    ours = await _contend(lambda: ours_bucket.acquire(essential=True))
    peer = await _contend(peer_throttler)
    result: dict[str, object] = {"waiters": WAITERS, "rate_per_s": RATE, "ideal_wall_s": WAITERS / RATE}
    for side, figures in (("ours", ours), ("ccxt", peer)):
        result[f"{side}_wall_s"] = round(figures["wall_s"], 3)
        result[f"{side}_cpu_pct"] = round(100 * figures["cpu_ratio"], 2)
        result[f"{side}_max_overshoot_tokens"] = round(figures["overshoot"], 4)
        result[f"{side}_mean_lateness_ms"] = round(figures["lateness_ms"], 2)
    result["cpu_ratio"] = ratio(ours["cpu_ratio"], peer["cpu_ratio"])
    result["lateness_ratio"] = ratio(ours["lateness_ms"], peer["lateness_ms"])
    # The limit holds for ours (no burst beyond the rate; float slack only) and the 30 grants
    # take about WAITERS / RATE.
    result["passed"] = ours["overshoot"] <= 1e-3 and abs(ours["wall_s"] - WAITERS / RATE) < 0.5
    return result


async def _measure() -> dict[str, object]:
    result: dict[str, object] = {"name": "token_bucket_vs_ccxt_throttler"}
    result.update(await _cost_per_call())
    result.update(await _contention())
    return result


def run() -> dict[str, object]:
    return asyncio.run(_measure())


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
