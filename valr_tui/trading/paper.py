"""DRY_RUN paper trading: a paper book over the live market and a persisted paper wallet.

Resting orders fill when the market trades through their price; a limit that crosses the spread
fills at once as taker against the visible book. Every fill is ONE transaction (fill row, order
row, wallet rows, ORDER_FILL audit row). How realistic this is: docs/paper-trading.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_UP, Decimal
from typing import Any
from uuid import uuid4

from storage.audit import AuditRepository
from storage.db import Database
from storage.orders import FillRepository, OrderRecord, OrderRepository, OrderState
from storage.paper_wallet import PaperWalletRepository, WalletRow
from valr_tui.config import Settings
from valr_tui.errors import InsufficientBalanceError, OrderNotFoundError
from valr_tui.exchange.models import Balance, BookLevel, Pair
from valr_tui.money import Side, split_pair_symbol
from valr_tui.money.decimal_gateway import CRYPTO_PRECISION, ZAR_PRECISION, DecimalGateway
from valr_tui.trading.clock import Clock, epoch_ms, system_clock
from valr_tui.trading.views import MarketView

log = logging.getLogger(__name__)

MODE = "DRY_RUN"
HUNDRED = Decimal(100)
ZERO = Decimal(0)


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


@dataclass(slots=True)
class _Resting:
    record: OrderRecord
    base: str
    quote: str
    last_seen: Decimal | None  # last traded price already known; a trade-through needs a new one

    @property
    def remaining(self) -> Decimal:
        return self.record.quantity - self.record.filled_quantity


class PaperEngine:
    """The paper book and wallet. All changes are serialised by one lock."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock = system_clock,
        *,
        pairs: Mapping[str, Pair] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self._clock = clock
        self._pairs = dict(pairs or {})
        self._wallet_repo = PaperWalletRepository(db)
        self._orders = OrderRepository(db)
        self._wallet: dict[str, WalletRow] = {}
        self._open: dict[str, _Resting] = {}
        # Book depth already taken per pair, keyed by the book it was taken from: the same
        # snapshot seen twice must not fill the same volume twice.
        self._consumed: dict[str, tuple[object, dict[Decimal, Decimal]]] = {}
        self._listeners: list[Callable[[], None]] = []
        self._lock = asyncio.Lock()
        self._loaded = False

    # -- start-up -------------------------------------------------------------------------------
    async def load(self) -> None:
        """First run: fund the wallet from DRY_RUN_WALLET_*. Later runs: restore wallet and book."""
        if self._loaded:
            return
        now = epoch_ms(self._clock)
        if not await self._wallet_repo.is_funded():
            await self._fund(now)
        self._wallet = await self._wallet_repo.rows()
        for order in await self._orders.with_status(MODE, ("PENDING_SUBMIT", "SUBMITTED")):
            await self._fail_interrupted(order, now)
        for order in await self._orders.with_status(MODE, ("OPEN", "PARTIALLY_FILLED")):
            base, quote = split_pair(order.pair, self._pairs)
            self._open[order.correlation_id] = _Resting(order, base, quote, None)
        self._check_reservations()
        self._loaded = True
        log.info("[DRY_RUN] paper wallet loaded: %d currencies, %d open orders",
                 len(self._wallet), len(self._open))

    async def _fund(self, now: int) -> None:
        opening = {
            "ZAR": self.settings.dry_run_wallet_zar,
            "BTC": self.settings.dry_run_wallet_btc,
            "ETH": self.settings.dry_run_wallet_eth,
        }
        async with self.db.transaction() as tx:
            for currency, amount in opening.items():
                await PaperWalletRepository.fund(tx, currency, amount, "opening balance", now)
                await PaperWalletRepository.put(tx, WalletRow(currency, amount, ZERO), now)
            await AuditRepository.insert(
                tx, now, "PAPER_WALLET_FUNDED", "[DRY_RUN] paper wallet funded",
                execution_mode=MODE, details={k: v for k, v in opening.items()},
            )
        log.info("[DRY_RUN] paper wallet funded: %s", {k: str(v) for k, v in opening.items()})

    async def _fail_interrupted(self, order: OrderRecord, now: int) -> None:
        """A paper order whose placement never finished (crash between the two commits)."""
        async with self.db.transaction() as tx:
            await OrderRepository.update(tx, order.id, now, status=OrderState.FAILED,
                                         error_code="VALR-ORD-000")
            await AuditRepository.insert(
                tx, now, "ORDER_FAILED", "[DRY_RUN] placement interrupted by a restart",
                severity="WARNING", correlation_id=order.correlation_id, execution_mode=MODE,
            )
        log.warning("[DRY_RUN] %s placement interrupted by a restart: FAILED", order.correlation_id)

    def _check_reservations(self) -> None:
        expected: dict[str, Decimal] = {}
        for resting in self._open.values():
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

    def balances(self) -> list[Balance]:
        return [
            Balance(row.currency, row.available, row.reserved, row.total)
            for row in sorted(self._wallet.values(), key=lambda r: r.currency)
        ]

    def open_orders(self) -> list[OrderRecord]:
        return [r.record for r in self._open.values()]

    def required(self, pair: str, side: Side, price: Decimal, quantity: Decimal) -> tuple[str, Decimal]:
        """The currency and amount a new order would reserve."""
        base, quote = split_pair(pair, self._pairs)
        return reservation(side, price, quantity, base, quote, self.settings.taker_fee_pct)

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    # -- orders ---------------------------------------------------------------------------------
    async def place(self, order: OrderRecord, view: MarketView) -> OrderRecord:
        """Reserve funds and rest the order; if it crosses the spread, fill as taker now."""
        async with self._lock:
            base, quote = split_pair(order.pair, self._pairs)
            currency, amount = self._reservation(order, order.quantity)
            if self.available(currency) < amount:
                raise InsufficientBalanceError(
                    f"paper wallet has {self.available(currency)} {currency} available;"
                    f" this order needs {amount}", correlation_id=order.correlation_id,
                )
            now = epoch_ms(self._clock)
            held = self._row(currency)
            held = replace(held, reserved=held.reserved + amount)
            async with self.db.transaction() as tx:
                await OrderRepository.update(tx, order.id, now, status=OrderState.OPEN)
                await PaperWalletRepository.put(tx, held, now)
                await AuditRepository.insert(
                    tx, now, "ORDER_SUBMITTED", f"[DRY_RUN] on the paper book,"
                    f" {DecimalGateway.format_money(amount, currency)} reserved",
                    correlation_id=order.correlation_id, execution_mode=MODE,
                    details={"reserved": amount, "currency": currency},
                )
                record = await OrderRepository.get_in(tx, order.id)
            self._wallet[currency] = held
            last = view.ticker.last if view.ticker else None
            resting = _Resting(record, base, quote, last)
            self._open[order.correlation_id] = resting
            log.info("[DRY_RUN] %s resting: %s %s %s @ %s", order.correlation_id, order.side,
                     order.quantity, order.pair, order.price)
            for price, quantity in self._taker_fills(resting, view):
                await self._fill(resting, price, quantity, is_maker=False)
            record = resting.record
        self._notify()
        return record

    async def cancel(self, correlation_id: str) -> OrderRecord:
        async with self._lock:
            resting = self._open.get(correlation_id)
            if resting is None:
                raise OrderNotFoundError(
                    f"no open paper order {correlation_id}", correlation_id=correlation_id
                )
            order = resting.record
            currency, amount = self._reservation(order, resting.remaining)
            held = self._row(currency)
            held = replace(held, reserved=held.reserved - amount)
            now = epoch_ms(self._clock)
            async with self.db.transaction() as tx:
                await OrderRepository.update(tx, order.id, now, status=OrderState.CANCELLED)
                await PaperWalletRepository.put(tx, held, now)
                await AuditRepository.insert(
                    tx, now, "ORDER_CANCELLED", f"[DRY_RUN] cancelled; {amount} {currency} released",
                    correlation_id=correlation_id, execution_mode=MODE,
                    details={"released": amount, "currency": currency,
                             "filled_quantity": order.filled_quantity},
                )
                record = await OrderRepository.get_in(tx, order.id)
            self._wallet[currency] = held
            del self._open[correlation_id]
            log.info("[DRY_RUN] %s cancelled", correlation_id)
        self._notify()
        return record

    async def on_market(self, view: MarketView) -> int:
        """Fill resting orders of ``view.pair`` that the market traded through. Returns the count."""
        fills = 0
        if view.stale:
            return 0  # never fill on data the market rules would refuse to trade on
        async with self._lock:
            for resting in [r for r in self._open.values() if r.record.pair == view.pair]:
                for price, quantity in self._maker_fills(resting, view):
                    await self._fill(resting, price, quantity, is_maker=True)
                    fills += 1
                if view.ticker is not None:
                    resting.last_seen = view.ticker.last
        if fills:
            self._notify()
        return fills

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

    def _taker_fills(self, resting: _Resting, view: MarketView) -> list[tuple[Decimal, Decimal]]:
        order = resting.record
        fills: list[tuple[Decimal, Decimal]] = []
        remaining = resting.remaining
        if view.book is not None and (view.book.asks if order.side == "BUY" else view.book.bids):
            for level, free in self._depth(view, order.side, order.price):
                take = min(free, remaining)
                if take > 0:
                    self._take(view.pair, level.price, take)
                    fills.append((level.price, take))
                    remaining -= take
            return fills
        touch = self._touch(view, order.side)
        if touch is not None and self._reaches(order.side, touch, order.price):
            fills.append((touch, remaining))  # no depth known: the whole order at the touch
        return fills

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
        if touch is None or not self._reaches(order.side, touch, order.price):
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

    @staticmethod
    def _reaches(side: Side, touch: Decimal, limit: Decimal) -> bool:
        return touch <= limit if side == "BUY" else touch >= limit

    # -- settlement -----------------------------------------------------------------------------
    async def _fill(self, resting: _Resting, price: Decimal, quantity: Decimal, *, is_maker: bool) -> None:
        """Settle one fill in ONE transaction: fill row, order row, wallet rows, audit row."""
        order = resting.record
        base, quote = resting.base, resting.quote
        fee_pct = self.settings.maker_fee_pct if is_maker else self.settings.taker_fee_pct
        rate = DecimalGateway.divide(fee_pct, HUNDRED)
        notional = DecimalGateway.quantize(DecimalGateway.multiply(price, quantity),
                                           money_precision(quote))
        held_currency, held_before = self._reservation(order, resting.remaining)
        filled = order.filled_quantity + quantity
        remaining = order.quantity - filled
        _, held_after = self._reservation(order, remaining)
        base_row, quote_row = self._row(base), self._row(quote)
        if order.side == "BUY":
            fee_currency = base
            fee = DecimalGateway.quantize(DecimalGateway.multiply(quantity, rate), money_precision(base))
            quote_row = replace(quote_row, total=quote_row.total - notional,
                                reserved=quote_row.reserved - (held_before - held_after))
            base_row = replace(base_row, total=base_row.total + quantity - fee)
        else:
            fee_currency = quote
            fee = DecimalGateway.quantize(DecimalGateway.multiply(notional, rate), money_precision(quote))
            base_row = replace(base_row, total=base_row.total - quantity,
                               reserved=base_row.reserved - (held_before - held_after))
            quote_row = replace(quote_row, total=quote_row.total + notional - fee)
        status = OrderState.FILLED if remaining <= 0 else OrderState.PARTIALLY_FILLED
        now = epoch_ms(self._clock)
        trade_id = f"DRYFILL-{uuid4().hex}"
        details: dict[str, Any] = {
            "trade_id": trade_id, "price": price, "quantity": quantity, "fee": fee,
            "fee_currency": fee_currency, "maker": is_maker, "notional": notional,
            "released": held_before - held_after, "released_currency": held_currency,
        }
        async with self.db.transaction() as tx:
            await FillRepository.insert(
                tx, order, trade_id=trade_id, price=price, quantity=quantity, fee=fee,
                fee_currency=fee_currency, is_maker=is_maker, traded_at_ms=now,
            )
            await OrderRepository.update(tx, order.id, now, status=status, filled_quantity=filled,
                                         fee_total=order.fee_total + fee)
            await PaperWalletRepository.put(tx, base_row, now)
            await PaperWalletRepository.put(tx, quote_row, now)
            await AuditRepository.insert(
                tx, now, "ORDER_FILL",
                f"[DRY_RUN] {'maker' if is_maker else 'taker'} fill {order.side} {quantity}"
                f" {order.pair} @ {price}", correlation_id=order.correlation_id,
                execution_mode=MODE, details=details,
            )
            resting.record = await OrderRepository.get_in(tx, order.id)
        self._wallet[base], self._wallet[quote] = base_row, quote_row
        if status is OrderState.FILLED:
            self._open.pop(order.correlation_id, None)
        log.info("[DRY_RUN] %s %s fill %s @ %s (fee %s %s) -> %s", order.correlation_id,
                 "maker" if is_maker else "taker", quantity, price, fee, fee_currency, status.value)

    def _reservation(self, order: OrderRecord, remaining: Decimal) -> tuple[str, Decimal]:
        base, quote = split_pair(order.pair, self._pairs)
        return reservation(order.side, order.price, remaining, base, quote, self.settings.taker_fee_pct)

    def _row(self, currency: str) -> WalletRow:
        return self._wallet.get(currency) or WalletRow(currency, ZERO, ZERO)

