"""``bench_app_startup`` with ``TEN_PAIRS`` in PAIRS (the budgets hold with 10 pairs).

Run: ``.venv/bin/python -m benchmarks --only app_startup_ten_pairs``.
"""

from __future__ import annotations

from benchmarks import bench_app_startup
from benchmarks._common import TEN_PAIRS


def run() -> dict[str, object]:
    return bench_app_startup.measure(TEN_PAIRS)


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
