"""The simulator in a process of its own, driven over stdin, for benchmarks that must not share
the dashboard's interpreter (and GIL) with the exchange, as the real VALR does not.

    python -m benchmarks._sim_process KEY SECRET [TICK_S [PAIR,PAIR,...]]
    -> {"base_url": ..., "ws_url": ...}            (one JSON line once listening)
    <- flood PAIR RATE COUNT FIRST                 (set_price(PAIR, BASE + i) for i in FIRST..,
                                                    RATE per second on an absolute schedule)
    -> {"sent": {"i": perf_counter, ...}}          (when each price was set; perf_counter is
                                                    CLOCK_MONOTONIC, shared with the parent)
    <- quit

The random walk is off unless TICK_S is given and not 0 (then the market ticks every TICK_S
seconds, as ``--demo`` does): without it only the benchmark moves prices. PAIR,... : the pairs
served (default: the simulator's two).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from decimal import Decimal

from valr_tui.simulator.market import PAIR_CATALOGUE
from valr_tui.simulator.server import SimulatorServer

BASE_PRICE = 1_000_000


def price_of(index: int) -> Decimal:
    return Decimal(BASE_PRICE + index)


async def _flood(sim: SimulatorServer, pair: str, rate: float, count: int, first: int) -> dict[str, float]:
    sent: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    start = loop.time()
    for n in range(count):
        delay = start + n / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        sent[str(first + n)] = time.perf_counter()
        sim.exchange.set_price(pair, price_of(first + n))
        await asyncio.sleep(0)  # let the server write this change's frames
    return sent


async def _main(key: str, secret: str, tick_s: float | None, pairs: tuple[str, ...]) -> None:
    async with SimulatorServer(key, secret, seed=7, tick_interval=tick_s, pairs=pairs) as sim:
        print(json.dumps({"base_url": sim.base_url, "ws_url": sim.ws_url}), flush=True)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            words = line.split()
            if not words or words[0] == "quit":
                return
            if words[0] == "flood":
                pair, rate, count, first = words[1], float(words[2]), int(words[3]), int(words[4])
                sent = await _flood(sim, pair, rate, count, first)
                print(json.dumps({"sent": sent}), flush=True)


if __name__ == "__main__":
    tick = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    asyncio.run(_main(sys.argv[1], sys.argv[2], tick or None,
                      tuple(sys.argv[4].split(",")) if len(sys.argv) > 4 else tuple(PAIR_CATALOGUE)))
