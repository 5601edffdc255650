"""Test doubles shared by the exchange tests: fake time and a scripted MockTransport."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.exchange.stream import ValrSocket
from valr_tui.exchange.valr_client import VALRClient

API_KEY = "test-api-key-0123456789"
API_SECRET = "test-api-secret-abcdef0123456789"
FIXED_TS_MS = 1_764_010_800_123


@dataclass
class FakeTime:
    """One timeline for the client's wall clock, the bucket's monotonic clock and every sleep."""

    wall: float = 1_764_010_830.0  # 30 s past a calendar minute
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.wall - 1_000_000_000.0

    def clock(self) -> float:
        return self.wall

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.wall += seconds

    @property
    def client_sleeps(self) -> list[float]:
        return [s for s in self.sleeps if s > 1e-3]


@dataclass
class Recorded:
    method: str
    raw_path: str
    headers: httpx.Headers
    content: bytes
    at: float


Handler = Callable[[httpx.Request], httpx.Response]


class Script:
    """A MockTransport handler that records every request (with its fake time) and answers
    from a queue of responses/exceptions, or from a routing function."""

    def __init__(self, fake_time: FakeTime, route: Handler | None = None) -> None:
        self.time = fake_time
        self.route = route
        self.queue: list[httpx.Response | Exception] = []
        self.requests: list[Recorded] = []

    def then(self, *items: httpx.Response | Exception) -> Script:
        self.queue.extend(items)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(
            Recorded(
                request.method, request.url.raw_path.decode(), request.headers, request.content,
                self.time.wall,
            )
        )
        if self.queue:
            item = self.queue.pop(0)
            if isinstance(item, Exception):
                raise item
            return item
        if self.route is not None:
            return self.route(request)
        raise AssertionError(f"unexpected request {request.method} {request.url}")


def respond(status: int, text: str = "", headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=text.encode(), headers=headers or {})


def make_client(
    script: Script,
    *,
    signed: bool = True,
    secret: str = API_SECRET,
    ts_ms: int = FIXED_TS_MS,
    subaccount_id: str = "",
    bucket: TokenBucket | None = None,
    **kwargs: object,
) -> VALRClient:
    fake = script.time
    signer = VALRSigner(API_KEY, secret, clock_ms=lambda: ts_ms) if signed else None
    if bucket is None:
        bucket = TokenBucket(capacity=1000, refill_per_second=100, clock=fake.monotonic, sleep=fake.sleep)
    return VALRClient(
        "https://api.valr.test",
        signer=signer,
        bucket=bucket,
        subaccount_id=subaccount_id,
        sleep=fake.sleep,
        clock=fake.clock,
        transport=httpx.MockTransport(script),
        **kwargs,  # type: ignore[arg-type]
    )


K = TypeVar("K")


class StreamConsumer:
    """Runs a stream's ``updates()`` in a task and keeps everything it yields."""

    def __init__(self, stream: ValrSocket[Any]) -> None:
        self.stream = stream
        self.updates: list[Any] = []
        self.changed = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for update in self.stream.updates():
            self.updates.append(update)
            self.changed.set()

    def of(self, kind: type[K]) -> list[K]:
        return [update for update in self.updates if isinstance(update, kind)]

    async def until(self, predicate: Callable[[], bool], limit_s: float = 5.0) -> None:
        async with asyncio.timeout(limit_s):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

    async def close(self) -> None:
        await self.stream.close()
        await asyncio.wait_for(self.task, 5)
