"""The LIVE baseline's rows: its figures, when it was taken, and the fill boundary it keeps."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from storage.db import Database, to_text
from storage.ledger import BASELINE_MARKER, load_baseline, replace_baseline_in

D = Decimal


async def test_a_baseline_keeps_its_fill_boundary_apart_from_when_it_was_taken(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "valr.db")
    try:
        async with db.transaction() as tx:
            await replace_baseline_in(tx, "LIVE", {"ZAR": D("100.5")}, 5_000, fills_after=1_234)
        baseline = await load_baseline(db, "LIVE")
        assert baseline is not None
        assert (baseline.taken_at, baseline.fills_after) == (5_000, 1_234)
        assert baseline.totals == {"ZAR": D("100.5")}
    finally:
        await db.close()


async def test_a_baseline_stored_before_fill_boundaries_is_bounded_by_when_it_was_taken(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "valr.db")
    try:
        async with db.transaction() as tx:  # the rows as earlier versions wrote them
            await tx.executemany(
                "INSERT INTO reconciliation_baseline (execution_mode, currency, total, taken_at)"
                " VALUES ('LIVE', ?, ?, 7000)",
                [(BASELINE_MARKER, to_text(D(0))), ("BTC", to_text(D("0.1")))],
            )
        baseline = await load_baseline(db, "LIVE")
        assert baseline is not None
        assert (baseline.taken_at, baseline.fills_after) == (7_000, 7_000)
        assert baseline.totals == {"BTC": D("0.1")}
    finally:
        await db.close()
