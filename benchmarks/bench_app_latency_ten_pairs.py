"""``bench_app_latency`` with ``TEN_PAIRS`` in PAIRS: the price and key budgets hold with 10
pairs, the chart and the depth on screen (the peer is measured again in the same run).

Run: ``.venv/bin/python -m benchmarks --only app_latency_ten_pairs``.
"""

from __future__ import annotations

from benchmarks import bench_app_latency
from benchmarks._common import TEN_PAIRS


def run() -> dict[str, object]:
    return bench_app_latency.measure(TEN_PAIRS)


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
