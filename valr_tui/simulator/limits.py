"""VALR's server-side rate limits: fixed windows that reset at each calendar minute."""

from __future__ import annotations

import math
from dataclasses import dataclass

from valr_tui.trading.clock import Clock


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Calls allowed per calendar minute. VALR's published numbers are the defaults; every one
    is configurable because VALR changes them over time."""

    per_key_per_minute: int = 2000
    per_ip_per_minute: int = 1200
    public_per_minute: int = 30  # /v1/public/*, per IP
    ws_connections_per_minute: int = 60  # new WebSocket connections, per IP


def seconds_to_next_minute(now: float) -> int:
    """What ``Retry-After`` says: whole seconds until the window resets (at least 1)."""
    return max(1, math.ceil(60 - now % 60))


class MinuteWindowCounter:
    """Counts calls per (scope, identity) in the current calendar minute of ``clock``."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._window = -1
        self._counts: dict[tuple[str, str], int] = {}

    def hit(self, scope: str, identity: str, limit: int) -> bool:
        """Count one call; ``False`` (and not counted) when the window is already full."""
        window = int(self._clock() // 60)
        if window != self._window:  # a new calendar minute: every budget is full again
            self._window = window
            self._counts.clear()
        key = (scope, identity)
        used = self._counts.get(key, 0)
        if used >= limit:
            return False
        self._counts[key] = used + 1
        return True
