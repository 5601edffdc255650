"""Client-side token bucket: 600 tokens, 10/s refill, the last 10% kept for essential work.

Token counts are request counts, not money, so plain floats are right here.
Thread-safe (one lock around a few arithmetic steps) and asyncio-friendly: ``acquire`` computes
exactly how long until enough tokens exist and sleeps that long once, with no busy polling.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

# Float slack: after sleeping exactly the computed time, the refilled level can land a few ulps
# short of the target (``now`` may be an epoch in the billions, where one ulp is ~2e-7 s), which
# would cost a second, busy sleep. The slack is a few ulps of the clock in tokens: harmless.
_EPSILON: Final = 1e-9
_CLOCK_ULPS: Final = 8 * sys.float_info.epsilon


@dataclass(frozen=True, slots=True)
class BucketSnapshot:
    """What the gauge shows."""

    available: float
    capacity: int
    refill_per_second: float
    essential_floor: float
    essential_only: bool
    blocked_for: float  # seconds left of a server-imposed (429) pause, any limit; 0 when none
    granted: int
    refused: int


class TokenBucket:
    def __init__(
        self,
        capacity: int = 600,
        refill_per_second: float = 10.0,
        essential_threshold: float = 0.10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if capacity <= 0 or refill_per_second <= 0 or not 0 <= essential_threshold < 1:
            raise ValueError("capacity and refill must be positive; threshold in [0, 1)")
        self.capacity = capacity
        self.refill_per_second = float(refill_per_second)
        self.essential_threshold = float(essential_threshold)
        self._floor = capacity * self.essential_threshold
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._level = float(capacity)
        self._stamp = clock()
        self._blocked_until = float("-inf")
        self._route_paused_until = float("-inf")  # a 429 on one route's own limit: shown only
        self.granted = 0
        self.refused = 0

    # -- internals (caller holds the lock) -------------------------------------------------------
    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._level = min(self.capacity, self._level + (now - self._stamp) * self.refill_per_second)
            self._stamp = now

    def _slack(self, now: float) -> float:
        return _EPSILON + abs(now) * _CLOCK_ULPS * self.refill_per_second

    def _polling_refused(self, now: float) -> bool:
        """Exactly when ``try_acquire(1, essential=False)`` would refuse (same slack)."""
        return self._level + self._slack(now) < self._floor + 1 or now < self._blocked_until

    def _need(self, tokens: float, essential: bool) -> float:
        """The level that must exist before ``tokens`` may be taken."""
        return tokens if essential else self._floor + tokens

    # -- public API -----------------------------------------------------------------------------
    def try_acquire(self, tokens: float = 1, essential: bool = False) -> bool:
        # The hot path of every request: _refill/_slack/_need inlined (benchmarks/bench_bucket.py).
        with self._lock:
            now = self._clock()
            level = self._level
            rate = self.refill_per_second
            if now > self._stamp:
                level += (now - self._stamp) * rate
                if level > self.capacity:
                    level = float(self.capacity)
                self._stamp = now
            need = tokens if essential else self._floor + tokens
            if now >= self._blocked_until and level + _EPSILON + abs(now) * _CLOCK_ULPS * rate >= need:
                level -= tokens
                self._level = level if level > 0.0 else 0.0
                self.granted += 1
                return True
            self._level = level
            self.refused += 1
            return False

    def wait_time(self, tokens: float = 1, essential: bool = False) -> float:
        """Seconds until ``try_acquire(tokens, essential)`` would succeed (0 if now)."""
        if self._need(tokens, essential) > self.capacity:
            # Polling may never use the floor, so it can never take more than capacity - floor;
            # waiting for it would loop forever.
            raise ValueError(
                f"cannot acquire {tokens} {'essential' if essential else 'non-essential'} tokens"
                f" from a bucket of {self.capacity} (essential floor {self._floor:g})"
            )
        with self._lock:
            now = self._clock()
            self._refill(now)
            deficit = self._need(tokens, essential) - self._level
            by_tokens = deficit / self.refill_per_second if deficit > self._slack(now) else 0.0
            return max(by_tokens, self._blocked_until - now, 0.0)

    async def acquire(self, tokens: float = 1, essential: bool = False) -> None:
        """Wait exactly as long as needed, then take the tokens."""
        while True:
            delay = self.wait_time(tokens, essential)
            if delay <= 0 and self.try_acquire(tokens, essential):
                return
            # Another waiter may have taken the tokens first: recompute and sleep again.
            await self._sleep(max(delay, 1e-4))

    def drain(self, pause_seconds: float = 0.0) -> None:
        """The server said 429: empty the bucket and refuse everything for ``pause_seconds``."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._level = 0.0
            self._blocked_until = max(self._blocked_until, now + pause_seconds)

    def note_route_pause(self, pause_seconds: float) -> None:
        """A 429 shut one route's own limit (public or per-second), not the account's: nothing
        else is held back, but the gauge shows the back-off."""
        with self._lock:
            self._route_paused_until = max(self._route_paused_until, self._clock() + pause_seconds)

    @property
    def available(self) -> float:
        with self._lock:
            self._refill(self._clock())
            return self._level

    @property
    def essential_only(self) -> bool:
        """True when polling (non-essential) traffic is refused."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            return self._polling_refused(now)

    def snapshot(self) -> BucketSnapshot:
        with self._lock:
            now = self._clock()
            self._refill(now)
            return BucketSnapshot(
                available=self._level,
                capacity=self.capacity,
                refill_per_second=self.refill_per_second,
                essential_floor=self._floor,
                essential_only=self._polling_refused(now),
                blocked_for=max(0.0, self._blocked_until - now, self._route_paused_until - now),
                granted=self.granted,
                refused=self.refused,
            )


# --- VALR's server-side limits ---------------------------------------------------------------------
# From VALR's API reference ("Rate limiting", collection description): 2000 calls a minute per API
# key and 1200 per IP, in calendar-minute windows; certain routes instead have their own limit
# ("Here the limits per IP and key do not apply"), per second (reset each second) or, for
# /v1/public/*, 30 a minute per IP. A 429 carries ``x-valr-ratelimited: true`` and no Retry-After.
PER_KEY_PER_MINUTE: Final = 2000
PER_IP_PER_MINUTE: Final = 1200


@dataclass(frozen=True, slots=True)
class RouteLimit:
    """One of VALR's route limits: ``limit`` calls per ``window_s`` (1 or 60) seconds."""

    scope: str  # the name a 429 on this route backs off (never any other scope)
    limit: int
    window_s: int


ACCOUNT_SCOPE: Final = "account"  # the per-key / per-IP minute windows
PUBLIC_SCOPE: Final = "public"
_PUBLIC_LIMIT: Final = RouteLimit(PUBLIC_SCOPE, 30, 60)
_SECOND_LIMITS: Final[tuple[tuple[str, str, RouteLimit], ...]] = (
    # (method, path prefix, limit); the first match wins, most specific first
    ("GET", "/v1/public/time", RouteLimit("GET /v1/public/time", 20, 1)),
    ("GET", "/v1/public/status", RouteLimit("GET /v1/public/status", 20, 1)),
    ("POST", "/v1/batch/orders", RouteLimit("POST /v1/batch/orders", 400, 1)),
    ("DELETE", "/v1/orders", RouteLimit("DELETE /v1/orders", 450, 1)),
    ("POST", "/v1/orders", RouteLimit("POST /v1/orders", 400, 1)),
    ("PUT", "/v2/orders/modify", RouteLimit("PUT /v2/orders/modify", 400, 1)),
    ("POST", "/v1/loans", RouteLimit("/v1/loans", 1, 1)),
    ("PUT", "/v1/loans", RouteLimit("/v1/loans", 1, 1)),
    ("DELETE", "/v1/loans", RouteLimit("/v1/loans", 1, 1)),
    ("POST", "/v1/account/subaccount/transfer", RouteLimit("POST /v1/account/subaccount/transfer", 20, 1)),
    ("POST", "/v1/account/subaccount", RouteLimit("POST /v1/account/subaccount", 1, 1)),
)


def route_limit(method: str, path: str) -> RouteLimit | None:
    """The route's own limit, or ``None`` when only the per-key/per-IP minute limits apply."""
    method = method.upper()
    if method == "GET" and path.startswith("/v1/public/") and path.endswith("/buckets"):
        return RouteLimit("GET /v1/public/*/buckets", 20, 1)
    for route_method, prefix, limit in _SECOND_LIMITS:
        if method == route_method and (path == prefix or path.startswith(prefix + "/")):
            return limit
    if method == "GET" and path.startswith("/v1/public/"):
        return _PUBLIC_LIMIT
    return None


def limit_scope(method: str, path: str) -> tuple[str, int]:
    """``(scope, window_s)`` a 429 on this request backs off."""
    limit = route_limit(method, path)
    return (ACCOUNT_SCOPE, 60) if limit is None else (limit.scope, limit.window_s)
