"""Injected time. Services take a ``Clock`` so tests never sleep and can freeze time."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]  # wall-clock seconds since the epoch


def system_clock() -> float:
    return time.time()


def epoch_ms(clock: Clock) -> int:
    return int(clock() * 1000)


class ManualClock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1_760_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
