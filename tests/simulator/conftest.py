"""Fixtures: a simulator on a real loopback socket with an injected clock, and a client that
signs exactly the bytes it sends, as VALR's clients must."""

from __future__ import annotations

import itertools
import json
import ssl
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.simulator.limits import RateLimits
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.clock import ManualClock

API_KEY = "sim-test-key"
API_SECRET = "sim-test-secret-not-real"
# 10 s into a calendar minute, so a test has 50 s of simulated time before the window turns.
START = 1_760_000_040.0 + 10.0
# Building an SSL context costs ~0.2 s per httpx client; loopback is plain HTTP, so build it once.
SHARED_TLS = ssl.create_default_context()
GENEROUS = RateLimits(per_key_per_minute=100_000, per_ip_per_minute=100_000, public_per_minute=100_000)


class SignedClient:
    """httpx over loopback; signs each request over the raw path+query and the exact body bytes.
    Each call gets a fresh millisecond so identical requests are not replays."""

    def __init__(
        self, http: httpx.AsyncClient, clock: ManualClock, key: str = API_KEY, secret: str = API_SECRET
    ) -> None:
        self.http = http
        offsets = itertools.count()
        self.signer = VALRSigner(key, secret, clock_ms=lambda: int(clock() * 1000) + next(offsets))

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path, headers=self.signer.headers("GET", path))

    async def send(self, method: str, path: str, payload: Any) -> httpx.Response:
        body = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
        headers = {**self.signer.headers(method, path, body), "Content-Type": "application/json"}
        return await self.http.request(method, path, content=body.encode(), headers=headers)

    async def place(self, **order: Any) -> httpx.Response:
        return await self.send("POST", "/v1/orders/limit", order)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def sim(clock: ManualClock) -> AsyncIterator[SimulatorServer]:
    server = SimulatorServer(API_KEY, API_SECRET, seed=7, tick_interval=None, clock=clock, limits=GENEROUS)
    async with server:
        yield server


@pytest.fixture
async def http(sim: SimulatorServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=5, verify=SHARED_TLS) as client:
        yield client


@pytest.fixture
def signed(http: httpx.AsyncClient, clock: ManualClock) -> SignedClient:
    return SignedClient(http, clock)
