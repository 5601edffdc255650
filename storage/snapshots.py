"""``market_snapshots``: a bounded history of top-of-book quotes, written in batches.

Rows are written many at a time (``insert_many`` is one transaction with ``executemany``), read
newest first through ``idx_market_snapshots_pair_time``, and kept bounded by ``prune``: by age
(walks ``idx_market_snapshots_time``) and by a per-pair row cap (one ranged delete per pair on
``idx_market_snapshots_pair_time``). Amounts are TEXT via ``to_text``/``from_text``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import aiosqlite

from storage.db import Database, from_text, to_text
from valr_tui.errors import StorageError

SnapshotSource = Literal["rest", "ws"]
SOURCES: tuple[SnapshotSource, ...] = ("rest", "ws")

_COLUMNS = "pair, bid, ask, last, spread_pct, source, captured_at"
_INSERT = f"INSERT INTO market_snapshots ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
# A loose index scan: one index seek per distinct pair instead of reading every row.
_DISTINCT_PAIRS = """
WITH RECURSIVE p(pair) AS (
    SELECT MIN(pair) FROM market_snapshots
    UNION ALL
    SELECT (SELECT MIN(pair) FROM market_snapshots WHERE pair > p.pair) FROM p WHERE p.pair IS NOT NULL
)
SELECT pair FROM p WHERE pair IS NOT NULL
"""


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    pair: str
    bid: Decimal
    ask: Decimal
    last: Decimal
    spread_pct: Decimal
    source: SnapshotSource
    captured_at: int  # epoch ms

    def as_params(self) -> tuple[str, str, str, str, str, str, int]:
        if self.source not in SOURCES:
            raise StorageError(f"snapshot source must be 'rest' or 'ws', got {self.source!r}")
        return (
            self.pair,
            to_text(self.bid),
            to_text(self.ask),
            to_text(self.last),
            to_text(self.spread_pct),
            self.source,
            int(self.captured_at),
        )

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> SnapshotRow:
        source = row["source"]
        return cls(
            pair=row["pair"],
            bid=from_text(row["bid"]),
            ask=from_text(row["ask"]),
            last=from_text(row["last"]),
            spread_pct=from_text(row["spread_pct"]),
            source="ws" if source == "ws" else "rest",
            captured_at=row["captured_at"],
        )


class SnapshotRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert_many(self, rows: Sequence[SnapshotRow]) -> int:
        """Write every row in one transaction (all or none); return how many were written."""
        if not rows:
            return 0
        params = [row.as_params() for row in rows]  # validate before the transaction opens
        try:
            async with self.db.transaction() as tx:
                await tx.executemany(_INSERT, params)
        except sqlite3.Error as exc:
            raise StorageError(f"could not store {len(params)} market snapshots: {exc}") from None
        return len(params)

    async def last_n(self, pair: str, n: int) -> list[SnapshotRow]:
        """The newest ``n`` snapshots of ``pair``, newest first."""
        if n <= 0:
            return []
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS} FROM market_snapshots WHERE pair = ?"
            " ORDER BY captured_at DESC, id DESC LIMIT ?",
            (pair, n),
        )
        return [SnapshotRow.from_row(row) for row in rows]

    async def prune(
        self, *, older_than_ms: int | None = None, keep_per_pair: int | None = None
    ) -> int:
        """Delete rows captured before ``older_than_ms`` and, per pair, all but the newest
        ``keep_per_pair`` rows. One transaction; returns the number of rows deleted."""
        if keep_per_pair is not None and keep_per_pair < 0:
            raise StorageError("keep_per_pair must not be negative")
        deleted = 0
        try:
            async with self.db.transaction() as tx:
                if older_than_ms is not None:
                    cursor = await tx.execute(
                        "DELETE FROM market_snapshots WHERE captured_at < ?", (older_than_ms,)
                    )
                    deleted += max(cursor.rowcount, 0)
                if keep_per_pair is not None:
                    deleted += await self._cap_per_pair(tx, keep_per_pair)
        except sqlite3.Error as exc:
            raise StorageError(f"could not prune market snapshots: {exc}") from None
        return deleted

    @staticmethod
    async def _cap_per_pair(tx: aiosqlite.Connection, keep: int) -> int:
        async with tx.execute(_DISTINCT_PAIRS) as cursor:
            pairs = [row[0] for row in await cursor.fetchall()]
        deleted = 0
        for pair in pairs:
            if keep == 0:
                cursor = await tx.execute("DELETE FROM market_snapshots WHERE pair = ?", (pair,))
                deleted += max(cursor.rowcount, 0)
                continue
            # The oldest row still kept; everything older (by time, then id) goes.
            async with tx.execute(
                "SELECT captured_at, id FROM market_snapshots WHERE pair = ?"
                " ORDER BY captured_at DESC, id DESC LIMIT 1 OFFSET ?",
                (pair, keep - 1),
            ) as cursor:
                boundary = await cursor.fetchone()
            if boundary is None:
                continue  # fewer than ``keep`` rows
            cursor = await tx.execute(
                "DELETE FROM market_snapshots WHERE pair = ?"
                " AND (captured_at < ? OR (captured_at = ? AND id < ?))",
                (pair, boundary[0], boundary[0], boundary[1]),
            )
            deleted += max(cursor.rowcount, 0)
        return deleted

    async def count(self, pair: str | None = None) -> int:
        if pair is None:
            row = await self.db.fetchone("SELECT COUNT(*) FROM market_snapshots")
        else:
            row = await self.db.fetchone(
                "SELECT COUNT(*) FROM market_snapshots WHERE pair = ?", (pair,)
            )
        return int(row[0]) if row is not None else 0
