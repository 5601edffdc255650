"""The trade journal: closed positions, realised PnL with fees, WIN/LOSS/BREAKEVEN, exactly once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from storage.db import Database
from storage.journal import OutcomeRow, insert_prediction_outcome
from tests.trading.test_reconciliation import T0_MS, settings_for, trade
from valr_tui.trading.clock import ManualClock
from valr_tui.trading.trade_journal import TradeJournal, classify, journal_totals

D = Decimal


async def recorder_for(tmp_path: Path) -> tuple[TradeJournal, Database]:
    db = await Database.open(tmp_path / "valr.db")
    return TradeJournal(settings_for(tmp_path), db, ManualClock()), db


async def rag_documents(db: Database) -> list[dict[str, object]]:
    return [dict(r) for r in await db.fetchall("SELECT * FROM rag_documents ORDER BY id")]


async def test_long_round_trip_is_a_win_net_of_fees_and_recorded_once(tmp_path: Path) -> None:
    recorder, db = await recorder_for(tmp_path)
    await trade(db, "c-open", "BUY", "1000000", "0.01", fee="10", fee_currency="ZAR",
                note="breakout above 1m", at=T0_MS)
    await trade(db, "c-close", "SELL", "1100000", "0.01", fee="11", fee_currency="ZAR", at=T0_MS + 5000)
    [entry] = await recorder.process_new_fills()
    assert entry.direction == "LONG" and entry.pair == "BTCZAR"
    assert entry.quantity == D("0.01")
    assert entry.entry_value_zar == D("10000") and entry.exit_value_zar == D("11000")
    assert entry.fees_zar == D("21")
    assert entry.pnl_zar == D("979") and entry.outcome == "WIN"
    assert entry.thesis == "breakout above 1m"
    assert entry.correlation_ids == ("c-open", "c-close")
    assert (entry.opened_at, entry.closed_at) == (T0_MS, T0_MS + 5000)
    assert entry.execution_mode == "DRY_RUN"

    assert await recorder.process_new_fills() == []  # re-processing records nothing
    rows = await db.fetchall("SELECT position_key, pnl_zar FROM prediction_outcomes")
    assert len(rows) == 1 and rows[0]["pnl_zar"] == "979"
    assert rows[0]["position_key"].startswith("DRY_RUN:BTCZAR:")
    assert await recorder.journal() == [entry]
    await db.close()


async def test_short_round_trip_that_rises_is_a_loss(tmp_path: Path) -> None:
    recorder, db = await recorder_for(tmp_path)
    await trade(db, "s1", "SELL", "50000", "1", pair="ETHZAR", note="fade the pump")
    await trade(db, "s2", "BUY", "51000", "1", pair="ETHZAR", fee="51", fee_currency="ZAR")
    [entry] = await recorder.process_new_fills()
    assert entry.direction == "SHORT"
    assert entry.pnl_zar == D("-1051") and entry.outcome == "LOSS"
    await db.close()


async def test_partial_closes_record_one_position_when_flat(tmp_path: Path) -> None:
    recorder, db = await recorder_for(tmp_path)
    await trade(db, "p1", "BUY", "100", "0.02")
    await trade(db, "p2", "SELL", "110", "0.01")
    assert await recorder.process_new_fills() == []  # still 0.01 open
    await trade(db, "p3", "SELL", "90", "0.01")
    [entry] = await recorder.process_new_fills()
    assert entry.quantity == D("0.02")
    assert entry.exit_value_zar == D("2.00")
    assert entry.pnl_zar == D("0") and entry.outcome == "BREAKEVEN"
    assert entry.correlation_ids == ("p1", "p2", "p3")
    await db.close()


async def test_flip_closes_one_position_and_opens_the_other_sharing_the_fee(tmp_path: Path) -> None:
    recorder, db = await recorder_for(tmp_path)
    await trade(db, "f1", "BUY", "1000", "1", note="long thesis")
    await trade(db, "f2", "SELL", "1100", "3", fee="3", fee_currency="ZAR", note="flip short")
    [long_leg] = await recorder.process_new_fills()
    assert long_leg.direction == "LONG" and long_leg.quantity == D("1")
    assert long_leg.fees_zar == D("1")  # a third of the flipping fill's fee
    assert long_leg.pnl_zar == D("99")
    await trade(db, "f3", "BUY", "1000", "2")
    [short_leg] = await recorder.process_new_fills()
    assert short_leg.direction == "SHORT" and short_leg.quantity == D("2")
    assert short_leg.thesis == "flip short"
    assert short_leg.fees_zar == D("2")
    assert short_leg.pnl_zar == D("198")
    assert short_leg.correlation_ids == ("f2", "f3")
    assert len(await recorder.journal()) == 2
    await db.close()


async def test_fee_in_base_currency_is_valued_at_the_fill_price(tmp_path: Path) -> None:
    recorder, db = await recorder_for(tmp_path)
    await trade(db, "b1", "BUY", "1000000", "0.01", fee="0.00001", fee_currency="BTC")
    # The fee came out of the coins: 0.00999 BTC is what there is to sell, and selling it closes.
    await trade(db, "b2", "SELL", "1000000", "0.00999", fee="9.99", fee_currency="ZAR")
    [entry] = await recorder.process_new_fills()
    assert entry.quantity == D("0.00999")
    assert entry.entry_value_zar + entry.fees_zar - D("9.99") == D("10000")  # what was paid
    assert entry.fees_zar == D("19.99")
    assert entry.pnl_zar == D("-19.99") and entry.outcome == "LOSS"
    await db.close()


async def test_breakeven_tolerance_classifies_small_pnl(tmp_path: Path) -> None:
    tolerance = D("0.50")
    assert classify(D("0.50"), tolerance) == "BREAKEVEN"
    assert classify(D("-0.50"), tolerance) == "BREAKEVEN"
    assert classify(D("0.51"), tolerance) == "WIN"
    assert classify(D("-0.51"), tolerance) == "LOSS"
    recorder, db = await recorder_for(tmp_path)
    await trade(db, "e1", "BUY", "100.00", "1")
    await trade(db, "e2", "SELL", "100.30", "1")
    [entry] = await recorder.process_new_fills()
    assert entry.pnl_zar == D("0.30") and entry.outcome == "BREAKEVEN"
    await db.close()


async def test_paper_and_live_positions_never_mix(tmp_path: Path) -> None:
    recorder, db = await recorder_for(tmp_path)
    await trade(db, "m1", "BUY", "100", "1", mode="DRY_RUN")
    await trade(db, "m2", "SELL", "120", "1", mode="LIVE")
    assert await recorder.process_new_fills() == []  # a paper long and a LIVE short, both open
    await trade(db, "m3", "SELL", "110", "1", mode="DRY_RUN")
    [paper] = await recorder.process_new_fills()
    assert paper.execution_mode == "DRY_RUN" and paper.pnl_zar == D("10")
    assert await recorder.journal(execution_mode="LIVE") == []
    assert [e.id for e in await recorder.journal(execution_mode="DRY_RUN")] == [paper.id]
    live_totals = journal_totals(await recorder.journal(1_000_000, execution_mode="LIVE"))
    assert live_totals.count == 0 and live_totals.pnl_zar == 0
    await db.close()


async def test_one_document_per_trade_written_open_then_completed(tmp_path: Path) -> None:
    recorder, db = await recorder_for(tmp_path)
    await trade(db, "d1", "BUY", "1000", "1", note="mean reversion")
    await recorder.process_new_fills()
    [doc] = await rag_documents(db)
    assert doc["outcome_id"] is None
    body = str(doc["body"])
    assert "OPEN" in str(doc["title"]) and "mean reversion" in body and "d1" in body
    await trade(db, "d2", "SELL", "1200", "1", fee="2", fee_currency="ZAR")
    [entry] = await recorder.process_new_fills()
    [doc] = await rag_documents(db)
    assert doc["outcome_id"] == entry.id
    body = str(doc["body"])
    assert "Outcome: WIN" in body and "R 198.00" in body and "Thesis: mean reversion" in body
    assert "Entries:" in body and "Exits:" in body and "d2" in body
    await recorder.process_new_fills()
    assert len(await rag_documents(db)) == 1
    await db.close()


async def test_totals_count_outcomes_and_sum_pnl(tmp_path: Path) -> None:
    recorder, db = await recorder_for(tmp_path)
    for n, (buy, sell) in enumerate([("100", "110"), ("100", "90"), ("100", "100.1")]):
        await trade(db, f"t{n}a", "BUY", buy, "1", at=T0_MS + 10 * n)
        await trade(db, f"t{n}b", "SELL", sell, "1", at=T0_MS + 10 * n + 1)
    entries = await recorder.process_new_fills()
    assert [e.outcome for e in entries] == ["WIN", "LOSS", "BREAKEVEN"]
    totals = journal_totals(await recorder.journal(1_000_000, execution_mode="DRY_RUN"))
    assert (totals.count, totals.wins, totals.losses, totals.breakevens) == (3, 1, 1, 1)
    assert totals.pnl_zar == D("0.1")
    journal = await recorder.journal()
    assert [e.closed_at for e in journal] == sorted((e.closed_at for e in journal), reverse=True)
    await db.close()


async def test_a_prediction_outcome_is_recorded_once(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "valr.db")
    row_in = OutcomeRow(
        id=0, position_key="DRY_RUN:BTCZAR:1:2", execution_mode="DRY_RUN", pair="BTCZAR",
        direction="LONG", quantity=D("0.1"), entry_value_zar=D("100"), exit_value_zar=D("110"),
        fees_zar=D("1"), pnl_zar=D("9"), outcome="WIN", correlation_ids=("a", "b"), thesis="t",
        opened_at=1, closed_at=2,
    )
    async with db.transaction() as tx:
        first = await insert_prediction_outcome(tx, row_in)
    assert isinstance(first, int) and first > 0
    async with db.transaction() as tx:
        assert await insert_prediction_outcome(tx, row_in) is None
    row = await db.fetchone("SELECT correlation_ids, quantity FROM prediction_outcomes")
    assert row is not None and row["correlation_ids"] == '["a", "b"]' and row["quantity"] == "0.1"
    await db.close()


async def test_a_restarted_recorder_rescans_and_records_nothing_twice(tmp_path: Path) -> None:
    recorder, db = await recorder_for(tmp_path)
    await trade(db, "r1", "BUY", "100", "1", at=T0_MS)
    await trade(db, "r2", "SELL", "110", "1", at=T0_MS + 1)
    await trade(db, "r3", "BUY", "100", "2", at=T0_MS + 2)  # left open across the restart
    assert len(await recorder.process_new_fills()) == 1
    restarted = TradeJournal(settings_for(tmp_path), db, ManualClock())
    assert await restarted.process_new_fills() == []
    await trade(db, "r4", "SELL", "105", "2", at=T0_MS + 3)
    [entry] = await restarted.process_new_fills()
    assert entry.correlation_ids == ("r3", "r4") and entry.pnl_zar == D("10")
    assert len(await restarted.journal()) == 2
    await db.close()


async def test_a_failed_scan_is_retried_from_the_start(tmp_path: Path) -> None:
    recorder, db = await recorder_for(tmp_path)
    await trade(db, "f1", "BUY", "100", "1", at=T0_MS)
    await trade(db, "f2", "SELL", "90", "1", at=T0_MS + 1)
    original = recorder._record

    async def broken(position: object) -> None:
        raise OSError("disk full")

    recorder._record = broken  # type: ignore[assignment, method-assign]
    with pytest.raises(OSError):
        await recorder.process_new_fills()
    recorder._record = original  # type: ignore[method-assign]
    [entry] = await recorder.process_new_fills()  # the close is not lost
    assert entry.outcome == "LOSS"
    await db.close()
