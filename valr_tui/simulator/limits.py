"""VALR's server-side rate limits, as its API reference documents them ("Rate limiting"):
calendar-minute windows per API key and per IP, and routes with their own limit (per second,
reset each second, or /v1/public/* at 30 a minute per IP) where the key and IP limits do not
apply. A refusal is a 429 with ``x-valr-ratelimited: true`` and no Retry-After."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from valr_tui.exchange.rate_limiter import PER_IP_PER_MINUTE, PER_KEY_PER_MINUTE, RouteLimit, route_limit
from valr_tui.trading.clock import Clock


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Calls allowed per window. VALR's published numbers are the defaults; every one is
    configurable because VALR changes them over time (and tests want small ones)."""

    per_key_per_minute: int = PER_KEY_PER_MINUTE
    per_ip_per_minute: int = PER_IP_PER_MINUTE
    public_per_minute: int = 30  # /v1/public/*, per IP
    ws_connections_per_minute: int = 60  # new WebSocket connections, per IP
    # Overrides of the per-second route limits, by scope name (e.g. "POST /v1/orders": 2).
    per_second: Mapping[str, int] = field(default_factory=dict)

    def for_route(self, method: str, path: str) -> RouteLimit | None:
        """The route's own limit with any override applied; ``None`` for key/IP limits only."""
        limit = route_limit(method, path)
        if limit is None:
            return None
        if limit.window_s == 60:
            return RouteLimit(limit.scope, self.public_per_minute, 60)
        return RouteLimit(limit.scope, self.per_second.get(limit.scope, limit.limit), limit.window_s)


class WindowCounter:
    """Counts calls per (scope, identity) in the current fixed window of ``clock``: windows of
    ``window_s`` seconds aligned to the epoch, so 60 s windows are calendar minutes."""

    def __init__(self, clock: Clock, window_s: int = 60) -> None:
        self._clock = clock
        self._window_s = window_s
        self._window = -1
        self._counts: dict[tuple[str, str], int] = {}

    def hit(self, scope: str, identity: str, limit: int) -> bool:
        """Count one call; ``False`` (and not counted) when the window is already full."""
        window = int(self._clock() // self._window_s)
        if window != self._window:  # a new window: every budget is full again
            self._window = window
            self._counts.clear()
        key = (scope, identity)
        used = self._counts.get(key, 0)
        if used >= limit:
            return False
        self._counts[key] = used + 1
        return True


