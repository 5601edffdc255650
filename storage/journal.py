"""``prediction_outcomes``: the trade journal, one row per closed position, recorded exactly once.

It is the export a learning system reads: an outcome (WIN/LOSS/BREAKEVEN with its PnL) for every
closed trade, linked to the orders' correlation ids. Amounts are TEXT in SQLite, Decimal here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import aiosqlite

from storage.db import Database, from_text, to_text


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    id: int
    position_key: str
    execution_mode: str
    pair: str
    direction: str
    quantity: Decimal
    entry_value_zar: Decimal
    exit_value_zar: Decimal
    fees_zar: Decimal
    pnl_zar: Decimal
    outcome: str
    correlation_ids: tuple[str, ...]
    thesis: str
    opened_at: int
    closed_at: int


def _outcome_from_row(row: aiosqlite.Row) -> OutcomeRow:
    try:
        ids = json.loads(row["correlation_ids"])
    except (TypeError, ValueError):
        ids = []
    return OutcomeRow(
        id=row["id"],
        position_key=row["position_key"],
        execution_mode=row["execution_mode"],
        pair=row["pair"],
        direction=row["direction"],
        quantity=from_text(row["quantity"]),
        entry_value_zar=from_text(row["entry_value_zar"]),
        exit_value_zar=from_text(row["exit_value_zar"]),
        fees_zar=from_text(row["fees_zar"]),
        pnl_zar=from_text(row["pnl_zar"]),
        outcome=row["outcome"],
        correlation_ids=tuple(str(i) for i in ids) if isinstance(ids, list) else (),
        thesis=row["thesis"],
        opened_at=row["opened_at"],
        closed_at=row["closed_at"],
    )


async def insert_prediction_outcome(tx: aiosqlite.Connection, row: OutcomeRow) -> int | None:
    """Insert ``row`` (its ``id`` is ignored) inside the caller's transaction; None when the
    position was recorded already."""
    cursor = await tx.execute(
        "INSERT INTO prediction_outcomes (position_key, execution_mode, pair, direction, quantity,"
        " entry_value_zar, exit_value_zar, fees_zar, pnl_zar, outcome, correlation_ids, thesis,"
        " opened_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (position_key) DO NOTHING",
        (
            row.position_key,
            row.execution_mode,
            row.pair,
            row.direction,
            to_text(row.quantity),
            to_text(row.entry_value_zar),
            to_text(row.exit_value_zar),
            to_text(row.fees_zar),
            to_text(row.pnl_zar),
            row.outcome,
            json.dumps(list(row.correlation_ids)),
            row.thesis,
            row.opened_at,
            row.closed_at,
        ),
    )
    return int(cursor.lastrowid) if cursor.rowcount == 1 and cursor.lastrowid else None


async def recorded_position_keys(db: Database, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are recorded already."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):  # stay well under SQLite's bound-parameter limit
        chunk = keys[start : start + 500]
        rows = await db.fetchall(
            f"SELECT position_key FROM prediction_outcomes WHERE position_key IN"
            f" ({','.join('?' * len(chunk))})",
            chunk,
        )
        found.update(r["position_key"] for r in rows)
    return found


async def list_outcomes(
    db: Database, *, limit: int = 200, execution_mode: str | None = None
) -> list[OutcomeRow]:
    """Newest first."""
    where = " WHERE execution_mode = ?" if execution_mode else ""
    params: tuple[object, ...] = (execution_mode,) if execution_mode else ()
    rows = await db.fetchall(
        f"SELECT * FROM prediction_outcomes{where} ORDER BY closed_at DESC, id DESC LIMIT ?",
        (*params, max(0, limit)),
    )
    return [_outcome_from_row(r) for r in rows]


async def outcomes_for_correlation(db: Database, correlation_id: str) -> list[OutcomeRow]:
    rows = await db.fetchall(
        "SELECT * FROM prediction_outcomes WHERE EXISTS"
        " (SELECT 1 FROM json_each(prediction_outcomes.correlation_ids) WHERE value = ?)"
        " ORDER BY closed_at, id",
        (correlation_id,),
    )
    return [_outcome_from_row(r) for r in rows]
