"""``valr-tui audit`` and ``valr-tui journal``: the story of one order, and the closed trades."""

from __future__ import annotations

import asyncio
import csv
import io
from decimal import Decimal
from pathlib import Path

from storage.audit import AuditRepository
from storage.db import Database
from tests.trading.test_reconciliation import (
    T0_MS,
    Views,
    add_fill,
    add_order,
    fund,
    set_wallet,
    settings_for,
    trade,
)
from valr_tui.commands import audit_command, audit_story, journal_command, journal_lines
from valr_tui.trading.clock import ManualClock
from valr_tui.trading.reconciliation import ReconciliationEngine
from valr_tui.trading.safety import SafetyController
from valr_tui.trading.trade_journal import TradeJournal

D = Decimal


async def build_story(tmp_path: Path) -> None:
    """One BUY order's life: request, audit rows, a reconciliation while open, a fill, and a
    closing SELL that puts it in the journal."""
    db = await Database.open(tmp_path / "valr.db")
    audit = AuditRepository(db)
    await fund(db, "ZAR", "100000")
    order_id = await add_order(db, "cid-story", price="1000000", quantity="0.01", status="OPEN",
                               note="buy the dip", at=T0_MS)
    await audit.record(T0_MS + 1, "ORDER_VALIDATED", "all rules passed", correlation_id="cid-story")
    await audit.record(T0_MS + 2, "ORDER_SUBMITTED", "resting on the paper book",
                       correlation_id="cid-story", execution_mode="DRY_RUN")
    await audit.record(T0_MS + 1, "ORDER_VALIDATED", "another order", correlation_id="cid-other")
    wallet = {"ZAR": D("100000")}
    await set_wallet(db, wallet)
    clock = ManualClock(T0_MS / 1000 + 10)
    safety = await SafetyController.load(db, clock)
    views = Views(wallet, wallet)
    recon = ReconciliationEngine(settings_for(tmp_path), db, safety, exchange_view=views.exchange_view,
                                 state_view=views.state_view, clock=clock)
    assert (await recon.run_once()).ok  # names cid-story: it is open
    await add_fill(db, order_id, "cid-story", price="1000000", quantity="0.01", fee="0.00001",
                   fee_currency="BTC", at=T0_MS + 20_000)
    await db.execute("UPDATE trading_orders SET status = 'FILLED', filled_quantity = '0.01',"
                     " updated_at = ? WHERE id = ?", (T0_MS + 20_000, order_id))
    await trade(db, "cid-close", "SELL", "1100000", "0.00999", fee="10.99", fee_currency="ZAR",
                at=T0_MS + 60_000)
    # The BUY fee was 0.00001 BTC, so 0.00999 BTC closes the position.
    await TradeJournal(settings_for(tmp_path), db, clock).process_new_fills()
    await db.close()


async def test_audit_story_tells_the_whole_story_in_time_order(tmp_path: Path) -> None:
    await build_story(tmp_path)
    db = await Database.open(tmp_path / "valr.db")
    lines = await audit_story(db, "cid-story")
    await db.close()
    kinds = [line.split()[2] for line in lines]
    assert kinds == [
        "REQUEST", "ORDER_VALIDATED", "ORDER_SUBMITTED", "RECONCILIATION", "FILL", "ORDER", "JOURNAL"
    ]
    assert lines == sorted(lines)  # ISO timestamps lead every line
    assert lines[0].startswith("2025-10-09 08:53:20.000Z")
    assert "BUY 0.01 BTCZAR LIMIT @ R 1,000,000.00 (value R 10,000.00) [DRY_RUN]" in lines[0]
    assert 'note: "buy the dip"' in lines[0]
    assert "another order" not in "\n".join(lines)
    assert "[OK]" in lines[3]
    assert "fee 0.00001 BTC (R 10.00)" in lines[4]
    assert "FILLED: filled 0.01 of 0.01" in lines[5]
    assert "LONG 0.00999 BTCZAR closed" in lines[6] and "WIN" in lines[6]
    assert 'thesis: "buy the dip"' in lines[6]


def test_audit_command_prints_the_story_and_exits_0(tmp_path: Path) -> None:
    asyncio.run(build_story(tmp_path))
    out = io.StringIO()
    assert audit_command(settings_for(tmp_path), "cid-story", out) == 0
    text = out.getvalue()
    assert text.startswith("Story of cid-story:\n")
    assert text.count("\n") == 8


def test_audit_command_unknown_id_is_a_clear_message_and_exit_1(tmp_path: Path) -> None:
    asyncio.run(build_story(tmp_path))
    out = io.StringIO()
    assert audit_command(settings_for(tmp_path), "no-such-id", out) == 1
    assert "no order, audit row or journal entry has correlation id 'no-such-id'" in out.getvalue()
    out = io.StringIO()
    assert audit_command(settings_for(tmp_path), "   ", out) == 1
    assert "correlation id" in out.getvalue()


def test_commands_never_create_a_database(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "nowhere")
    out = io.StringIO()
    assert audit_command(settings, "cid", out) == 1
    assert journal_command(settings, False, out) == 1
    assert "no database at" in out.getvalue()
    assert not (tmp_path / "nowhere").exists()


async def test_journal_lines_show_trades_and_totals(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "valr.db")
    assert await journal_lines(db) == ["No closed trades yet."]
    await trade(db, "a1", "BUY", "1000", "1", note="first", at=T0_MS)
    await trade(db, "a2", "SELL", "1200", "1", fee="1.5", fee_currency="ZAR", at=T0_MS + 1)
    await trade(db, "b1", "SELL", "50000", "0.1", pair="ETHZAR", mode="LIVE", at=T0_MS + 2)
    await trade(db, "b2", "BUY", "51000", "0.1", pair="ETHZAR", mode="LIVE", at=T0_MS + 3)
    await TradeJournal(settings_for(tmp_path), db, ManualClock()).process_new_fills()
    lines = await journal_lines(db)
    assert "R 198.50" in lines[2] and "WIN" in lines[2] and "first" in lines[2]
    assert "LIVE" in lines[3] and "-R 100.00" in lines[3].replace("R -", "-R ") and "LOSS" in lines[3]
    assert "DRY_RUN totals: 1 trades, 1 wins, 0 losses, 0 breakeven; PnL R 198.50" in lines[-2]
    assert lines[-1].startswith("LIVE totals: 1 trades, 0 wins, 1 losses")
    only_live = await journal_lines(db, execution_mode="LIVE")
    assert all("DRY_RUN" not in line for line in only_live)
    await db.close()


async def test_journal_csv_keeps_exact_decimal_strings(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "valr.db")
    await trade(db, "x1", "BUY", "1234567", "0.00012345", fee="0.00000012", fee_currency="BTC",
                note='quotes "and", commas', at=T0_MS)
    await trade(db, "x2", "SELL", "1234999", "0.00012333", fee="0.15", fee_currency="ZAR", at=T0_MS + 1)
    [entry] = await TradeJournal(settings_for(tmp_path), db, ManualClock()).process_new_fills()
    lines = await journal_lines(db, csv=True)
    await db.close()
    [row] = list(csv.DictReader(lines))
    assert D(row["pnl_zar"]) == entry.pnl_zar and row["pnl_zar"] == format(entry.pnl_zar, "f")
    assert row["fees_zar"] == "0.29814804"  # 0.00000012 BTC at 1 234 567 + 0.15 ZAR, exact
    assert row["quantity"] == "0.00012333"  # the coins held after the BUY fee
    assert row["thesis"] == 'quotes "and", commas'
    assert row["correlation_ids"] == "x1;x2"
    assert row["outcome"] == entry.outcome


def test_journal_command_prints_csv(tmp_path: Path) -> None:
    async def seed() -> None:
        db = await Database.open(tmp_path / "valr.db")
        await trade(db, "y1", "BUY", "100", "1", at=T0_MS)
        await trade(db, "y2", "SELL", "100", "1", at=T0_MS + 1)
        await TradeJournal(settings_for(tmp_path), db, ManualClock()).process_new_fills()
        await db.close()

    asyncio.run(seed())
    out = io.StringIO()
    assert journal_command(settings_for(tmp_path), True, out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("id,opened_at,closed_at,execution_mode,pair")
    assert len(lines) == 2 and ",BREAKEVEN," in lines[1]


class ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError


def test_a_reader_that_goes_away_is_not_a_traceback(tmp_path: Path) -> None:
    asyncio.run(build_story(tmp_path))
    assert journal_command(settings_for(tmp_path), True, ClosedPipe()) == 0
    assert audit_command(settings_for(tmp_path), "cid-story", ClosedPipe()) == 0
