"""The token bucket with an injected clock and sleep: exact waits, essential-only mode, 429
drains, and no over-grant under threads."""

from __future__ import annotations

import threading

import pytest

from valr_tui.exchange.rate_limiter import TokenBucket


class FakeTime:
    """A clock plus an async sleep that advances it and records every call."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make(capacity: int = 100, rate: float = 10.0, threshold: float = 0.10) -> tuple[TokenBucket, FakeTime]:
    t = FakeTime()
    return TokenBucket(capacity, rate, threshold, clock=t.clock, sleep=t.sleep), t


def test_starts_full_and_grants_down_to_the_floor() -> None:
    bucket, _ = make()
    granted = sum(bucket.try_acquire() for _ in range(200))
    assert granted == 90  # the last 10% is kept for essential work
    assert bucket.available == pytest.approx(10)
    assert bucket.essential_only
    assert all(bucket.try_acquire(essential=True) for _ in range(10))
    assert not bucket.try_acquire(essential=True)
    assert bucket.available == pytest.approx(0)
    snap = bucket.snapshot()
    assert (snap.granted, snap.refused) == (100, 111)


def test_refill_is_linear_and_capped() -> None:
    bucket, t = make()
    for _ in range(50):
        assert bucket.try_acquire()
    t.now += 2.5
    assert bucket.available == pytest.approx(75)
    t.now += 1000
    assert bucket.available == 100


def test_clock_going_backwards_does_not_drain_or_refill() -> None:
    bucket, t = make()
    bucket.try_acquire(tokens=40)
    t.now -= 100
    assert bucket.available == pytest.approx(60)


def test_wait_time() -> None:
    bucket, t = make()
    assert bucket.wait_time() == 0
    assert bucket.try_acquire(tokens=85)
    # level 15, floor 10: non-essential 1 token needs 11 -> ok now; 6 tokens needs 16 -> 0.1 s
    assert bucket.wait_time(1) == 0
    assert bucket.wait_time(6) == pytest.approx(0.1)
    assert bucket.wait_time(6, essential=True) == 0
    assert bucket.wait_time(20, essential=True) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        bucket.wait_time(101, essential=True)
    with pytest.raises(ValueError):  # polling can never use the floor: would wait forever
        bucket.wait_time(95)
    assert t.sleeps == []


async def test_acquire_now_does_not_sleep() -> None:
    bucket, t = make()
    await bucket.acquire()
    assert t.sleeps == []
    assert bucket.available == pytest.approx(99)


@pytest.mark.parametrize(("essential", "expected_sleep"), [(False, 0.3), (True, 0.0)])
async def test_acquire_sleeps_exactly_once_for_the_computed_time(
    essential: bool, expected_sleep: float
) -> None:
    bucket, t = make()
    assert bucket.try_acquire(tokens=92, essential=True)  # level 8, under the floor of 10
    await bucket.acquire(essential=essential)
    if expected_sleep:
        assert len(t.sleeps) == 1  # one sleep of the right length, no polling
        assert t.sleeps[0] == pytest.approx(expected_sleep)  # needs 11, has 8, 10/s
    else:
        assert t.sleeps == []
    assert bucket.available >= 0


@pytest.mark.parametrize("start", [1000.0, 1_760_000_000.123, 0.1, 12345.678])
async def test_acquire_float_rounding_never_causes_a_second_sleep(start: float) -> None:
    t = FakeTime(start)
    bucket = TokenBucket(600, 10.0, 0.1, clock=t.clock, sleep=t.sleep)
    assert bucket.try_acquire(tokens=600, essential=True)
    for _ in range(7):
        await bucket.acquire(tokens=1, essential=True)
    assert len(t.sleeps) == 7
    assert all(s == pytest.approx(0.1) for s in t.sleeps)


async def test_drain_blocks_everything_until_the_pause_ends() -> None:
    bucket, t = make(rate=10)
    bucket.drain(pause_seconds=5.0)
    snap = bucket.snapshot()
    assert snap.available == 0 and snap.blocked_for == 5.0 and snap.essential_only
    t.now += 4.5  # 45 tokens have refilled, but the server said wait
    assert not bucket.try_acquire(essential=True)
    assert not bucket.try_acquire()
    assert bucket.wait_time(essential=True) == pytest.approx(0.5)
    assert bucket.essential_only
    t.now += 0.5
    assert bucket.try_acquire(essential=True)
    assert bucket.snapshot().blocked_for == 0


async def test_acquire_waits_out_a_drain_with_one_sleep() -> None:
    bucket, t = make()
    bucket.drain(pause_seconds=2.0)
    await bucket.acquire(essential=True)
    assert t.sleeps == [2.0]


def test_drain_never_shortens_an_earlier_pause() -> None:
    bucket, _ = make()
    bucket.drain(10.0)
    bucket.drain(1.0)
    assert bucket.snapshot().blocked_for == 10.0


def test_snapshot_fields() -> None:
    bucket, _ = make(capacity=600, rate=10, threshold=0.1)
    snap = bucket.snapshot()
    assert snap.capacity == 600 and snap.refill_per_second == 10.0
    assert snap.essential_floor == pytest.approx(60)
    assert snap.available == 600 and not snap.essential_only and snap.blocked_for == 0


@pytest.mark.parametrize(
    ("capacity", "rate", "threshold"), [(0, 10, 0.1), (10, 0, 0.1), (10, 1, 1.0), (10, 1, -0.1)]
)
def test_bad_construction(capacity: int, rate: float, threshold: float) -> None:
    with pytest.raises(ValueError):
        TokenBucket(capacity, rate, threshold)


def test_threads_never_get_more_than_capacity_on_a_frozen_clock() -> None:
    frozen = 5000.0
    bucket = TokenBucket(500, 10.0, 0.0, clock=lambda: frozen)
    results: list[int] = []
    barrier = threading.Barrier(8)

    def hammer() -> None:
        barrier.wait()
        results.append(sum(bucket.try_acquire(essential=True) for _ in range(2000)))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sum(results) == 500
    snap = bucket.snapshot()
    assert snap.granted == 500 and snap.refused == 8 * 2000 - 500
    assert snap.available == 0
