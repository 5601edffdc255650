"""Requests per second the VALRClient sustains against the loopback simulator.

    python -m benchmarks.bench_client [--calls 500] [--concurrency 10]

Signed ``get_ticker`` calls (the path the app polls with credentials), with a bucket large enough
that it never throttles and simulator limits raised out of the way: this measures the client
(signing, httpx, Decimal parsing) plus the simulator on one machine, not VALR.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.simulator.server import RateLimits, SimulatorServer

KEY = "bench-api-key-0123456789"
SECRET = "bench-api-secret-0123456789abcdef"
UNLIMITED = RateLimits(
    per_key_per_minute=10**9, per_ip_per_minute=10**9, public_per_minute=10**9,
    ws_connections_per_minute=10**9,
)


SUMMARY = (
    b'{"currencyPair":"BTCZAR","askPrice":"1500750","bidPrice":"1499250","lastTradedPrice":"1500000",'
    b'"previousClosePrice":"1500000","baseVolume":"1.5","quoteVolume":"2250000","highPrice":"1500750",'
    b'"lowPrice":"1499250","created":"2026-11-24T19:00:00.000Z","changeFromPrevious":"0.00"}'
)


async def _client_only(calls: int) -> float:
    """The client's own ceiling: signing, bucket, httpx plumbing and parsing, no network."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=SUMMARY))
    bucket = TokenBucket(capacity=10**6, refill_per_second=10**6)
    async with VALRClient("http://bench.invalid", signer=VALRSigner(KEY, SECRET), bucket=bucket,
                          transport=transport) as client:
        started = time.perf_counter()
        for _ in range(calls):
            await client.get_ticker("BTCZAR")
        return calls / (time.perf_counter() - started)


async def _run(calls: int, concurrency: int) -> str:
    async with SimulatorServer(KEY, SECRET, seed=1, tick_interval=None, limits=UNLIMITED) as sim:
        bucket = TokenBucket(capacity=10**6, refill_per_second=10**6)
        async with VALRClient(sim.base_url, signer=VALRSigner(KEY, SECRET), bucket=bucket) as client:
            await client.get_ticker("BTCZAR")  # warm the connection pool
            latencies: list[float] = []

            async def one() -> None:
                started = time.perf_counter()
                await client.get_ticker("BTCZAR")
                latencies.append(time.perf_counter() - started)

            started = time.perf_counter()
            for _ in range(calls):
                await one()
            sequential_s = time.perf_counter() - started

            queue = list(range(calls))

            async def worker() -> None:
                while queue:
                    queue.pop()
                    await client.get_ticker("BTCZAR")

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            concurrent_s = time.perf_counter() - started
    ceiling = await _client_only(calls)
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return (
        f"bench_client: {calls} signed get_ticker calls vs simulator: "
        f"sequential {calls / sequential_s:.0f} req/s (p50 {p50:.2f} ms, p99 {p99:.2f} ms); "
        f"concurrency {concurrency}: {calls / concurrent_s:.0f} req/s; "
        f"client alone (MockTransport): {ceiling:.0f} req/s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args(argv)
    print(asyncio.run(_run(args.calls, args.concurrency)))


if __name__ == "__main__":
    main()
