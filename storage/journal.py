"""Reads and writes for reconciliation and the trade journal, in plain SQL.

- the database's view of balances: DRY_RUN = paper_wallet_funding + the effect of every DRY_RUN fill;
  LIVE = the recorded baseline (``reconciliation_baseline``, migration 007) + LIVE fills since;
- ``prediction_outcomes`` (one row per closed position, exactly once) and ``rag_documents`` (one
  readable document per trade).

Amounts are TEXT in SQLite and Decimal here; sums run under ``localcontext`` via DecimalGateway.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

import aiosqlite

from storage.db import Database, from_text, to_text
from valr_tui.exchange.decimal_gateway import DecimalGateway
from valr_tui.exchange.models import split_pair_symbol

# Quote currencies VALR lists, longest first so "USDC" wins over a shorter suffix.
EXACT_DIGITS = 60
BASELINE_MARKER = "*"  # a row that records when the baseline was taken, even with no balances
OPEN_ORDER_STATES: tuple[str, ...] = (
    "PENDING_SUBMIT",
    "SUBMITTED",
    "OPEN",
    "PARTIALLY_FILLED",
    "CANCEL_REQUESTED",
    "UNKNOWN",
)


def exact() -> AbstractContextManager[Context]:
    """A fresh local context wide enough that sums of amounts are exact; like the Decimal
    Gateway's, it never inherits (or touches) the global context's rounding and traps."""
    traps = [InvalidOperation, DivisionByZero, Overflow]
    return localcontext(Context(prec=EXACT_DIGITS, rounding=ROUND_HALF_EVEN, traps=traps))


def money_precision(currency: str) -> Decimal:
    """ZAR moves in cents, everything else (crypto) in units of 1e-8."""
    return DecimalGateway.ZAR_PRECISION if currency.upper() == "ZAR" else DecimalGateway.CRYPTO_PRECISION


def fill_value(price: Decimal, quantity: Decimal, quote: str) -> Decimal:
    """The quote amount a fill moves: price × quantity to the quote currency's precision
    (half-even), as VALR and the paper engine settle it."""
    return DecimalGateway.quantize(DecimalGateway.multiply(price, quantity), money_precision(quote))


@dataclass(frozen=True, slots=True)
class Fill:
    """One ``order_fills`` row, with the note of the order it belongs to."""

    id: int
    execution_mode: str
    trade_id: str
    pair: str
    side: str
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_currency: str
    correlation_id: str
    traded_at: int
    order_note: str = ""

    def fee_in_quote(self) -> Decimal:
        """The fee valued in the pair's quote currency (ZAR for ZAR pairs): a fee charged in the
        base currency is valued at this fill's price; an unnamed currency is taken as quote."""
        base, _quote = split_pair_symbol(self.pair)
        if self.fee_currency.upper() == base:
            return DecimalGateway.multiply(self.fee, self.price)
        return self.fee


def _fill_from_row(row: aiosqlite.Row) -> Fill:
    return Fill(
        id=row["id"],
        execution_mode=row["execution_mode"],
        trade_id=row["trade_id"],
        pair=row["pair"],
        side=row["side"],
        price=from_text(row["price"]),
        quantity=from_text(row["quantity"]),
        fee=from_text(row["fee"]),
        fee_currency=row["fee_currency"] or "",
        correlation_id=row["correlation_id"],
        traded_at=row["traded_at"],
        order_note=row["note"] or "",
    )


async def load_fills(
    db: Database,
    execution_mode: str | None = None,
    *,
    traded_after: int | None = None,
    correlation_id: str | None = None,
    after_id: int = 0,
    order_by_id: bool = False,
) -> list[Fill]:
    """Fills in trading order (traded_at, then id) or in storage order (id), optionally one mode,
    one order (by correlation id), only those traded after a time, only those stored after a row."""
    where: list[str] = []
    params: list[object] = []
    if after_id:
        where.append("f.id > ?")
        params.append(after_id)
    if correlation_id is not None:
        where.append("f.correlation_id = ?")
        params.append(correlation_id)
    if execution_mode is not None:
        where.append("f.execution_mode = ?")
        params.append(execution_mode)
    if traded_after is not None:
        where.append("f.traded_at > ?")
        params.append(traded_after)
    sql = (
        "SELECT f.*, o.note FROM order_fills f LEFT JOIN trading_orders o ON o.id = f.order_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + (" ORDER BY f.id" if order_by_id else " ORDER BY f.traded_at, f.id")
    )
    return [_fill_from_row(r) for r in await db.fetchall(sql, params)]


def _add(totals: dict[str, Decimal], currency: str, amount: Decimal) -> None:
    totals[currency] = totals.get(currency, Decimal(0)) + amount


def apply_fills(start: Mapping[str, Decimal], fills: Iterable[Fill]) -> dict[str, Decimal]:
    """Balances after ``fills``: BUY +base −quote value, SELL the mirror, minus each fee in its
    currency (an unnamed fee currency is the quote)."""
    totals = dict(start)
    with exact():
        for fill in fills:
            _apply_fill(totals, fill)
    return totals


def _apply_fill(totals: dict[str, Decimal], fill: Fill) -> None:
    base, quote = split_pair_symbol(fill.pair)
    value = fill_value(fill.price, fill.quantity, quote)
    sign = 1 if fill.side == "BUY" else -1
    _add(totals, base, sign * fill.quantity)
    _add(totals, quote, -sign * value)
    if fill.fee:
        _add(totals, fill.fee_currency.upper() or quote, -fill.fee)


async def paper_funding(db: Database) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    rows = await db.fetchall("SELECT currency, amount FROM paper_wallet_funding")
    with exact():
        for row in rows:
            _add(totals, row["currency"], from_text(row["amount"]))
    return totals


async def paper_wallet_totals(db: Database) -> dict[str, Decimal]:
    """The paper wallet rows as stored (DRY_RUN's "exchange")."""
    rows = await db.fetchall("SELECT currency, total FROM paper_wallet")
    return {r["currency"]: from_text(r["total"]) for r in rows}


class FillEffects:
    """The running sum of one mode's fills' balance effects, read incrementally: fills are
    append-only, so each call reads only rows stored since the last one (a reconciliation run
    stays cheap however long the history grows)."""

    def __init__(self, execution_mode: str, traded_after: int | None = None) -> None:
        self.execution_mode = execution_mode
        self.traded_after = traded_after
        self.last_fill_id = 0
        self._totals: dict[str, Decimal] = {}

    async def totals(self, db: Database) -> dict[str, Decimal]:
        fills = await load_fills(
            db, self.execution_mode, traded_after=self.traded_after, after_id=self.last_fill_id,
            order_by_id=True,
        )
        if fills:
            self._totals = apply_fills(self._totals, fills)
            self.last_fill_id = fills[-1].id
        return dict(self._totals)


def _combine(start: Mapping[str, Decimal], effects: Mapping[str, Decimal]) -> dict[str, Decimal]:
    totals = dict(start)
    with exact():
        for currency, amount in effects.items():
            _add(totals, currency, amount)
    return totals


async def paper_db_balances(db: Database, effects: FillEffects | None = None) -> dict[str, Decimal]:
    """DRY_RUN balances implied by stored data: funding + every DRY_RUN fill (``effects`` keeps
    the fills' running sum between calls)."""
    effects = effects or FillEffects("DRY_RUN")
    return _combine(await paper_funding(db), await effects.totals(db))


@dataclass(frozen=True, slots=True)
class Baseline:
    taken_at: int
    totals: dict[str, Decimal]


async def load_baseline(db: Database, execution_mode: str = "LIVE") -> Baseline | None:
    rows = await db.fetchall(
        "SELECT currency, total, taken_at FROM reconciliation_baseline WHERE execution_mode = ?",
        (execution_mode,),
    )
    if not rows:
        return None
    totals = {r["currency"]: from_text(r["total"]) for r in rows if r["currency"] != BASELINE_MARKER}
    return Baseline(taken_at=max(r["taken_at"] for r in rows), totals=totals)


async def replace_baseline_in(
    tx: aiosqlite.Connection, execution_mode: str, totals: Mapping[str, Decimal], taken_at: int
) -> None:
    """Write a new baseline inside the caller's transaction (with its audit row)."""
    await tx.execute("DELETE FROM reconciliation_baseline WHERE execution_mode = ?", (execution_mode,))
    rows = [(BASELINE_MARKER, Decimal(0)), *totals.items()]
    await tx.executemany(
        "INSERT INTO reconciliation_baseline (execution_mode, currency, total, taken_at)"
        " VALUES (?, ?, ?, ?)",
        [(execution_mode, currency, to_text(total), taken_at) for currency, total in rows],
    )


async def live_db_balances(
    db: Database, baseline: Baseline, effects: FillEffects | None = None
) -> dict[str, Decimal]:
    """LIVE balances implied by stored data: the baseline + LIVE fills traded after it (pass an
    ``effects`` made for this baseline to keep the running sum between calls)."""
    if effects is None or effects.traded_after != baseline.taken_at:
        effects = FillEffects("LIVE", traded_after=baseline.taken_at)
    return _combine(baseline.totals, await effects.totals(db))


async def last_unlock_at(db: Database) -> int | None:
    row = await db.fetchone(
        "SELECT MAX(occurred_at) AS at FROM institutional_audit WHERE event_type = 'UNLOCK'"
    )
    return None if row is None or row["at"] is None else int(row["at"])


async def open_orders(db: Database, execution_mode: str) -> dict[str, str]:
    """correlation id -> status of every order the database holds open, oldest first."""
    marks = ",".join("?" * len(OPEN_ORDER_STATES))
    rows = await db.fetchall(
        f"SELECT correlation_id, status FROM trading_orders WHERE execution_mode = ?"
        f" AND status IN ({marks}) ORDER BY created_at, id",
        (execution_mode, *OPEN_ORDER_STATES),
    )
    return {r["correlation_id"]: r["status"] for r in rows}


# --- the trade journal ---------------------------------------------------------------------------
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


async def record_prediction_outcome(
    db: Database,
    *,
    position_key: str,
    execution_mode: str,
    pair: str,
    direction: str,
    quantity: Decimal,
    entry_value_zar: Decimal,
    exit_value_zar: Decimal,
    fees_zar: Decimal,
    pnl_zar: Decimal,
    outcome: str,
    correlation_ids: Sequence[str],
    thesis: str,
    opened_at: int,
    closed_at: int,
) -> int | None:
    """The original system's ``ml_record_prediction_outcome``: one row per closed position, once.
    Returns the new row id, or None when ``position_key`` was recorded already."""
    row = OutcomeRow(
        id=0,
        position_key=position_key,
        execution_mode=execution_mode,
        pair=pair,
        direction=direction,
        quantity=quantity,
        entry_value_zar=entry_value_zar,
        exit_value_zar=exit_value_zar,
        fees_zar=fees_zar,
        pnl_zar=pnl_zar,
        outcome=outcome,
        correlation_ids=tuple(correlation_ids),
        thesis=thesis,
        opened_at=opened_at,
        closed_at=closed_at,
    )
    async with db.transaction() as tx:
        return await insert_prediction_outcome(tx, row)


async def upsert_rag_document_in(
    tx: aiosqlite.Connection,
    *,
    doc_key: str,
    execution_mode: str,
    title: str,
    body: str,
    outcome_id: int | None,
    at_ms: int,
) -> None:
    """One document per trade; rewritten as the trade progresses (outcome_id set once closed)."""
    await tx.execute(
        "INSERT INTO rag_documents (doc_key, execution_mode, outcome_id, title, body, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (doc_key) DO UPDATE SET"
        " outcome_id = COALESCE(excluded.outcome_id, rag_documents.outcome_id),"
        " title = excluded.title, body = excluded.body, updated_at = excluded.updated_at"
        " WHERE rag_documents.body IS NOT excluded.body"
        " OR rag_documents.outcome_id IS NOT COALESCE(excluded.outcome_id, rag_documents.outcome_id)",
        (doc_key, execution_mode, outcome_id, title, body, at_ms),
    )


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


# --- what may be in flight -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UnsettledOrder:
    """An order that may have traded on the exchange without its fills stored yet."""

    correlation_id: str
    pair: str
    side: str
    price: Decimal
    unexplained: Decimal  # quantity that may have traded with no stored fill


async def unsettled_orders(db: Database, execution_mode: str, since_ms: int) -> list[UnsettledOrder]:
    """Open orders (their unfilled rest can trade at any moment) and orders finished since
    ``since_ms`` whose filled quantity is ahead of their stored fills."""
    marks = ",".join("?" * len(OPEN_ORDER_STATES))
    scope = f"execution_mode = ? AND (status IN ({marks}) OR updated_at >= ?)"
    params = (execution_mode, *OPEN_ORDER_STATES, since_ms)
    orders = await db.fetchall(
        f"SELECT id, correlation_id, pair, side, price, quantity, filled_quantity,"
        f" venue_filled_quantity, status"
        f" FROM trading_orders WHERE {scope} ORDER BY id",
        params,
    )
    stored: dict[int, Decimal] = {}
    fills = await db.fetchall(
        f"SELECT order_id, quantity FROM order_fills WHERE order_id IN"
        f" (SELECT id FROM trading_orders WHERE {scope})",
        params,
    )
    with exact():
        for row in fills:
            stored[row["order_id"]] = stored.get(row["order_id"], Decimal(0)) + from_text(row["quantity"])
        result = []
        for row in orders:
            if row["status"] in OPEN_ORDER_STATES:
                limit = from_text(row["quantity"])
            else:  # what the venue says filled, or (older rows) what was stored as filled
                limit = max(from_text(row["filled_quantity"]), from_text(row["venue_filled_quantity"]))
            unexplained = limit - stored.get(row["id"], Decimal(0))
            if unexplained > 0:
                result.append(UnsettledOrder(
                    row["correlation_id"], row["pair"], row["side"], from_text(row["price"]), unexplained
                ))
    return result
