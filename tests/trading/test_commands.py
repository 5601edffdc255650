"""``valr-tui audit`` and ``valr-tui journal``: the story of one order, and the closed trades."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.audit import AuditRepository, resolve_correlation_id
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
from valr_tui.cli import main
from valr_tui.commands import audit_command, audit_story, journal_command, journal_lines
from valr_tui.errors import (
    AmbiguousCorrelationIdError,
    DatabaseMissingError,
    OrderNotFoundError,
    ValrTuiError,
)
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


async def test_an_amended_order_story_requests_the_first_terms_in_the_pair_quote(tmp_path: Path) -> None:
    """The REQUEST line is what was asked for, not the row as an amend left it; a USDC pair's prices
    are in USDC, never "R"."""
    db = await Database.open(tmp_path / "valr.db")
    audit = AuditRepository(db)
    order_id = await add_order(db, "cid-usdc", pair="BTCUSDC", price="60000.5", quantity="0.002",
                               status="OPEN")
    await audit.record(T0_MS + 5, "ORDER_AMEND_REQUESTED", "asking to amend", correlation_id="cid-usdc",
                       details={"price_before": D("60000.5"), "quantity_before": D("0.002"),
                                "price": D("61000"), "quantity": D("0.003")})
    await db.execute("UPDATE trading_orders SET price = '61000', quantity = '0.003' WHERE id = ?",
                     (order_id,))
    await add_fill(db, order_id, "cid-usdc", pair="BTCUSDC", price="61000", quantity="0.001",
                   at=T0_MS + 9)
    lines = await audit_story(db, "cid-usdc")
    await db.close()
    request = next(line for line in lines if "REQUEST" in line.split()[2])
    assert "BUY 0.002 BTCUSDC LIMIT @ 60,000.50 USDC (value 120.001 USDC)" in request
    status = next(line for line in lines if line.split()[2] == "ORDER")
    assert "filled 0 of 0.003 (amended to 0.003 @ 61,000.00 USDC)" in status
    fill = next(line for line in lines if line.split()[2] == "FILL")
    assert "@ 61,000.00 USDC = 61.00 USDC" in fill
    assert not re.search(r"\bR \d", "\n".join(lines))  # no rand sign on a USDC amount


def test_audit_command_prints_the_story_and_exits_0(tmp_path: Path) -> None:
    asyncio.run(build_story(tmp_path))
    out = io.StringIO()
    assert audit_command(settings_for(tmp_path), "cid-story", out) == 0
    text = out.getvalue()
    assert text.startswith("Story of cid-story:\n")
    assert text.count("\n") == 8


def run_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    """The command line as a scripter runs it: exit status, stdout, stderr."""
    code = main(["--env-file", str(tmp_path / "none.env"), *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def db_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "valr.db"
    monkeypatch.setenv("VALR_DB_PATH", str(path))
    return path


def test_an_unknown_id_is_one_coded_line_on_stderr_and_nothing_on_stdout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db_env: Path
) -> None:
    asyncio.run(build_story(tmp_path))
    code, out, err = run_cli(capsys, tmp_path, "audit", "no-such-id")
    assert (code, out) == (2, "")
    assert err == ("valr-tui: [VALR-ORD-009] no order, audit row or fill has a correlation id"
                   " starting with 'no-such-id'\n")
    code, out, err = run_cli(capsys, tmp_path, "audit", "   ")
    assert (code, out) == (2, "") and err.startswith("valr-tui: [VALR-ORD-009] give the correlation id")


def test_a_missing_database_never_lands_in_the_csv(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db_env: Path
) -> None:
    code, out, err = run_cli(capsys, tmp_path, "journal", "--csv")
    assert (code, out) == (2, "")
    assert err == f"valr-tui: [VALR-DB-013] no database at {db_env} (set VALR_DB_PATH or run the app first)\n"
    code, out, err = run_cli(capsys, tmp_path, "audit", "cid-story")
    assert (code, out) == (2, "") and err.startswith("valr-tui: [VALR-DB-013]")
    assert not db_env.exists()  # never created


def test_a_broken_database_is_one_coded_line_on_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db_env: Path
) -> None:
    db_env.write_bytes(b"this is not an SQLite file" * 100)
    code, out, err = run_cli(capsys, tmp_path, "journal", "--csv")
    assert (code, out) == (2, "")
    assert err.startswith("valr-tui: [VALR-DB-") and err.count("\n") == 1


def test_the_journal_csv_on_stdout_is_data_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db_env: Path
) -> None:
    asyncio.run(build_story(tmp_path))
    code, out, err = run_cli(capsys, tmp_path, "journal", "--csv")
    assert (code, err) == (0, "")
    rows = list(csv.DictReader(out.splitlines()))
    assert len(rows) == 1 and rows[0]["correlation_ids"] == "cid-story;cid-close"


def test_audit_accepts_a_unique_prefix_of_the_correlation_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db_env: Path
) -> None:
    asyncio.run(build_story(tmp_path))
    code, out, err = run_cli(capsys, tmp_path, "audit", "cid-st")
    assert (code, err) == (0, "")
    assert out.startswith("Story of cid-story:\n") and out.count("\n") == 8
    code, out, err = run_cli(capsys, tmp_path, "audit", "cid-c")  # only in fills and the journal
    assert code == 0 and out.startswith("Story of cid-close:\n")


def test_an_ambiguous_prefix_is_a_coded_error_with_the_count(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db_env: Path
) -> None:
    asyncio.run(build_story(tmp_path))
    code, out, err = run_cli(capsys, tmp_path, "audit", "cid-")  # cid-story, cid-other, cid-close
    assert (code, out) == (2, "")
    assert err == "valr-tui: [VALR-ORD-021] 3 correlation ids start with 'cid-': give more of it\n"


async def test_a_full_id_wins_over_the_longer_ids_it_is_a_prefix_of(tmp_path: Path) -> None:
    await build_story(tmp_path)
    db = await Database.open(tmp_path / "valr.db")
    try:
        await AuditRepository(db).record(T0_MS, "NOTE", "longer id", correlation_id="cid-story-2")
        assert await resolve_correlation_id(db, "cid-story") == "cid-story"
        assert await resolve_correlation_id(db, "cid-story-") == "cid-story-2"
        for wildcard in ("cid_story", "cid%", "%", "_"):  # LIKE's wildcards mean nothing here
            with pytest.raises(OrderNotFoundError):
                await resolve_correlation_id(db, wildcard)
        with pytest.raises(AmbiguousCorrelationIdError) as raised:
            await resolve_correlation_id(db, "c")
        assert raised.value.details["count"] == 4
    finally:
        await db.close()


def test_commands_never_create_a_database(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "nowhere")
    out = io.StringIO()
    with pytest.raises(DatabaseMissingError):
        audit_command(settings, "cid", out)
    with pytest.raises(DatabaseMissingError):
        journal_command(settings, False, out)
    assert out.getvalue() == ""
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


ID_CHARS = "aB%_-*?[]\u00e9\U0010ffff"  # case, LIKE's and GLOB's wildcards, beyond ASCII


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ids=st.lists(st.text(ID_CHARS, min_size=1, max_size=5), min_size=1, max_size=6, unique=True),
    text=st.text(ID_CHARS, min_size=1, max_size=5),
)
def test_a_prefix_resolves_exactly_as_a_scan_of_the_stored_ids_would(ids: list[str], text: str) -> None:
    """Against the real database: the id itself if stored, else the one id it starts, else the
    coded refusal with the true count; wildcards, case and the highest code point change nothing."""

    async def resolve() -> str | ValrTuiError:
        db = await Database.open(":memory:")
        try:
            audit = AuditRepository(db)
            for i, cid in enumerate(ids):  # spread over the tables a correlation id is written to
                if i % 2:
                    await add_order(db, cid, status="OPEN")
                else:
                    await audit.record(T0_MS, "NOTE", "seeded", correlation_id=cid)
            try:
                return await resolve_correlation_id(db, text)
            except ValrTuiError as exc:
                return exc
        finally:
            await db.close()

    result = asyncio.run(resolve())
    starting = [cid for cid in ids if cid.startswith(text)]
    if text in ids or len(starting) == 1:
        assert result == (text if text in ids else starting[0])
    elif not starting:
        assert isinstance(result, OrderNotFoundError)
    else:
        assert isinstance(result, AmbiguousCorrelationIdError) and result.details["count"] == len(starting)
