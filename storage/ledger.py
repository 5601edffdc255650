"""The database's view of balances, for reconciliation, in plain SQL.

- fills (``order_fills``, read as ``storage.orders.FillRecord``) and the balance effect they imply;
- DRY_RUN = paper_wallet_funding + the effect of every DRY_RUN fill;
  LIVE = the recorded baseline (``reconciliation_baseline``, migration 007) + LIVE fills since;
- the orders that are open or may have traded without their fills stored yet.

Amounts are TEXT in SQLite and Decimal here; sums run under ``exact()``, a wide local context.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
from storage.orders import FillRecord, fill_from_row
from valr_tui.money import split_pair_symbol
from valr_tui.money.decimal_gateway import DecimalGateway

EXACT_DIGITS = 60
BASELINE_MARKER = "*"  # a row that records when the baseline was taken, even with no balances
# A row whose taken_at is the baseline's fill boundary: the exchange time of the last fill the
# baseline's figures hold (older baselines have none: their boundary is taken_at).
FILLS_MARKER = "*fills"
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


async def load_fills(
    db: Database,
    execution_mode: str | None = None,
    *,
    traded_after: int | None = None,
    correlation_id: str | None = None,
    after_id: int = 0,
    order_by_id: bool = False,
) -> list[FillRecord]:
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
    return [fill_from_row(r) for r in await db.fetchall(sql, params)]


def _add(totals: dict[str, Decimal], currency: str, amount: Decimal) -> None:
    totals[currency] = totals.get(currency, Decimal(0)) + amount


def apply_fills(start: Mapping[str, Decimal], fills: Iterable[FillRecord]) -> dict[str, Decimal]:
    """Balances after ``fills``: BUY +base −quote value, SELL the mirror, minus each fee in its
    currency (an unnamed fee currency is the quote)."""
    totals = dict(start)
    with exact():
        for fill in fills:
            _apply_fill(totals, fill)
    return totals


def _apply_fill(totals: dict[str, Decimal], fill: FillRecord) -> None:
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
    taken_at: int  # when it was taken (the venue's clock): an unlock after it calls for a new one
    totals: dict[str, Decimal]
    fills_after: int  # fills traded after this (the exchange's own clock) are not in ``totals``


async def load_baseline(db: Database, execution_mode: str = "LIVE") -> Baseline | None:
    rows = await db.fetchall(
        "SELECT currency, total, taken_at FROM reconciliation_baseline WHERE execution_mode = ?",
        (execution_mode,),
    )
    if not rows:
        return None
    markers = (BASELINE_MARKER, FILLS_MARKER)
    totals = {r["currency"]: from_text(r["total"]) for r in rows if r["currency"] not in markers}
    taken_at = max(r["taken_at"] for r in rows if r["currency"] != FILLS_MARKER)
    boundary = [r["taken_at"] for r in rows if r["currency"] == FILLS_MARKER]
    return Baseline(taken_at=taken_at, totals=totals, fills_after=boundary[0] if boundary else taken_at)


async def replace_baseline_in(
    tx: aiosqlite.Connection, execution_mode: str, totals: Mapping[str, Decimal], taken_at: int,
    fills_after: int | None = None,
) -> None:
    """Write a new baseline inside the caller's transaction (with its audit row); ``fills_after``
    (default ``taken_at``) bounds the fills its figures already hold."""
    await tx.execute("DELETE FROM reconciliation_baseline WHERE execution_mode = ?", (execution_mode,))
    rows = [(BASELINE_MARKER, Decimal(0), taken_at), *((c, t, taken_at) for c, t in totals.items()),
            (FILLS_MARKER, Decimal(0), taken_at if fills_after is None else fills_after)]
    await tx.executemany(
        "INSERT INTO reconciliation_baseline (execution_mode, currency, total, taken_at)"
        " VALUES (?, ?, ?, ?)",
        [(execution_mode, currency, to_text(total), at) for currency, total, at in rows],
    )


async def live_db_balances(
    db: Database, baseline: Baseline, effects: FillEffects | None = None
) -> dict[str, Decimal]:
    """LIVE balances implied by stored data: the baseline + LIVE fills traded after its fill
    boundary (pass an ``effects`` made for this baseline to keep the running sum between calls)."""
    if effects is None or effects.traded_after != baseline.fills_after:
        effects = FillEffects("LIVE", traded_after=baseline.fills_after)
    return _combine(baseline.totals, await effects.totals(db))


async def last_fill_traded_at(db: Database, execution_mode: str) -> int:
    """The exchange time of the latest stored fill of one mode (0 when there is none)."""
    row = await db.fetchone(
        "SELECT MAX(traded_at) AS at FROM order_fills WHERE execution_mode = ?", (execution_mode,)
    )
    return 0 if row is None or row["at"] is None else int(row["at"])


async def last_order_id(db: Database, execution_mode: str) -> int:
    """The row id of the newest order of one mode (0 when there is none)."""
    row = await db.fetchone(
        "SELECT MAX(id) AS id FROM trading_orders WHERE execution_mode = ?", (execution_mode,)
    )
    return 0 if row is None or row["id"] is None else int(row["id"])


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
