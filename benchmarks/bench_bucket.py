"""Token bucket: the cost of ``try_acquire`` and the behaviour of ``acquire`` under contention.

Budgets: ``try_acquire`` under 2 µs of CPU per call (best of 5); 30 coroutines waiting on a 10/s bucket
finish in about 3 s while the process stays mostly idle (CPU time / wall time).
"""

from __future__ import annotations

import asyncio
import os
import time
import timeit
from collections.abc import Callable

from valr_tui.exchange.rate_limiter import TokenBucket

TRY_ACQUIRE_BUDGET_US = 2.0
CALLS = 200_000
REPEATS = 5
WAITERS = 30
RATE = 10.0
CPU_RATIO_BUDGET = 0.25


def _best_us_per_call(bucket: TokenBucket, essential: bool, timer: Callable[[], float]) -> float:
    call = timeit.Timer(lambda: bucket.try_acquire(essential=essential), timer=timer)
    return round(min(call.repeat(repeat=REPEATS, number=CALLS)) / CALLS * 1e6, 3)


def measure_try_acquire() -> dict[str, float]:
    """µs per call, best of 5. The budget applies to CPU time (``process_time``): on a shared,
    busy machine wall time also counts the time other processes held the core."""
    granting = TokenBucket(capacity=10**12, refill_per_second=10.0)  # never runs dry
    refusing = TokenBucket(capacity=100, refill_per_second=1e-9)
    refusing.drain()
    # The lambda adds call overhead of its own; it is measured so the figures can be read honestly.
    overhead = min(timeit.Timer(lambda: None).repeat(repeat=REPEATS, number=CALLS)) / CALLS * 1e6
    return {
        "try_acquire_granted_cpu_us": _best_us_per_call(granting, False, time.process_time),
        "try_acquire_refused_cpu_us": _best_us_per_call(refusing, True, time.process_time),
        "try_acquire_granted_wall_us": _best_us_per_call(granting, False, time.perf_counter),
        "try_acquire_refused_wall_us": _best_us_per_call(refusing, True, time.perf_counter),
        "timer_overhead_us": round(overhead, 3),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


async def _contention(waiters: int, rate: float) -> dict[str, float]:
    sleeps = 0

    async def counting_sleep(seconds: float) -> None:
        nonlocal sleeps
        sleeps += 1
        await asyncio.sleep(seconds)

    bucket = TokenBucket(capacity=10, refill_per_second=rate, essential_threshold=0.0, sleep=counting_sleep)
    bucket.drain()  # start empty: every waiter must wait its turn
    wall0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(bucket.acquire(essential=True) for _ in range(waiters)))
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    return {
        "acquire_waiters": waiters,
        "acquire_expected_s": waiters / rate,
        "acquire_wall_s": round(wall, 3),
        "acquire_cpu_s": round(cpu, 4),
        "acquire_cpu_ratio": round(cpu / wall, 4),
        "acquire_sleeps": sleeps,
    }


def run() -> dict[str, object]:
    result: dict[str, object] = {}
    result.update(measure_try_acquire())
    result.update(asyncio.run(_contention(WAITERS, RATE)))
    expected = WAITERS / RATE
    result["passed"] = (
        float(str(result["try_acquire_granted_cpu_us"])) < TRY_ACQUIRE_BUDGET_US
        and float(str(result["try_acquire_refused_cpu_us"])) < TRY_ACQUIRE_BUDGET_US
        and abs(float(str(result["acquire_wall_s"])) - expected) < 0.5
        and float(str(result["acquire_cpu_ratio"])) < CPU_RATIO_BUDGET
    )
    return result


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:28} {value}")
