"""``valr-tui audit <correlation-id>`` and ``valr-tui journal [--csv]``: read-only reports.

``audit`` tells the whole story of one order in time order: the request (the order row), every
audit row carrying its correlation id (validation, submission, acknowledgements, state changes),
its fills, the reconciliation runs that named it, and the journal entry it is part of.
``journal`` lists closed trades with PnL and outcome, and the totals per execution mode; ``--csv``
exports the same rows with exact Decimal strings.

Reports go to stdout and nothing else does: a failure is a coded error, which the command line
prints as one line on stderr (exit 2), so ``journal --csv > file`` never holds an error text.
"""

from __future__ import annotations

import asyncio
import csv as csv_module
import io
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TextIO, TypeVar

from storage.audit import AuditEntry, AuditRepository, resolve_correlation_id
from storage.db import Database
from storage.journal import list_outcomes, outcomes_for_correlation
from storage.ledger import load_fills
from storage.orders import OrderRepository
from valr_tui.config import Settings
from valr_tui.errors import DatabaseMissingError, OrderNotFoundError
from valr_tui.money import split_pair_symbol
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.trade_journal import entry_from_row, iso_ms, journal_totals
from valr_tui.trading.views import JournalEntry

EXIT_OK = 0
MAX_CORRELATION_ID = 100
T = TypeVar("T")

CSV_COLUMNS = (
    "id", "opened_at", "closed_at", "execution_mode", "pair", "direction", "quantity",
    "entry_value_zar", "exit_value_zar", "fees_zar", "pnl_zar", "outcome", "correlation_ids", "thesis",
)


@dataclass(frozen=True, slots=True)
class _Event:
    at: int
    rank: int  # ties at the same millisecond: request, audit, fill, reconciliation, journal
    row_id: int
    kind: str
    text: str

    def line(self) -> str:
        return f"{iso_ms(self.at)}  {self.kind:<16} {self.text}"


def _zar(value: Decimal) -> str:
    return DecimalGateway.format_zar(value)


def _wire(value: Decimal) -> str:
    return DecimalGateway.to_wire(value)


def _price(value: Decimal, quote: str) -> str:
    return DecimalGateway.format_price(value, quote)


def _terms_requested(price: Decimal, quantity: Decimal, rows: list[AuditEntry]) -> tuple[Decimal, Decimal]:
    """The price and quantity first asked for: the terms before the first amend request, if any."""
    for row in rows:
        if row.event_type == "ORDER_AMEND_REQUESTED" and "price_before" in row.details:
            return (DecimalGateway.to_decimal(row.details["price_before"]),
                    DecimalGateway.to_decimal(row.details["quantity_before"]))
    return price, quantity


async def audit_story(db: Database, correlation_id: str) -> list[str]:
    """Every line of one order's story, in time order. Empty when the id is unknown."""
    events: list[_Event] = []
    stored = await OrderRepository(db).find(correlation_id)
    audit = AuditRepository(db)
    audit_rows = await audit.for_correlation(correlation_id)
    if stored is not None:
        order = stored.record
        _, quote = split_pair_symbol(order.pair)
        # The request as it was made: an amend changed the row, its first request kept the terms before.
        price, quantity = _terms_requested(order.price, order.quantity, audit_rows)
        note = f' note: "{order.note}"' if order.note else ""
        events.append(_Event(
            order.created_at, 0, order.id, "REQUEST",
            f"{order.side} {_wire(quantity)} {order.pair} LIMIT @ {_price(price, quote)}"
            f" (value {_price(DecimalGateway.multiply(price, quantity), quote)})"
            f" [{order.execution_mode}]{note}",
        ))
        valr_id = f", VALR id {order.valr_order_id}" if order.valr_order_id else ""
        error = f", error {stored.error_code}" if stored.error_code else ""
        amended = f" (amended to {_wire(order.quantity)} @ {_price(order.price, quote)})" \
            if (price, quantity) != (order.price, order.quantity) else ""
        events.append(_Event(
            order.updated_at, 5, order.id, "ORDER STATUS",
            f"{order.state.value}: filled {_wire(order.filled_quantity)} of"
            f" {_wire(order.quantity)}{amended}{valr_id}{error}",
        ))
    for row in audit_rows:
        events.append(_Event(
            row.occurred_at, 1, row.id, row.event_type, f"[{row.severity}] {row.message}"
        ))
    for fill in await load_fills(db, correlation_id=correlation_id):
        _, quote = split_pair_symbol(fill.pair)
        fee = f"{_wire(fill.fee)} {fill.fee_currency or quote}"
        if fill.fee and fill.fee_currency.upper() not in ("", quote):
            fee += f" ({_price(fill.fee_in_quote(), quote)})"
        events.append(_Event(
            fill.traded_at, 2, fill.id, "FILL",
            f"{fill.side} {_wire(fill.quantity)} @ {_price(fill.price, quote)} ="
            f" {_price(DecimalGateway.multiply(fill.price, fill.quantity), quote)}, fee {fee}"
            f" [{fill.execution_mode} trade {fill.trade_id}]",
        ))
    # Reconciliation runs name the open orders they saw in details.correlation_ids.
    for run in await audit.reconciliations_naming(correlation_id):
        details = run.details
        outcome = details.get("outcome", "?") if isinstance(details, dict) else "?"
        events.append(_Event(run.occurred_at, 3, run.id, "RECONCILIATION", f"[{outcome}] {run.message}"))
    for outcome_row in await outcomes_for_correlation(db, correlation_id):
        entry = entry_from_row(outcome_row)
        events.append(_Event(entry.closed_at, 4, entry.id, "JOURNAL", _journal_summary(entry)))
    events.sort(key=lambda e: (e.at, e.rank, e.row_id))
    return [e.line() for e in events]


def _journal_summary(entry: JournalEntry) -> str:
    thesis = f' thesis: "{entry.thesis}"' if entry.thesis else ""
    return (
        f"{entry.direction} {_wire(entry.quantity)} {entry.pair} closed [{entry.execution_mode}]:"
        f" entry {_zar(entry.entry_value_zar)}, exit {_zar(entry.exit_value_zar)},"
        f" fees {_zar(entry.fees_zar)}, PnL {_zar(entry.pnl_zar)} {entry.outcome}{thesis}"
    )


async def journal_lines(
    db: Database, *, csv: bool = False, execution_mode: str | None = None
) -> list[str]:
    """Closed trades, oldest first, then totals per mode; or CSV rows with exact Decimal strings."""
    rows = await list_outcomes(db, limit=10_000_000, execution_mode=execution_mode)
    entries = [entry_from_row(r) for r in reversed(rows)]
    if csv:
        return _csv_lines(entries)
    if not entries:
        return ["No closed trades yet."]
    header = (
        f"{'closed (UTC)':<24} {'mode':<7} {'pair':<8} {'dir':<5} {'quantity':>12} {'entry':>16}"
        f" {'exit':>16} {'fees':>12} {'PnL':>14}  outcome    thesis"
    )
    lines = [header, "-" * len(header)]
    for e in entries:
        lines.append(
            f"{iso_ms(e.closed_at):<24} {e.execution_mode:<7} {e.pair:<8} {e.direction:<5}"
            f" {_wire(e.quantity):>12} {_zar(e.entry_value_zar):>16} {_zar(e.exit_value_zar):>16}"
            f" {_zar(e.fees_zar):>12} {_zar(e.pnl_zar):>14}  {e.outcome:<10} {e.thesis}"
        )
    lines.append("")
    for mode in sorted({e.execution_mode for e in entries}):
        totals = journal_totals(e for e in entries if e.execution_mode == mode)
        win_rate = DecimalGateway.quantize(totals.win_rate_pct, Decimal("0.1"))
        lines.append(
            f"{mode} totals: {totals.count} trades, {totals.wins} wins, {totals.losses} losses,"
            f" {totals.breakevens} breakeven; PnL {_zar(totals.pnl_zar)}, fees {_zar(totals.fees_zar)},"
            f" win rate {win_rate}%"
        )
    return lines


def _csv_lines(entries: list[JournalEntry]) -> list[str]:
    buffer = io.StringIO()
    writer = csv_module.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow((
            e.id, iso_ms(e.opened_at), iso_ms(e.closed_at), e.execution_mode, e.pair, e.direction,
            _wire(e.quantity), _wire(e.entry_value_zar), _wire(e.exit_value_zar), _wire(e.fees_zar),
            _wire(e.pnl_zar), e.outcome, ";".join(e.correlation_ids), e.thesis,
        ))
    return buffer.getvalue().splitlines()


def _with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Open the configured database (never create one), run ``work``, close. Failures are coded
    errors (a missing file is VALR-DB-013) for the command line's one line on stderr."""
    path = settings.db_path
    if path != ":memory:" and not Path(path).is_file():
        raise DatabaseMissingError(f"no database at {path} (set VALR_DB_PATH or run the app first)")

    async def run() -> T:
        db = await Database.open(path, exclusive=False)  # a reader beside a running app
        try:
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(run())


def audit_command(settings: Settings, correlation_id: str, out: TextIO) -> int:
    """Print one order's story on ``out``. The id may be a unique prefix of the full one; an
    unknown or ambiguous id raises its coded error (the command line prints it on stderr)."""
    text = correlation_id.strip()
    if not text or len(text) > MAX_CORRELATION_ID:
        raise OrderNotFoundError(
            f"give the correlation id shown on the order, or its start (up to {MAX_CORRELATION_ID}"
            " characters)"
        )

    async def story(db: Database) -> tuple[str, list[str]]:
        cid = await resolve_correlation_id(db, text)
        return cid, await audit_story(db, cid)

    cid, lines = _with_db(settings, story)
    _print_lines([f"Story of {cid}:", *lines], out)
    return EXIT_OK


def journal_command(settings: Settings, csv: bool, out: TextIO) -> int:
    """Print every closed trade (paper and LIVE, marked) with totals, or export CSV."""
    _print_lines(_with_db(settings, lambda db: journal_lines(db, csv=csv)), out)
    return EXIT_OK


def _print_lines(lines: list[str], out: TextIO) -> None:
    """Print, and stop quietly when the reader goes away (``valr-tui journal --csv | head``)."""
    try:
        for line in lines:
            print(line, file=out)
        out.flush()
    except BrokenPipeError:
        if out is sys.stdout:
            # Point stdout at /dev/null so the interpreter's final flush does not fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
