"""A loopback HTTP proxy that loses answers AFTER the exchange has acted on the request.

In front of the simulator it forwards each request, waits for the simulator's full answer (so the
order is placed, or the cancel done), and then, for the routes it is told to spoil, does one of:

- ``delay``: holds the answer back longer than the client waits (a timeout on our side);
- ``drop``: closes the connection without an answer (a reset);
- ``504``: answers a gateway timeout page instead (the exchange processed it, the gateway lied);
- ``late`` (when listed in ``faults``): holds the REQUEST back for ``late_s`` before the exchange
  sees it, so it lands after the client gave up and after its first look-ups.

Everything else passes through untouched. It speaks just enough HTTP/1.1 for httpx: one request
per connection (``Connection: close``), bodies by Content-Length.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx

FAULTS = ("delay", "drop", "504")
LATE = "late"
GATEWAY_TIMEOUT = (
    b"HTTP/1.1 504 Gateway Timeout\r\nContent-Type: text/html\r\nContent-Length: 49\r\n"
    b"Connection: close\r\n\r\n<html><body>504 Gateway Time-out</body></html>\r\n"
)
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


@dataclass
class LossyProxy:
    upstream: str  # the simulator's base URL
    spoil: tuple[tuple[str, str], ...] = (("POST", "/v1/orders/limit"),)
    probability: float = 0.5
    delay_s: float = 1.5
    late_s: float = 1.0
    seed: int = 0
    faults: tuple[str, ...] = FAULTS
    spoiled: Counter[str] = field(default_factory=Counter)
    _server: asyncio.Server | None = None
    _http: httpx.AsyncClient | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def __aenter__(self) -> LossyProxy:
        self._http = httpx.AsyncClient(base_url=self.upstream, timeout=30)
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None and self._http is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        await self._server.wait_closed()
        await self._http.aclose()

    def set_spoiled(self, routes: Iterable[tuple[str, str]]) -> None:
        self.spoil = tuple(routes)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._one(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(BaseException):
                await writer.wait_closed()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: list[tuple[str, str]] = []
        length = 0
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            if name.strip().lower() not in HOP_BY_HOP:
                headers.append((name.strip(), value.strip()))
        body = await reader.readexactly(length) if length else b""
        assert self._http is not None
        fault = None
        if (method, target.split("?", 1)[0]) in self.spoil and self._rng.random() < self.probability:
            fault = self._rng.choice(self.faults)
            self.spoiled[fault] += 1
        if fault == LATE:
            await asyncio.sleep(self.late_s)  # the client has given up; the request still lands
        answer = await self._http.request(method, target, content=body, headers=headers)
        # The simulator has acted on the request by now: from here on only the answer is at risk.
        if fault == "drop":
            writer.transport.abort()
            return
        if fault == "504":
            writer.write(GATEWAY_TIMEOUT)
            await writer.drain()
            return
        if fault == "delay":
            await asyncio.sleep(self.delay_s)
        status_line = f"HTTP/1.1 {answer.status_code} {answer.reason_phrase}\r\n"
        out = [status_line]
        for name, value in answer.headers.items():
            if name.lower() not in HOP_BY_HOP:
                out.append(f"{name}: {value}\r\n")
        out.append(f"Content-Length: {len(answer.content)}\r\nConnection: close\r\n\r\n")
        writer.write("".join(out).encode("latin-1") + answer.content)
        await writer.drain()
