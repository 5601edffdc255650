"""``bench_app_memory`` with ``TEN_PAIRS`` watched (the budget holds with 10 pairs in PAIRS).

Run: ``.venv/bin/python -m benchmarks --only app_memory_ten_pairs``.
"""

from __future__ import annotations

from benchmarks import bench_app_memory
from benchmarks._common import TEN_PAIRS

CONCURRENT_GROUP = bench_app_memory.CONCURRENT_GROUP


def run() -> dict[str, object]:
    return bench_app_memory.run(TEN_PAIRS)


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
