"""Snapshot storage: batched insert rate and the last-N (N=100) query at 1,000,000 rows, each next to
raw ``sqlite3`` doing the same work on the same file-backed WAL database.

- insert: ``SnapshotRepository.insert_many`` in batches of 100 rows (what the market-data flusher
  writes), against raw ``sqlite3.executemany`` of the same rows in the same batches.
- last-N: ``SnapshotRepository.last_n(pair, 100)`` (aiosqlite, rows parsed back to Decimal) against
  the raw ``sqlite3`` query, on a table of 1,000,000 rows built quickly with ``executemany``.
- retention: one ``prune(keep_per_pair=...)`` removing 10% of the table.

Run: ``.venv/bin/python benchmarks/bench_snapshots.py``.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.db import Database
from storage.snapshots import SnapshotRepository, SnapshotRow

TOTAL_ROWS = 1_000_000
INSERT_ROWS = 20_000
BATCH = 100
LAST_N = 100
QUERY_RUNS = 200
PAIRS = ("BTCZAR", "ETHZAR", "XRPZAR", "SOLZAR")
START_MS = 1_760_000_000_000
D = Decimal


def _rows(count: int, offset: int = 0) -> list[SnapshotRow]:
    rows = []
    for i in range(offset, offset + count):
        bid = D(1_000_000 + i % 5000)
        rows.append(SnapshotRow(PAIRS[i % len(PAIRS)], bid, bid + 500, bid + 250, D("0.04999"),
                                "ws", START_MS + i * 250))
    return rows


def _fast_params(count: int, offset: int) -> Any:
    """The same rows as ``_rows`` as ready-made parameter tuples (integers are already canonical
    text), so the 1M-row table builds in seconds."""
    for i in range(offset, offset + count):
        bid = 1_000_000 + i % 5000
        yield (PAIRS[i % len(PAIRS)], str(bid), str(bid + 500), str(bid + 250), "0.04999", "ws",
               START_MS + i * 250)


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def _raw_connection(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _raw_insert(conn: sqlite3.Connection, params: list[tuple[Any, ...]]) -> None:
    sql = ("INSERT INTO market_snapshots (pair, bid, ask, last, spread_pct, source, captured_at)"
           " VALUES (?, ?, ?, ?, ?, ?, ?)")
    for start in range(0, len(params), BATCH):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, params[start : start + BATCH])
        conn.execute("COMMIT")


async def _measure(folder: Path) -> dict[str, object]:
    repo_path, raw_path = str(folder / "repo.db"), str(folder / "raw.db")
    results: dict[str, object] = {"name": "snapshot_storage", "batch_rows": BATCH}

    # -- insert rate: repository vs raw sqlite3 on identical rows -------------------------------
    rows = _rows(INSERT_ROWS)
    db = await Database.open(repo_path)
    await (await Database.open(raw_path)).close()  # same schema for the raw side
    repo = SnapshotRepository(db)
    started = time.perf_counter()
    for start in range(0, len(rows), BATCH):
        await repo.insert_many(rows[start : start + BATCH])
    repo_s = time.perf_counter() - started
    raw = _raw_connection(raw_path)
    params = [row.as_params() for row in rows]
    started = time.perf_counter()
    _raw_insert(raw, params)
    raw_s = time.perf_counter() - started
    results["insert_rows"] = INSERT_ROWS
    results["repo_insert_rows_per_s"] = round(INSERT_ROWS / repo_s)
    results["raw_sqlite3_insert_rows_per_s"] = round(INSERT_ROWS / raw_s)
    results["insert_time_ratio"] = round(repo_s / raw_s, 3)  # ours / raw: 1.0 = no overhead

    # -- fill the repository's table to 1,000,000 rows quickly ----------------------------------
    await db.close()
    raw.close()
    raw = _raw_connection(repo_path)  # raw sqlite3 reads the very same file below
    started = time.perf_counter()
    raw.execute("BEGIN")
    raw.executemany(
        "INSERT INTO market_snapshots (pair, bid, ask, last, spread_pct, source, captured_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        _fast_params(TOTAL_ROWS - INSERT_ROWS, INSERT_ROWS),
    )
    raw.execute("COMMIT")
    results["build_1m_rows_s"] = round(time.perf_counter() - started, 2)

    # -- last-N at 1M rows ------------------------------------------------------------------------
    db = await Database.open(repo_path)
    repo = SnapshotRepository(db)
    assert await repo.count() == TOTAL_ROWS
    repo_samples, raw_samples = [], []
    raw_sql = ("SELECT pair, bid, ask, last, spread_pct, source, captured_at FROM market_snapshots"
               " WHERE pair = ? ORDER BY captured_at DESC, id DESC LIMIT ?")
    for i in range(QUERY_RUNS):
        pair = PAIRS[i % len(PAIRS)]
        started = time.perf_counter()
        got = await repo.last_n(pair, LAST_N)
        repo_samples.append((time.perf_counter() - started) * 1000)
        assert len(got) == LAST_N and got[0].captured_at > got[-1].captured_at
        started = time.perf_counter()
        raw_rows = raw.execute(raw_sql, (pair, LAST_N)).fetchall()
        raw_samples.append((time.perf_counter() - started) * 1000)
        assert len(raw_rows) == LAST_N
    results["table_rows"] = TOTAL_ROWS
    results["repo_last_100_p50_ms"] = round(statistics.median(repo_samples), 3)
    results["repo_last_100_p99_ms"] = round(_percentile(repo_samples, 99), 3)
    results["raw_sqlite3_last_100_p50_ms"] = round(statistics.median(raw_samples), 3)
    results["raw_sqlite3_last_100_p99_ms"] = round(_percentile(raw_samples, 99), 3)
    results["last_100_p50_ratio"] = round(
        statistics.median(repo_samples) / statistics.median(raw_samples), 3)  # ours / raw

    # -- retention: cap each pair at 90% of its rows ---------------------------------------------
    keep = int(TOTAL_ROWS / len(PAIRS) * 0.9)
    started = time.perf_counter()
    deleted = await repo.prune(keep_per_pair=keep)
    results["prune_deleted_rows"] = deleted
    results["prune_s"] = round(time.perf_counter() - started, 3)
    await db.close()
    raw.close()
    results["storage"] = "file SQLite, WAL, synchronous=NORMAL"
    return results


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(_measure(Path(folder)))


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
