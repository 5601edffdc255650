"""DRY_RUN paper trading: the paper venue, a paper book over the live market and a paper wallet.

It is a venue like VALR behind the same interface (``valr_tui.trading.venue``): it accepts an order
for processing (202-style), then reports what happens as events: OPEN when the order rests (its
funds reserved), fills (trades), CANCELLED, and balances. The order manager cannot tell it from
VALR. Resting orders fill when the market trades through their price; a limit that crosses the
spread fills at once as taker against the visible book. Every wallet change is a delta applied in
the same transaction as the event that causes it (fill row, order row, audit row). How realistic
this is: docs/paper-trading.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from decimal import ROUND_UP, Decimal
from typing import Protocol
from uuid import uuid4

import aiosqlite

from storage.audit import AuditRepository
from storage.db import Database
from storage.orders import ExecutionModeName, OrderRecord, OrderRepository, OrderState
from storage.paper_wallet import PaperWalletRepository, WalletRow
from valr_tui.config import Settings
from valr_tui.errors import AmendRefusedError, InsufficientBalanceError, OrderNotFoundError
from valr_tui.exchange.models import Balance, BookLevel, Pair
from valr_tui.money import Side, split_pair_symbol
from valr_tui.money.decimal_gateway import CRYPTO_PRECISION, ZAR_PRECISION, DecimalGateway
from valr_tui.trading.clock import Clock, epoch_ms, system_clock
from valr_tui.trading.matching import MODIFY_WOULD_MATCH, Arrival, plan_arrival, reaches
from valr_tui.trading.venue import Lookup, OrderUpdate, Settle, Trade, VenueEvents
from valr_tui.trading.views import MarketView

log = logging.getLogger(__name__)

MODE = "DRY_RUN"
HUNDRED = Decimal(100)
ZERO = Decimal(0)
REBASELINE_REASON = "operator unlock: paper books re-baselined"


def money_precision(currency: str) -> Decimal:
    """ZAR to the cent, everything else (crypto) to 8 decimal places."""
    return ZAR_PRECISION if currency == "ZAR" else CRYPTO_PRECISION


def split_pair(symbol: str, pairs: Mapping[str, Pair] | None = None) -> tuple[str, str]:
    """(base, quote) of a pair: from VALR's metadata when known, else by its quote suffix."""
    if pairs and symbol in pairs:
        return pairs[symbol].base_currency, pairs[symbol].quote_currency
    return split_pair_symbol(symbol)


def reservation(
    side: Side, price: Decimal, remaining: Decimal, base: str, quote: str, taker_fee_pct: Decimal
) -> tuple[str, Decimal]:
    """What an open order holds back: BUY price×qty plus a taker-fee buffer in the quote
    currency (rounded up, so it always covers the cost); SELL the base quantity."""
    if remaining <= 0:
        return (quote if side == "BUY" else base), ZERO
    if side == "SELL":
        return base, remaining
    gross = DecimalGateway.multiply(price, remaining)
    with_fee = DecimalGateway.multiply(gross, 1 + DecimalGateway.divide(taker_fee_pct, HUNDRED))
    return quote, DecimalGateway.quantize(with_fee, money_precision(quote), ROUND_UP)


class MarketSource(Protocol):
    def market(self, pair: str) -> MarketView: ...


@dataclass(slots=True)
class _Resting:
    """One order on the paper book, as the venue itself knows it (not the manager's row)."""

    record: OrderRecord  # the order as it was sent (pair, side, price, quantity)
    venue_order_id: str
    base: str
    quote: str
    filled: Decimal
    last_seen: Decimal | None  # last traded price already known; a trade-through needs a new one
    rested: bool = True  # False while accepted but not yet processed onto the book

    @property
    def remaining(self) -> Decimal:
        return self.record.quantity - self.filled


class _WalletChange:
    """Deltas for one event's transaction; the rows they produced, for memory after commit."""

    def __init__(self, now: int) -> None:
        self.now = now
        self.deltas: list[tuple[str, Decimal, Decimal]] = []  # currency, total, reserved
        self.rows: dict[str, WalletRow] = {}

    def move(self, currency: str, *, total: Decimal = ZERO, reserved: Decimal = ZERO) -> _WalletChange:
        if total or reserved:
            self.deltas.append((currency, total, reserved))
        return self

    async def __call__(self, tx: aiosqlite.Connection) -> None:
        for currency, total, reserved in self.deltas:
            self.rows[currency] = await PaperWalletRepository.adjust(
                tx, currency, self.now, total=total, reserved=reserved
            )


class _NoEvents:
    async def order_update(self, update: OrderUpdate, settle: Settle | None = None) -> None:
        raise RuntimeError("paper venue not attached to an order manager")

    async def trade(self, trade: Trade, settle: Settle | None = None) -> None:
        raise RuntimeError("paper venue not attached to an order manager")

    def balances(self, balances: list[Balance]) -> None:
        return None

    async def cancel_failed(self, venue_order_id: str, reason: str) -> None:
        return None


class PaperVenue:
    """The paper book and wallet. Every change is serialised by one lock."""

    mode: ExecutionModeName = "DRY_RUN"
    label = "paper wallet"
    absence_checks = 1  # the paper venue knows its book for certain: one answer proves absence
    settle_s = 0.0

    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock = system_clock,
        *,
        market: MarketSource | None = None,
        pairs: Mapping[str, Pair] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self._clock = clock
        self._market = market
        self._pairs = dict(pairs or {})
        self._wallet_repo = PaperWalletRepository(db)
        self._orders = OrderRepository(db)
        self._wallet: dict[str, WalletRow] = {}
        self._book: dict[str, _Resting] = {}  # accepted (queued) and resting orders
        # Book depth already taken per pair, keyed by the book it was taken from: the same
        # snapshot seen twice must not fill the same volume twice.
        self._consumed: dict[str, tuple[object, dict[Decimal, Decimal]]] = {}
        self._events: VenueEvents = _NoEvents()
        self._lock = asyncio.Lock()
        self._loaded = False

    def attach(self, events: VenueEvents) -> None:
        self._events = events

    def use_market(self, market: MarketSource) -> None:
        self._market = market

    # -- start-up -------------------------------------------------------------------------------
    async def load(self) -> None:
        """First run: fund the wallet from DRY_RUN_WALLET_*. Later runs: restore wallet and book
        (orders accepted but not yet processed stay queued, like VALR would still process them)."""
        if self._loaded:
            return
        await self._fund(epoch_ms(self._clock))
        self._wallet = await self._wallet_repo.rows()
        for order in await self._orders.with_status(MODE, (
            OrderState.SUBMITTED.value, OrderState.OPEN.value, OrderState.PARTIALLY_FILLED.value,
            OrderState.CANCEL_REQUESTED.value,
        )):
            base, quote = split_pair(order.pair, self._pairs)
            self._book[order.correlation_id] = _Resting(
                order, order.valr_order_id or "", base, quote, order.filled_quantity, None,
                rested=order.state is not OrderState.SUBMITTED,
            )
        self._check_reservations()
        self._loaded = True
        log.info("[DRY_RUN] paper wallet loaded: %d currencies, %d orders on the book",
                 len(self._wallet), len(self._book))

    async def _fund(self, now: int) -> None:
        """Fund once: the check and the funding share one write transaction, so two starts can
        never both fund."""
        opening = {
            "ZAR": self.settings.dry_run_wallet_zar,
            "BTC": self.settings.dry_run_wallet_btc,
            "ETH": self.settings.dry_run_wallet_eth,
        }
        async with self.db.transaction() as tx:
            if await PaperWalletRepository.is_funded_in(tx):
                return
            for currency, amount in opening.items():
                await PaperWalletRepository.fund(tx, currency, amount, "opening balance", now)
                await PaperWalletRepository.adjust(tx, currency, now, total=amount)
            await AuditRepository.insert(
                tx, now, "PAPER_WALLET_FUNDED", "[DRY_RUN] paper wallet funded",
                execution_mode=MODE, details={k: v for k, v in opening.items()},
            )
        log.info("[DRY_RUN] paper wallet funded: %s", {k: str(v) for k, v in opening.items()})

    def _check_reservations(self) -> None:
        expected: dict[str, Decimal] = {}
        for resting in self._book.values():
            if resting.rested:
                currency, amount = self._reservation(resting.record, resting.remaining)
                expected[currency] = expected.get(currency, ZERO) + amount
        for currency, row in self._wallet.items():
            if row.reserved != expected.get(currency, ZERO):
                log.warning("[DRY_RUN] wallet reserves %s %s but open orders need %s",
                            row.reserved, currency, expected.get(currency, ZERO))

    # -- reading --------------------------------------------------------------------------------
    def available(self, currency: str) -> Decimal:
        row = self._wallet.get(currency)
        return row.available if row else ZERO

    def funds_known(self) -> bool:
        return True

    def balances_now(self) -> list[Balance]:
        """The venue's wallet as it holds it in memory."""
        return [
            Balance(row.currency, row.available, row.reserved, row.total)
            for row in sorted(self._wallet.values(), key=lambda r: r.currency)
        ]

    async def balances(self) -> list[Balance]:
        """A fresh read of the stored wallet (what reconciliation calls the exchange)."""
        rows = await self._wallet_repo.rows()
        return [Balance(r.currency, r.available, r.reserved, r.total)
                for r in sorted(rows.values(), key=lambda r: r.currency)]

    async def open_order_ids(self) -> list[str]:
        return [cid for cid, r in self._book.items() if r.rested]

    def open_orders(self) -> list[OrderRecord]:
        return [r.record for r in self._book.values()]

    def required(self, pair: str, side: Side, price: Decimal, quantity: Decimal) -> tuple[str, Decimal]:
        """The currency and amount a new order would reserve."""
        base, quote = split_pair(pair, self._pairs)
        return reservation(side, price, quantity, base, quote, self.settings.taker_fee_pct)

    def now_ms(self) -> int:
        return epoch_ms(self._clock)

    @asynccontextmanager
    async def steady(self) -> AsyncIterator[None]:
        async with self._lock:
            yield

    # -- orders ---------------------------------------------------------------------------------
    async def place(self, order: OrderRecord) -> str:
        """Accept the order for processing (VALR's 202): it is queued; ``poll`` processes it."""
        async with self._lock:
            currency, amount = self._reservation(order, order.quantity)
            if self.available(currency) < amount:
                raise InsufficientBalanceError(
                    f"paper wallet has {self.available(currency)} {currency} available;"
                    f" this order needs {amount}", correlation_id=order.correlation_id,
                    order_state="not_placed",
                )
            base, quote = split_pair(order.pair, self._pairs)
            venue_order_id = f"DRY_{uuid4().hex}"
            self._book[order.correlation_id] = _Resting(
                order, venue_order_id, base, quote, order.filled_quantity, None, rested=False
            )
            return venue_order_id

    async def poll(self, order: OrderRecord) -> None:
        """Process an accepted order: reserve its funds and rest it (OPEN); if it crosses the
        spread, fill as taker now. Post-only and time in force decide as on VALR
        (``matching.plan_arrival``): a post-only that would match and a FOK that cannot fill in
        full fail untouched; an IOC's unfilled rest is cancelled. A resting order has no news
        until the market moves."""
        async with self._lock:
            resting = self._book.get(order.correlation_id)
            if resting is None or resting.rested:
                return
            currency, amount = self._reservation(resting.record, resting.remaining)
            if self.available(currency) < amount:  # another order took the funds meanwhile
                del self._book[order.correlation_id]
                await self._events.order_update(OrderUpdate(
                    order.correlation_id, OrderState.FAILED, resting.venue_order_id,
                    venue_status="Failed", reason=f"insufficient {currency} balance",
                ))
                return
            view = self._view(order.pair)
            placed = resting.record
            levels, from_book = self._opposite(placed, resting.remaining, view)
            plan = plan_arrival(placed.side, placed.price, resting.remaining, levels,
                                post_only=placed.post_only, time_in_force=placed.time_in_force)
            if plan.outcome is Arrival.FAILED:
                del self._book[order.correlation_id]
                await self._events.order_update(OrderUpdate(
                    order.correlation_id, OrderState.FAILED, resting.venue_order_id,
                    venue_status="Failed", reason=plan.reason,
                ))
                log.info("[DRY_RUN] %s failed on arrival: %s", order.correlation_id, plan.reason)
                return
            resting.rested = True
            resting.last_seen = view.ticker.last if view is not None and view.ticker else None
            change = _WalletChange(self.now_ms()).move(currency, reserved=amount)
            await self._events.order_update(OrderUpdate(
                order.correlation_id, OrderState.OPEN, resting.venue_order_id,
                filled_quantity=resting.filled, venue_status="Placed",
                reason=f"on the paper book, {amount} {currency} reserved",
            ), change)
            self._commit(change)
            log.info("[DRY_RUN] %s resting: %s %s %s @ %s", order.correlation_id, order.side,
                     order.quantity, order.pair, order.price)
            for price, quantity in plan.fills:
                if from_book:
                    self._take(order.pair, price, quantity)
                await self._fill(resting, price, quantity, is_maker=False)
            if plan.outcome is Arrival.CANCELLED:
                await self._close(resting, "IOC: the part that did not fill at once is cancelled")

    def _opposite(
        self, order: OrderRecord, remaining: Decimal, view: MarketView | None
    ) -> tuple[list[tuple[Decimal, Decimal]], bool]:
        """What ``order`` meets on arrival: the visible book's opposite levels (with the depth
        already taken), or the ticker's touch for the whole order when no depth is known. True
        when the levels come from the book."""
        if view is None:
            return [], False
        if view.book is not None and (view.book.asks if order.side == "BUY" else view.book.bids):
            return [(level.price, free) for level, free in self._depth(view, order.side, order.price)], True
        touch = self._touch(view, order.side)
        return ([(touch, remaining)] if touch is not None else []), False

    async def poll_all(self, orders: list[OrderRecord]) -> None:
        for order in orders:
            await self.poll(order)

    async def cancel(self, order: OrderRecord) -> None:
        """Cancel at once (the paper book has no latency): release what is held, report
        CANCELLED. Raises OrderNotFoundError when the order is not on the book."""
        async with self._lock:
            resting = self._book.get(order.correlation_id)
            if resting is None:
                raise OrderNotFoundError(
                    f"no open paper order {order.correlation_id}", correlation_id=order.correlation_id
                )
            await self._close(resting, "")

    async def _close(self, resting: _Resting, why: str) -> None:
        """Take an order off the book as CANCELLED, releasing what it holds (under the lock)."""
        order = resting.record
        currency, amount = self._reservation(order, resting.remaining)
        change = _WalletChange(self.now_ms())
        if resting.rested:
            change.move(currency, reserved=-amount)
        del self._book[order.correlation_id]
        released = f"{amount if resting.rested else ZERO} {currency} released"
        await self._events.order_update(OrderUpdate(
            order.correlation_id, OrderState.CANCELLED, resting.venue_order_id,
            filled_quantity=resting.filled, venue_status="Cancelled",
            reason=f"{why}; {released}" if why else released,
        ), change)
        self._commit(change)
        log.info("[DRY_RUN] %s cancelled%s", order.correlation_id, f" ({why})" if why else "")

    async def amend(self, order: OrderRecord, price: Decimal, quantity: Decimal) -> None:
        """Change a resting order's price and total quantity as VALR's modify does with
        ``RETAIN_ORIGINAL``: refused if the new price would match at once, or if the wallet
        cannot cover the larger reservation; otherwise the reservation moves by the difference
        in the same transaction as the order's update."""
        async with self._lock:
            resting = self._book.get(order.correlation_id)
            if resting is None or not resting.rested:
                raise AmendRefusedError(
                    f"order {order.correlation_id} is not resting on the paper book (filled or"
                    " cancelled meanwhile): nothing to amend", correlation_id=order.correlation_id)
            remaining = quantity - resting.filled
            amended = replace(resting.record, price=price, quantity=quantity)
            levels, _ = self._opposite(amended, remaining, self._view(order.pair))
            plan = plan_arrival(amended.side, price, remaining, levels, post_only=True)
            if plan.outcome is Arrival.FAILED:
                raise AmendRefusedError(f"{MODIFY_WOULD_MATCH}: the new price reaches the other side",
                                        correlation_id=order.correlation_id, reason=MODIFY_WOULD_MATCH)
            currency, before = self._reservation(resting.record, resting.remaining)
            _, after = self._reservation(amended, remaining)
            if after - before > self.available(currency):
                raise InsufficientBalanceError(
                    f"Insufficient Balance: the amended order needs {after - before} {currency} more;"
                    f" the paper wallet has {self.available(currency)} available",
                    correlation_id=order.correlation_id, order_state="not_amended")
            change = _WalletChange(self.now_ms()).move(currency, reserved=after - before)
            resting.record = amended
            state = OrderState.PARTIALLY_FILLED if resting.filled > 0 else OrderState.OPEN
            await self._events.order_update(OrderUpdate(
                order.correlation_id, state, resting.venue_order_id, filled_quantity=resting.filled,
                venue_status="Order Modified", reason=f"{after - before} {currency} more reserved",
                price=price, quantity=quantity,
            ), change)
            self._commit(change)
            log.info("[DRY_RUN] %s amended: %s @ %s", order.correlation_id, quantity, price)

    async def lookup(self, order: OrderRecord) -> Lookup:
        resting = self._book.get(order.correlation_id)
        if resting is None:
            return Lookup(None, absent=order.state in (OrderState.PENDING_SUBMIT, OrderState.UNKNOWN))
        state = OrderState.PARTIALLY_FILLED if resting.filled > 0 else OrderState.OPEN
        return Lookup(OrderUpdate(order.correlation_id, state, resting.venue_order_id, resting.filled,
                                  price=resting.record.price, quantity=resting.record.quantity))

    async def on_market(self, view: MarketView) -> int:
        """Fill resting orders of ``view.pair`` that the market traded through. Returns the count."""
        fills = 0
        if view.stale:
            return 0  # never fill on data the market rules would refuse to trade on
        async with self._lock:
            for resting in [r for r in self._book.values() if r.record.pair == view.pair and r.rested]:
                for price, quantity in self._maker_fills(resting, view):
                    await self._fill(resting, price, quantity, is_maker=True)
                    fills += 1
                if view.ticker is not None:
                    resting.last_seen = view.ticker.last
        return fills

    async def rebaseline(self, now: int, operator: str) -> dict[str, dict[str, str]]:
        """After an operator unlock: accept the stored wallet as the truth. The funding gains a
        row per currency for the difference (so funding + fills = wallet again) and memory is
        reloaded from the rows. Returns the figures for the audit row. Nothing is rewritten: the
        drift stays visible as its own funding row."""
        from storage.ledger import paper_db_balances

        async with self._lock:
            database = await paper_db_balances(self.db)
            rows = await self._wallet_repo.rows()
            figures: dict[str, dict[str, str]] = {}
            async with self.db.transaction() as tx:
                for currency in sorted({*rows, *database}):
                    stored = rows[currency].total if currency in rows else ZERO
                    implied = database.get(currency, ZERO)
                    if stored != implied:
                        await PaperWalletRepository.fund(tx, currency, stored - implied,
                                                         REBASELINE_REASON, now)
                    figures[currency] = {
                        "wallet": DecimalGateway.to_wire(stored),
                        "funding_plus_fills": DecimalGateway.to_wire(implied),
                        "accepted_difference": DecimalGateway.to_wire(stored - implied),
                    }
                await AuditRepository.insert(
                    tx, now, "PAPER_REBASELINED", f"[DRY_RUN] paper books re-baselined by {operator}"
                    " after an unlock: the wallet as stored is the new starting point",
                    severity="WARNING", execution_mode=MODE, details={"figures": figures},
                )
            self._wallet = rows
        self._events.balances(self.balances_now())
        return figures

    def _view(self, pair: str) -> MarketView | None:
        if self._market is None:
            return None
        try:
            return self._market.market(pair)
        except (KeyError, LookupError):
            return None

    def _commit(self, change: _WalletChange) -> None:
        """After the event's transaction committed: memory follows the rows it wrote."""
        if change.rows:
            self._wallet.update(change.rows)
            self._events.balances(self.balances_now())

    # -- the fill model -------------------------------------------------------------------------
    def _depth(self, view: MarketView, side: Side, limit: Decimal) -> list[tuple[BookLevel, Decimal]]:
        """Opposite-side levels at or better than ``limit`` with the volume still untaken."""
        book = view.book
        if book is None:
            return []
        key: object = (book.sequence, book.last_change, book.asks[:1], book.bids[:1])
        seen_key, consumed = self._consumed.get(view.pair, (None, {}))
        if seen_key != key:
            consumed = {}
            self._consumed[view.pair] = (key, consumed)
        levels = book.asks if side == "BUY" else book.bids
        usable = [lv for lv in levels if (lv.price <= limit if side == "BUY" else lv.price >= limit)]
        return [(lv, lv.quantity - consumed.get(lv.price, ZERO)) for lv in usable]

    def _take(self, pair: str, price: Decimal, quantity: Decimal) -> None:
        _, consumed = self._consumed[pair]
        consumed[price] = consumed.get(price, ZERO) + quantity

    def _maker_fills(self, resting: _Resting, view: MarketView) -> list[tuple[Decimal, Decimal]]:
        order = resting.record
        remaining = resting.remaining
        if remaining <= 0:
            return []
        last = view.ticker.last if view.ticker else None
        # A trade-through needs a trade we had not seen: after a restart the first view only
        # records the last price (last_seen is None until then).
        seen = resting.last_seen
        if last is not None and last > 0 and seen is not None and last != seen and (
            last < order.price if order.side == "BUY" else last > order.price
        ):
            return [(order.price, remaining)]  # a new trade went through our price
        touch = self._touch(view, order.side)
        if touch is None or not reaches(order.side, touch, order.price):
            return []
        if view.book is None:
            return [(order.price, remaining)]
        free = sum((f for _, f in self._depth(view, order.side, order.price)), ZERO)
        take = min(free, remaining)
        if take <= 0:
            return []
        self._take_across(view, order.side, order.price, take)
        return [(order.price, take)]

    def _take_across(self, view: MarketView, side: Side, limit: Decimal, quantity: Decimal) -> None:
        for level, free in self._depth(view, side, limit):
            take = min(free, quantity)
            if take > 0:
                self._take(view.pair, level.price, take)
                quantity -= take

    @staticmethod
    def _touch(view: MarketView, side: Side) -> Decimal | None:
        """Best opposite price: from the book when known, else the ticker."""
        if view.book is not None:
            best = view.book.best_ask if side == "BUY" else view.book.best_bid
            if best is not None:
                return best
        if view.ticker is None:
            return None
        price = view.ticker.ask if side == "BUY" else view.ticker.bid
        return price if price > 0 else None

    # -- settlement -----------------------------------------------------------------------------
    async def _fill(self, resting: _Resting, price: Decimal, quantity: Decimal, *, is_maker: bool) -> None:
        """One fill: a trade event whose transaction also moves the wallet by deltas."""
        order = resting.record
        base, quote = resting.base, resting.quote
        fee_pct = self.settings.maker_fee_pct if is_maker else self.settings.taker_fee_pct
        rate = DecimalGateway.divide(fee_pct, HUNDRED)
        notional = DecimalGateway.quantize(DecimalGateway.multiply(price, quantity),
                                           money_precision(quote))
        held_currency, held_before = self._reservation(order, resting.remaining)
        _, held_after = self._reservation(order, resting.remaining - quantity)
        released = held_before - held_after
        change = _WalletChange(self.now_ms())
        if order.side == "BUY":
            fee_currency = base
            fee = DecimalGateway.quantize(DecimalGateway.multiply(quantity, rate), money_precision(base))
            change.move(quote, total=-notional, reserved=-released)
            change.move(base, total=quantity - fee)
        else:
            fee_currency = quote
            fee = DecimalGateway.quantize(DecimalGateway.multiply(notional, rate), money_precision(quote))
            change.move(base, total=-quantity, reserved=-released)
            change.move(quote, total=notional - fee)
        trade = Trade(
            order.correlation_id, f"DRYFILL-{uuid4().hex}", order.pair, order.side, price, quantity,
            fee, fee_currency, is_maker, change.now, resting.venue_order_id,
        )
        await self._events.trade(trade, change)
        resting.filled += quantity
        self._commit(change)
        if resting.remaining <= 0:
            self._book.pop(order.correlation_id, None)
        log.info("[DRY_RUN] %s %s fill %s @ %s (fee %s %s; %s %s released)", order.correlation_id,
                 "maker" if is_maker else "taker", quantity, price, fee, fee_currency, released,
                 held_currency)

    def _reservation(self, order: OrderRecord, remaining: Decimal) -> tuple[str, Decimal]:
        base, quote = split_pair(order.pair, self._pairs)
        return reservation(order.side, order.price, remaining, base, quote, self.settings.taker_fee_pct)
