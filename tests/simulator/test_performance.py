"""The simulator's own speed on loopback: latency of GET marketsummary and sustained requests/s.

Client and server share one event loop here, so the numbers are an upper bound on the
simulator's own cost. Run with ``-s`` to see them."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import pytest

from valr_tui.simulator.server import SimulatorServer

from .conftest import SHARED_TLS

PATH = "/v1/public/BTCZAR/marketsummary"


async def test_marketsummary_latency_and_throughput(
    sim: SimulatorServer, http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    await http.get(PATH)  # warm the connection
    latencies = []
    for _ in range(500):
        started = time.perf_counter()
        response = await http.get(PATH)
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200
    cuts = statistics.quantiles(latencies, n=100)
    p50_ms, p99_ms = cuts[49] * 1000, cuts[98] * 1000

    total, workers = 480, 8
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)

    async def worker(client: httpx.AsyncClient, count: int) -> None:
        for _ in range(count):
            assert (await client.get(PATH)).status_code == 200

    async with httpx.AsyncClient(base_url=sim.base_url, limits=limits, verify=SHARED_TLS) as pool:
        started = time.perf_counter()
        await asyncio.gather(*(worker(pool, total // workers) for _ in range(workers)))
        per_second = total / (time.perf_counter() - started)

    with capsys.disabled():
        print(
            f"\nsimulator GET marketsummary: p50 {p50_ms:.2f} ms, p99 {p99_ms:.2f} ms over 500 calls; "
            f"{per_second:.0f} req/s with {workers} concurrent clients"
        )
    # Loose bounds: a 2-core CI box shared with other jobs must still pass.
    assert p50_ms < 50 and p99_ms < 250
    assert per_second > 50
