"""The trade journal: every closed position, its PnL and outcome, recorded once (FIFO lots).

A position lives per (execution_mode, pair), from flat back to flat. Fills are walked in the order
they were stored (``order_fills.id``), so a position already recorded can never be re-cut by a
later fill, whatever its timestamp. A fill that takes the position through zero closes it and opens
the opposite one with the remainder (its fee shared by quantity). Because a record covers the whole
flat-to-flat position, the order in which lots are matched (FIFO) cannot change its figures:

    LONG:  pnl = exit value − entry value − fees        SHORT: pnl = entry value − exit value − fees

Values and fees are in the pair's quote currency (ZAR for ZAR pairs). A fee charged in the base
currency comes out of the coins the position holds and is valued at its fill's price, so entry
value + fees is what was paid and the PnL is the cash actually made or lost.
|pnl| ≤ BREAKEVEN_TOLERANCE_ZAR is BREAKEVEN. The position key
``mode:pair:first-fill-id:last-fill-id`` makes re-processing record nothing twice. Each trade also
keeps one ``rag_documents`` row (a readable summary), written while open and completed with the
outcome when it closes. ``prediction_outcomes`` and ``rag_documents`` together are the export a
learning system reads: one labelled outcome per closed trade and its readable story.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from storage.db import Database
from storage.journal import OutcomeRow, insert_prediction_outcome, list_outcomes, recorded_position_keys
from storage.ledger import exact, fill_value, load_fills
from storage.orders import ExecutionModeName, FillRecord
from storage.rag import upsert_rag_document_in
from valr_tui.config import Settings
from valr_tui.money import split_pair_symbol
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.clock import Clock, epoch_ms, system_clock
from valr_tui.trading.views import JournalEntry, Outcome

log = logging.getLogger(__name__)

ZERO = Decimal(0)
FEE_SHARE_PRECISION = Decimal("1e-12")  # a flipping fill's fee, split by quantity


def iso_ms(ms: int) -> str:
    """Epoch milliseconds as ``2026-11-24 19:12:01.123Z`` (UTC)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"


def classify(pnl: Decimal, tolerance: Decimal) -> Outcome:
    if abs(pnl) <= tolerance:
        return "BREAKEVEN"
    return "WIN" if pnl > 0 else "LOSS"


@dataclass(slots=True)
class _Leg:
    """One fill's part in a position (a flipping fill has a leg in two positions)."""

    fill: FillRecord
    quantity: Decimal
    fee_zar: Decimal
    opening: bool


@dataclass(slots=True)
class Position:
    execution_mode: str
    pair: str
    direction: Literal["LONG", "SHORT"]
    net: Decimal = ZERO  # open quantity, always ≥ 0
    quantity: Decimal = ZERO  # total quantity opened
    entry_value: Decimal = ZERO
    exit_value: Decimal = ZERO
    fees: Decimal = ZERO
    legs: list[_Leg] = field(default_factory=list)

    @property
    def first_fill(self) -> FillRecord:
        return self.legs[0].fill

    @property
    def last_fill(self) -> FillRecord:
        return self.legs[-1].fill

    @property
    def closed(self) -> bool:
        return self.net == 0 and bool(self.legs)

    @property
    def position_key(self) -> str:
        return f"{self.execution_mode}:{self.pair}:{self.first_fill.id}:{self.last_fill.id}"

    @property
    def doc_key(self) -> str:
        return f"{self.execution_mode}:{self.pair}:{self.first_fill.id}"

    @property
    def thesis(self) -> str:
        return self.first_fill.order_note

    @property
    def pnl(self) -> Decimal:
        with exact():
            gross = self.exit_value - self.entry_value
            return (gross if self.direction == "LONG" else -gross) - self.fees

    @property
    def correlation_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(leg.fill.correlation_id for leg in self.legs))

    @property
    def opened_at(self) -> int:
        return min(leg.fill.traded_at for leg in self.legs)

    @property
    def closed_at(self) -> int:
        return max(leg.fill.traded_at for leg in self.legs)

    def add(self, leg: _Leg) -> None:
        value = fill_value(leg.fill.price, leg.quantity, split_pair_symbol(self.pair)[1])
        if leg.opening:
            self.net += leg.quantity
            self.quantity += leg.quantity
            self.entry_value += value
        else:
            self.net -= leg.quantity
            self.exit_value += value
        self.fees += leg.fee_zar
        self.legs.append(leg)


def held_change(fill: FillRecord) -> Decimal:
    """How much base currency the fill moves: a fee charged in the base currency comes out of
    the coins (a BUY of 0.01 BTC with a 0.00001 BTC fee leaves 0.00999 BTC to sell)."""
    base, _quote = split_pair_symbol(fill.pair)
    if fill.fee and fill.fee_currency.upper() == base:
        return fill.quantity - fill.fee if fill.side == "BUY" else fill.quantity + fill.fee
    return fill.quantity


class PositionBook:
    """The open positions per (execution_mode, pair), fed fills in storage order. Fed again
    later, it carries on where it stopped, so each scan reads only the fills stored since."""

    def __init__(self) -> None:
        self.current: dict[tuple[str, str], Position] = {}
        self.last_fill_id = 0

    def feed(self, fills: Iterable[FillRecord]) -> list[Position]:
        """Apply fills; return the positions they closed, in closing order."""
        closed: list[Position] = []
        with exact():
            for fill in fills:
                self.last_fill_id = max(self.last_fill_id, fill.id)
                self._apply(fill, closed)
        return closed

    def _apply(self, fill: FillRecord, closed: list[Position]) -> None:
        coins = held_change(fill)
        if coins <= 0:
            return
        key = (fill.execution_mode, fill.pair)
        direction: Literal["LONG", "SHORT"] = "LONG" if fill.side == "BUY" else "SHORT"
        fee = fill.fee_in_quote()
        position = self.current.get(key)
        if position is None or position.direction == direction:
            position = position or Position(fill.execution_mode, fill.pair, direction)
            position.add(_Leg(fill, coins, fee, opening=True))
            self.current[key] = position
            return
        closing = min(coins, position.net)
        remainder = coins - closing
        closing_fee = fee
        if remainder:
            share = DecimalGateway.divide(DecimalGateway.multiply(fee, closing), coins)
            closing_fee = DecimalGateway.quantize(share, FEE_SHARE_PRECISION)
        position.add(_Leg(fill, closing, closing_fee, opening=False))
        if position.closed:
            closed.append(position)
            del self.current[key]
        if remainder:
            flipped = Position(fill.execution_mode, fill.pair, direction)
            flipped.add(_Leg(fill, remainder, fee - closing_fee, opening=True))
            self.current[key] = flipped


def _leg_line(leg: _Leg) -> str:
    fill = leg.fill
    return (
        f"  {iso_ms(fill.traded_at)} {fill.side} {DecimalGateway.to_wire(leg.quantity)}"
        f" @ {DecimalGateway.format_zar(fill.price)} fee {DecimalGateway.format_zar(leg.fee_zar)}"
        f" [{fill.correlation_id}]"
    )


def summary_text(position: Position, outcome: Outcome | None) -> tuple[str, str]:
    """(title, body) of the trade's document; ``outcome`` None while the position is open."""
    status = outcome or "OPEN"
    title = f"{position.execution_mode} {position.pair} {position.direction} — {status}"
    lines = [
        title,
        f"Thesis: {position.thesis or '(none given)'}",
        "Entries:",
        *(_leg_line(leg) for leg in position.legs if leg.opening),
        "Exits:",
        *(_leg_line(leg) for leg in position.legs if not leg.opening),
        f"Quantity: {DecimalGateway.to_wire(position.quantity)}",
        f"Entry value: {DecimalGateway.format_zar(position.entry_value)}",
        f"Exit value: {DecimalGateway.format_zar(position.exit_value)}",
        f"Fees: {DecimalGateway.format_zar(position.fees)}",
    ]
    if outcome is not None:
        lines += [f"Realised PnL: {DecimalGateway.format_zar(position.pnl)}", f"Outcome: {outcome}"]
    else:
        lines.append(f"Open quantity: {DecimalGateway.to_wire(position.net)}")
    lines.append(f"Orders: {', '.join(position.correlation_ids)}")
    return title, "\n".join(lines)


@dataclass(frozen=True, slots=True)
class JournalTotals:
    count: int
    wins: int
    losses: int
    breakevens: int
    pnl_zar: Decimal
    fees_zar: Decimal

    @property
    def win_rate_pct(self) -> Decimal:
        if not self.count:
            return ZERO
        return DecimalGateway.divide(Decimal(self.wins * 100), Decimal(self.count))


def entry_from_row(row: OutcomeRow) -> JournalEntry:
    direction: Literal["LONG", "SHORT"] = "SHORT" if row.direction == "SHORT" else "LONG"
    outcome: Outcome = "WIN" if row.outcome == "WIN" else "LOSS" if row.outcome == "LOSS" else "BREAKEVEN"
    mode: ExecutionModeName = "LIVE" if row.execution_mode == "LIVE" else "DRY_RUN"
    return JournalEntry(
        id=row.id,
        pair=row.pair,
        direction=direction,
        quantity=row.quantity,
        entry_value_zar=row.entry_value_zar,
        exit_value_zar=row.exit_value_zar,
        fees_zar=row.fees_zar,
        pnl_zar=row.pnl_zar,
        outcome=outcome,
        execution_mode=mode,
        thesis=row.thesis,
        correlation_ids=row.correlation_ids,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
    )


class TradeJournal:
    """Turns stored fills into journal entries (``prediction_outcomes``) and trade documents."""

    def __init__(self, settings: Settings, db: Database, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.db = db
        self._clock = clock
        self._lock = asyncio.Lock()  # the fills loop and a submit may both call in
        self._book = PositionBook()  # open positions as of the last fill read

    async def process_new_fills(self) -> list[JournalEntry]:
        """Read the fills stored since the last call (all of them on the first), record every
        position they closed that is not recorded yet, refresh the documents of the open ones
        they touched. Idempotent: a second call with no new fills records nothing."""
        async with self._lock:
            try:
                return await self._process()
            except BaseException:
                # Start over next time: the position keys make a full re-scan record nothing twice.
                self._book = PositionBook()
                raise

    async def _process(self) -> list[JournalEntry]:
        fills = await load_fills(self.db, after_id=self._book.last_fill_id, order_by_id=True)
        if not fills:
            return []
        closed = self._book.feed(fills)
        recorded = await recorded_position_keys(self.db, [p.position_key for p in closed])
        new: list[JournalEntry] = []
        for position in closed:
            if position.position_key not in recorded:
                entry = await self._record(position)
                if entry is not None:
                    new.append(entry)
        touched = {(f.execution_mode, f.pair) for f in fills}
        for key, position in self._book.current.items():
            if key in touched:
                title, body = summary_text(position, None)
                async with self.db.transaction() as tx:  # a no-op when the text is unchanged
                    await upsert_rag_document_in(
                        tx, doc_key=position.doc_key, execution_mode=position.execution_mode,
                        title=title, body=body, outcome_id=None, at_ms=epoch_ms(self._clock),
                    )
        return new

    async def _record(self, position: Position) -> JournalEntry | None:
        outcome = classify(position.pnl, self.settings.breakeven_tolerance_zar)
        title, body = summary_text(position, outcome)
        row = OutcomeRow(
            id=0,  # assigned by the insert
            position_key=position.position_key,
            execution_mode=position.execution_mode,
            pair=position.pair,
            direction=position.direction,
            quantity=position.quantity,
            entry_value_zar=position.entry_value,
            exit_value_zar=position.exit_value,
            fees_zar=position.fees,
            pnl_zar=position.pnl,
            outcome=outcome,
            correlation_ids=tuple(position.correlation_ids),
            thesis=position.thesis,
            opened_at=position.opened_at,
            closed_at=position.closed_at,
        )
        async with self.db.transaction() as tx:
            outcome_id = await insert_prediction_outcome(tx, row)
            if outcome_id is None:
                return None
            await upsert_rag_document_in(
                tx, doc_key=position.doc_key, execution_mode=position.execution_mode, title=title,
                body=body, outcome_id=outcome_id, at_ms=epoch_ms(self._clock),
            )
        log.info(
            "journal: %s %s %s pnl %s (%s)", position.execution_mode, position.pair,
            position.direction, DecimalGateway.format_zar(position.pnl), outcome,
        )
        return entry_from_row(replace(row, id=outcome_id))

    async def journal(self, limit: int = 200, execution_mode: str | None = None) -> list[JournalEntry]:
        """Closed trades, newest first."""
        rows = await list_outcomes(self.db, limit=limit, execution_mode=execution_mode)
        return [entry_from_row(r) for r in rows]


def journal_totals(entries: Iterable[JournalEntry]) -> JournalTotals:
    count = wins = losses = breakevens = 0
    pnl = fees = ZERO
    with exact():
        for entry in entries:
            count += 1
            wins += entry.outcome == "WIN"
            losses += entry.outcome == "LOSS"
            breakevens += entry.outcome == "BREAKEVEN"
            pnl += entry.pnl_zar
            fees += entry.fees_zar
    return JournalTotals(count, wins, losses, breakevens, pnl, fees)
