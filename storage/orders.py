"""``trading_orders`` and ``order_fills``: our orders and their fills, paper and LIVE never mixed.

Every read filters by ``execution_mode``. Writes take the caller's transaction so an order change,
its fills, the wallet and the audit row commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

import aiosqlite

from storage.db import Database, from_text, to_text
from valr_tui.money import Side, split_pair_symbol
from valr_tui.money.decimal_gateway import DecimalGateway

ExecutionModeName = Literal["DRY_RUN", "LIVE"]
TimeInForce = Literal["GTC", "IOC", "FOK"]


class OrderState(StrEnum):
    """One order lifecycle for both venues (stored in ``trading_orders.status``), one meaning each:

    PENDING_SUBMIT → SUBMITTED → OPEN / PARTIALLY_FILLED → FILLED | CANCEL_REQUESTED → CANCELLED,
    or FAILED; UNKNOWN when the outcome of the placement is not proven either way.
    """

    PENDING_SUBMIT = "PENDING_SUBMIT"  # row committed, the request is (about to be) on its way
    SUBMITTED = "SUBMITTED"  # the venue accepted it for processing (VALR's 202); not yet seen placed
    OPEN = "OPEN"  # resting on the venue's book
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"  # final
    CANCEL_REQUESTED = "CANCEL_REQUESTED"  # cancel sent/accepted; final only when the venue says so
    CANCELLED = "CANCELLED"  # final (the venue said Cancelled or Expired)
    FAILED = "FAILED"  # final: refused by the venue, or proven never to have reached it
    UNKNOWN = "UNKNOWN"  # ambiguous outcome (timeout, reset, 5xx): looked up until resolved

    @property
    def is_open(self) -> bool:
        """Not final: the order may still trade or change, so it is revisited until final."""
        return self in _OPEN_STATES

    @property
    def is_final(self) -> bool:
        return self not in _OPEN_STATES


_OPEN_STATES = frozenset(
    {
        OrderState.PENDING_SUBMIT,
        OrderState.SUBMITTED,
        OrderState.OPEN,
        OrderState.PARTIALLY_FILLED,
        OrderState.CANCEL_REQUESTED,
        OrderState.UNKNOWN,
    }
)


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One row of ``trading_orders`` as the orders table shows it."""

    id: int
    correlation_id: str
    pair: str
    side: Side
    price: Decimal
    quantity: Decimal
    filled_quantity: Decimal
    fee_total: Decimal
    state: OrderState
    execution_mode: ExecutionModeName
    valr_order_id: str | None
    note: str
    created_at: int  # epoch ms
    updated_at: int
    absent_checks: int = 0  # not-found lookups answered while UNKNOWN
    venue_filled_quantity: Decimal = Decimal(0)  # as the venue last reported it
    last_checked_at: int | None = None  # the last look-up of an UNKNOWN order (epoch ms)
    post_only: bool = False  # maker only: fails rather than match on arrival
    time_in_force: TimeInForce = "GTC"  # GTC rests; IOC cancels the unfilled rest; FOK all or nothing

    @property
    def options(self) -> str:
        """The options as the orders table and the audit story show them: "GTC", "IOC post-only"."""
        return f"{self.time_in_force} post-only" if self.post_only else self.time_in_force

    @property
    def fills_pending(self) -> bool:
        """The venue reports more filled than the stored fills add up to."""
        return self.venue_filled_quantity > self.filled_quantity

    @property
    def is_simulated(self) -> bool:
        return self.execution_mode == "DRY_RUN"

    @property
    def value_zar(self) -> Decimal:
        return self.price * self.quantity



_UPDATABLE = frozenset(
    {"status", "filled_quantity", "fee_total", "error_code", "valr_order_id", "valr_response", "note",
     "absent_checks", "last_checked_at", "venue_filled_quantity", "price", "quantity"}
)


def record_from_row(row: aiosqlite.Row) -> OrderRecord:
    side: Side = "BUY" if row["side"] == "BUY" else "SELL"
    mode: ExecutionModeName = "LIVE" if row["execution_mode"] == "LIVE" else "DRY_RUN"
    return OrderRecord(
        id=row["id"],
        correlation_id=row["correlation_id"],
        pair=row["pair"],
        side=side,
        price=from_text(row["price"]),
        quantity=from_text(row["quantity"]),
        filled_quantity=from_text(row["filled_quantity"]),
        fee_total=from_text(row["fee_total"]),
        state=OrderState(row["status"]),
        execution_mode=mode,
        valr_order_id=row["valr_order_id"],
        note=row["note"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        absent_checks=row["absent_checks"],
        venue_filled_quantity=from_text(row["venue_filled_quantity"]),
        last_checked_at=row["last_checked_at"],
        post_only=bool(row["post_only"]),
        time_in_force=time_in_force(row["time_in_force"]),
    )


def time_in_force(text: str) -> TimeInForce:
    """A stored or typed time in force; anything else is refused, never guessed."""
    if text not in _TIME_IN_FORCE:
        raise ValueError(f"time in force {str(text)[:10]!r} is not GTC, IOC or FOK")
    return _TIME_IN_FORCE[text]


_TIME_IN_FORCE: dict[str, TimeInForce] = {"GTC": "GTC", "IOC": "IOC", "FOK": "FOK"}


@dataclass(frozen=True, slots=True)
class NewOrder:
    correlation_id: str
    pair: str
    side: Side
    price: Decimal
    quantity: Decimal
    status: OrderState
    execution_mode: ExecutionModeName
    note: str = ""
    valr_order_id: str | None = None  # DRY_<hex> in DRY_RUN, set on ack in LIVE
    post_only: bool = False
    time_in_force: TimeInForce = "GTC"


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """An order row with the error code the exchange gave it (the CLI's audit story shows both)."""

    record: OrderRecord
    error_code: str | None


OPEN_STATES: tuple[str, ...] = tuple(s.value for s in OrderState if s.is_open)


class OrderRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    async def insert(tx: aiosqlite.Connection, order: NewOrder, at_ms: int) -> int:
        cursor = await tx.execute(
            "INSERT INTO trading_orders (correlation_id, customer_order_id, pair, side, order_type,"
            " price, quantity, status, note, created_at, updated_at, is_simulated, execution_mode,"
            " valr_order_id, post_only, time_in_force)"
            " VALUES (?, ?, ?, ?, 'LIMIT', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                order.correlation_id,
                order.correlation_id,
                order.pair,
                order.side,
                to_text(order.price),
                to_text(order.quantity),
                order.status.value,
                order.note,
                at_ms,
                at_ms,
                1 if order.execution_mode == "DRY_RUN" else 0,
                order.execution_mode,
                order.valr_order_id,
                1 if order.post_only else 0,
                order.time_in_force,
            ),
        )
        return int(cursor.lastrowid or 0)

    @staticmethod
    async def update(tx: aiosqlite.Connection, order_id: int, at_ms: int, **fields: Any) -> None:
        """Set the named columns (Decimals stored as canonical TEXT, states as their value)."""
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        values = [
            to_text(v) if isinstance(v, Decimal) else v.value if isinstance(v, OrderState) else v
            for v in fields.values()
        ]
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await tx.execute(
            f"UPDATE trading_orders SET {assignments}, updated_at = ? WHERE id = ?",
            (*values, at_ms, order_id),
        )

    @staticmethod
    async def get_in(tx: aiosqlite.Connection, order_id: int) -> OrderRecord:
        async with tx.execute("SELECT * FROM trading_orders WHERE id = ?", (order_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise LookupError(f"order row {order_id} vanished")
        return record_from_row(row)

    async def get(self, correlation_id: str, execution_mode: str) -> OrderRecord | None:
        row = await self.db.fetchone(
            "SELECT * FROM trading_orders WHERE correlation_id = ? AND execution_mode = ?",
            (correlation_id, execution_mode),
        )
        return None if row is None else record_from_row(row)

    async def any_with_status(self, execution_mode: str, pair: str, status: OrderState) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM trading_orders WHERE execution_mode = ? AND pair = ? AND status = ? LIMIT 1",
            (execution_mode, pair, status.value),
        )
        return row is not None

    async def by_venue_id(self, execution_mode: str, venue_order_id: str) -> OrderRecord | None:
        row = await self.db.fetchone(
            "SELECT * FROM trading_orders WHERE valr_order_id = ? AND execution_mode = ?",
            (venue_order_id, execution_mode),
        )
        return None if row is None else record_from_row(row)

    async def recent(self, execution_mode: str, limit: int = 100) -> list[OrderRecord]:
        rows = await self.db.fetchall(
            "SELECT * FROM trading_orders WHERE execution_mode = ? ORDER BY created_at DESC, id DESC"
            " LIMIT ?",
            (execution_mode, max(0, limit)),
        )
        return [record_from_row(r) for r in rows]

    async def with_status(self, execution_mode: str, statuses: tuple[str, ...]) -> list[OrderRecord]:
        marks = ",".join("?" * len(statuses))
        rows = await self.db.fetchall(
            f"SELECT * FROM trading_orders WHERE execution_mode = ? AND status IN ({marks})"
            " ORDER BY created_at, id",
            (execution_mode, *statuses),
        )
        return [record_from_row(r) for r in rows]

    async def finished_since(self, execution_mode: str, since_ms: int) -> list[OrderRecord]:
        """FILLED or CANCELLED orders changed at or after ``since_ms``."""
        rows = await self.db.fetchall(
            "SELECT * FROM trading_orders WHERE execution_mode = ? AND status IN ('FILLED',"
            " 'CANCELLED') AND updated_at >= ? ORDER BY id",
            (execution_mode, since_ms),
        )
        return [record_from_row(r) for r in rows]

    async def open_orders(self, execution_mode: str) -> list[OrderRecord]:
        return await self.with_status(execution_mode, OPEN_STATES)

    async def find(self, correlation_id: str) -> StoredOrder | None:
        """The order with this correlation id, whatever its execution mode."""
        row = await self.db.fetchone(
            "SELECT * FROM trading_orders WHERE correlation_id = ?", (correlation_id,)
        )
        return None if row is None else StoredOrder(record_from_row(row), row["error_code"])


@dataclass(frozen=True, slots=True)
class FillRecord:
    """One ``order_fills`` row, for every reader: the orders screen and the chart, the ledger's
    balance effects, the trade journal. ``order_note`` is the note of its order where the read
    joined it (the ledger's), else empty."""

    id: int
    order_id: int
    correlation_id: str
    execution_mode: str
    trade_id: str
    pair: str
    side: str
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_currency: str
    is_maker: bool
    traded_at: int
    order_note: str = ""

    def fee_in_quote(self) -> Decimal:
        """The fee valued in the pair's quote currency (ZAR for ZAR pairs): a fee charged in the
        base currency is valued at this fill's price; an unnamed currency is taken as quote."""
        base, _quote = split_pair_symbol(self.pair)
        if self.fee_currency.upper() == base:
            return DecimalGateway.multiply(self.fee, self.price)
        return self.fee


def fill_from_row(row: aiosqlite.Row) -> FillRecord:
    """The one mapper of an ``order_fills`` row (with its order's ``note`` when selected)."""
    return FillRecord(
        id=row["id"],
        order_id=row["order_id"],
        correlation_id=row["correlation_id"],
        execution_mode=row["execution_mode"],
        trade_id=row["trade_id"],
        pair=row["pair"],
        side=row["side"],
        price=from_text(row["price"]),
        quantity=from_text(row["quantity"]),
        fee=from_text(row["fee"]),
        fee_currency=row["fee_currency"] or "",
        is_maker=bool(row["is_maker"]),
        traded_at=row["traded_at"],
        order_note=(row["note"] or "") if "note" in row.keys() else "",  # noqa: SIM118 - a Row
    )


class FillRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    async def insert(
        tx: aiosqlite.Connection,
        order: OrderRecord,
        *,
        trade_id: str,
        price: Decimal,
        quantity: Decimal,
        fee: Decimal,
        fee_currency: str,
        is_maker: bool,
        traded_at_ms: int,
    ) -> int:
        cursor = await tx.execute(
            "INSERT INTO order_fills (order_id, correlation_id, execution_mode, trade_id, pair, side,"
            " price, quantity, fee, fee_currency, is_maker, traded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                order.id,
                order.correlation_id,
                order.execution_mode,
                trade_id,
                order.pair,
                order.side,
                to_text(price),
                to_text(quantity),
                to_text(fee),
                fee_currency,
                1 if is_maker else 0,
                traded_at_ms,
            ),
        )
        return int(cursor.lastrowid or 0)

    @staticmethod
    async def exists_in(tx: aiosqlite.Connection, execution_mode: str, trade_id: str) -> bool:
        """Whether this trade is stored already (read inside the caller's transaction)."""
        async with tx.execute(
            "SELECT 1 FROM order_fills WHERE execution_mode = ? AND trade_id = ?",
            (execution_mode, trade_id),
        ) as cursor:
            return await cursor.fetchone() is not None

    async def for_order(self, correlation_id: str, execution_mode: str) -> list[FillRecord]:
        """One order's fills, oldest first (the orders screen)."""
        rows = await self.db.fetchall(
            "SELECT * FROM order_fills WHERE correlation_id = ? AND execution_mode = ?"
            " ORDER BY traded_at, id",
            (correlation_id, execution_mode),
        )
        return _fills(rows)

    async def for_pair(
        self, pair: str, execution_mode: str, since_ms: int, limit: int = 500
    ) -> list[FillRecord]:
        """The newest ``limit`` fills of ``pair`` since ``since_ms``, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM (SELECT * FROM order_fills WHERE pair = ? AND execution_mode = ?"
            " AND traded_at >= ? ORDER BY traded_at DESC, id DESC LIMIT ?) ORDER BY traded_at, id",
            (pair, execution_mode, since_ms, limit),
        )
        return _fills(rows)


def _fills(rows: Iterable[aiosqlite.Row]) -> list[FillRecord]:
    return [fill_from_row(r) for r in rows]
