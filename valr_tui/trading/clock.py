"""Injected time. Services take a ``Clock`` so tests never sleep and can freeze time."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Final

from valr_tui.errors import ValrTuiError

log = logging.getLogger(__name__)

Clock = Callable[[], float]  # wall-clock seconds since the epoch
SKEW_WARNING_S: Final = 2.0  # beyond this the screen warns; VALR refuses signatures far off


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


class ServerTimeSync:
    """Keeps the exchange's clock offset: ``measure`` (``VALRClient.sync_server_time``) reads
    ``GET /v1/public/time`` at start and every ``interval_s``. The client signs and times its
    rate-limit windows with the offset; ``skewed`` drives the on-screen warning. A failed read
    keeps the last offset (logged, never raised)."""

    def __init__(
        self,
        measure: Callable[[], Awaitable[float]],
        *,
        interval_s: float = 300.0,
        warn_above_s: float = SKEW_WARNING_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._measure = measure
        self._interval_s = interval_s
        self._warn_above_s = warn_above_s
        self._sleep = sleep
        self.offset_s: float | None = None  # server minus local; None until the first read

    @property
    def skewed(self) -> bool:
        return self.offset_s is not None and abs(self.offset_s) > self._warn_above_s

    async def sync_once(self) -> float | None:
        try:
            self.offset_s = await self._measure()
        except ValrTuiError as error:
            log.warning("server time not read (%s); keeping the last offset", error.code)
            return self.offset_s
        if self.skewed:
            log.warning("this clock is %+.1f s from VALR's; signing with VALR's time", -self.offset_s)
        return self.offset_s

    async def run(self) -> None:
        while True:
            await self.sync_once()
            await self._sleep(self._interval_s)
