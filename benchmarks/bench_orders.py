"""DRY_RUN submit-to-stored time: 200 paper orders through the full OrderManager path
(validation, market rules, safety, balance, order row + audit commit, paper reservation commit)
on a file-backed SQLite database in WAL mode, as the app runs it.

Run: ``.venv/bin/python benchmarks/bench_orders.py`` (or through the benchmarks runner, which
imports every bench_*.py and calls ``run()``).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.db import Database
from valr_tui.config import Settings
from valr_tui.exchange.models import BookLevel, OrderBook, Pair, TickerData
from valr_tui.trading.clock import system_clock
from valr_tui.trading.order_manager import OrderManager
from valr_tui.trading.paper import PaperVenue
from valr_tui.trading.safety import SafetyController
from valr_tui.trading.views import MarketView, OrderRequest

ORDERS = 200
D = Decimal
BTCZAR = Pair("BTCZAR", "BTC", "ZAR", D("1"), 8, D("0.00001"), D("100"), D("10"), D("5000000"))


class _FreshMarket:
    """A two-sided, fresh BTCZAR quote (re-stamped on every read so it never goes stale)."""

    def market(self, pair: str) -> MarketView:
        now = time.time()
        ticker = TickerData(pair, D("1000000"), D("1000500"), D("1000200"), D(0), D(0), D(0), D(0),
                            D(0), D(0), "", now)
        book = OrderBook(pair, (BookLevel(D("1000500"), D("0.5")),), (BookLevel(D("1000000"), D("0.5")),))
        return MarketView(pair, ticker, book, now, False)


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


async def _measure() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(db_path=str(Path(folder) / "bench.db"), log_path="",
                            dry_run_wallet_zar=D("100000000"))
        db = await Database.open(settings.db_path)
        try:
            market = _FreshMarket()
            paper = PaperVenue(settings, db, system_clock, market=market, pairs={"BTCZAR": BTCZAR})
            manager = await OrderManager.create(settings, db, SafetyController(db), market,
                                                {"BTCZAR": BTCZAR}, paper)
            samples: list[float] = []
            for i in range(ORDERS):
                # resting BUYs below the bid, at varied prices: no fill, pure submit-to-stored cost
                request = OrderRequest("BTCZAR", "BUY", str(990000 - i), "0.001")
                start = time.perf_counter()
                await manager.submit(request)
                samples.append((time.perf_counter() - start) * 1000)
            stored = await db.fetchone("SELECT COUNT(*) FROM trading_orders WHERE execution_mode = 'DRY_RUN'")
        finally:
            await db.close()
    assert stored is not None and stored[0] == ORDERS
    return {
        "name": "dry_run_submit_to_stored",
        "orders": ORDERS,
        "p50_ms": round(statistics.median(samples), 3),
        "p99_ms": round(_percentile(samples, 99), 3),
        "max_ms": round(max(samples), 3),
        "mean_ms": round(statistics.fmean(samples), 3),
        "storage": "file SQLite, WAL, synchronous=NORMAL",
    }


def run() -> dict[str, object]:
    return asyncio.run(_measure())


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
