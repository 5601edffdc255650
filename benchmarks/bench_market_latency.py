"""Price change to subscriber: how long from ``SimExchange.set_price`` on the simulator until a
``MarketDataClient`` subscriber holds a ``MarketView`` with that price, over the real WS stream
(simulator -> /ws/trade -> MarketStream -> MarketDataClient -> subscription queue).

The simulator, the client and the subscriber share one event loop and one process, so the
figure is the software path (JSON, WebSocket framing, parsing to Decimal, fan-out), not a network.
Changes are GAP_S apart: back to back, each sample would also wait for the previous change's
order-book frame to be parsed (milliseconds of Decimal parsing) before its own frames.

Run: ``.venv/bin/python benchmarks/bench_market_latency.py``.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.db import Database
from valr_tui.config import Settings
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.exchange.stream import MarketStream
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.secrets import Secret
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.market_data import MarketDataClient
from valr_tui.trading.safety import SafetyController
from valr_tui.trading.views import ConnectionState

KEY, SECRET = "bench-key", "bench-secret-0123456789"
PAIRS = ("BTCZAR", "ETHZAR")
CHANGES = 300
WARMUP = 20
GAP_S = 0.02


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


async def _measure(folder: Path) -> dict[str, object]:
    async with SimulatorServer(KEY, SECRET, seed=1, tick_interval=None) as sim:
        settings = Settings(api_key=Secret(KEY), api_secret=Secret(SECRET), base_url=sim.base_url,
                            ws_url=sim.ws_url, pairs=PAIRS, db_path=str(folder / "bench.db"))
        db = await Database.open(settings.db_path)
        signer = VALRSigner(KEY, SECRET)
        bucket = TokenBucket(capacity=10_000, refill_per_second=10_000)
        async with VALRClient(sim.base_url, signer=signer, bucket=bucket) as valr:
            client = MarketDataClient(
                valr, settings, SafetyController(db), None,
                stream_factory=lambda: MarketStream(sim.ws_url, PAIRS, signer=signer), tick_s=0.05,
            )
            subscription = client.subscribe(maxsize=1000)  # keep every view: measure, not drop
            task = asyncio.create_task(client.run())
            try:
                async for _view in subscription:  # the stream pushes the latest values on connect
                    if client.connection_state() is ConnectionState.WS:
                        break
                while True:  # start from an empty queue
                    try:
                        await asyncio.wait_for(anext(subscription), 0.2)
                    except TimeoutError:
                        break
                samples: list[float] = []
                for i in range(WARMUP + CHANGES):
                    price = Decimal(1_000_000 + 1000 * (i % 50) + i)  # every change a new price
                    started = time.perf_counter()
                    sim.exchange.set_price("BTCZAR", price)
                    async with asyncio.timeout(5):  # no extra task, unlike wait_for
                        async for view in subscription:
                            ticker = view.ticker
                            if view.pair == "BTCZAR" and ticker is not None \
                                    and ticker.source == "ws" and ticker.last == price:
                                break
                    if i >= WARMUP:
                        samples.append((time.perf_counter() - started) * 1000)
                    # Let the rest of this change (the 40-level book frame) be parsed before the
                    # next one, so each sample is one isolated change, not a queue behind the last.
                    await asyncio.sleep(GAP_S)
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await db.close()
    return {
        "name": "price_change_to_subscriber_ws",
        "changes": CHANGES,
        "p50_ms": round(statistics.median(samples), 3),
        "p99_ms": round(_percentile(samples, 99), 3),
        "max_ms": round(max(samples), 3),
        "mean_ms": round(statistics.fmean(samples), 3),
        "path": "simulator set_price -> /ws/trade -> MarketStream -> MarketDataClient -> subscriber",
    }


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(_measure(Path(folder)))


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
