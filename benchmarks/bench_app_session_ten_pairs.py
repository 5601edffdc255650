"""``bench_app_session`` with ``TEN_PAIRS`` in PAIRS: the idle CPU budgets (and the RSS check)
hold with 10 pairs, the chart and the depth on screen; the session lasts TEN_PAIRS_SHARE of
``--minutes`` (at least one), the out-of-process part as in ``bench_app_session``.

Run: ``.venv/bin/python -m benchmarks --only app_session_ten_pairs --minutes 10``.
"""

from __future__ import annotations

from benchmarks import bench_app_session
from benchmarks._common import TEN_PAIRS, session_minutes


def run() -> dict[str, object]:
    minutes = max(1.0, session_minutes() * bench_app_session.TEN_PAIRS_SHARE)
    return bench_app_session.measure(minutes, TEN_PAIRS)


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
