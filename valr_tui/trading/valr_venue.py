"""The VALR venue: orders to the exchange through the one ``VALRClient``, news back as events.

Placement is sent once: the client never resends (a duplicate ``customerOrderId`` is refused by
VALR only while the first order is still open, so a resend after a fill places the order twice).
An ambiguous outcome comes back to the order manager as an error marked ``order_state=unknown``;
the manager proves absence with ``lookup`` (active order, then order history) before giving up.
Status and trades come from the account stream when it runs and from REST polling (``poll``)
while it does not; both end in the same ``VenueEvents`` calls.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Protocol

from storage.orders import ExecutionModeName, OrderRecord, OrderState
from valr_tui.config import Settings
from valr_tui.errors import AmendRefusedError, OrderNotFoundError, ValrTuiError
from valr_tui.exchange.account_stream import (
    AccountEvent,
    AccountTradeEvent,
    BalanceEvent,
    FailedCancelEvent,
    OrderStatusEvent,
)
from valr_tui.exchange.models import (
    AccountTrade,
    Balance,
    OrderAck,
    OrderStatus,
    Pair,
    StatusClass,
)
from valr_tui.money import Side
from valr_tui.trading.clock import Clock, epoch_ms, system_clock
from valr_tui.trading.matching import AMEND_MATCH_STRATEGY
from valr_tui.trading.paper import reservation, split_pair
from valr_tui.trading.venue import Lookup, OrderUpdate, Trade, VenueEvents

log = logging.getLogger(__name__)

# VALR's order statuses by their class (``models.classify_status``) in our lifecycle. A status
# VALR has not documented is UNKNOWN: shown, audited and looked up until it is one we know.
CLASS_STATE: Mapping[StatusClass, OrderState] = {
    StatusClass.OPEN: OrderState.OPEN,
    StatusClass.PARTIALLY_FILLED: OrderState.PARTIALLY_FILLED,
    StatusClass.FILLED: OrderState.FILLED,
    StatusClass.CANCELLED: OrderState.CANCELLED,
    StatusClass.EXPIRED: OrderState.CANCELLED,
    StatusClass.FAILED: OrderState.FAILED,
    StatusClass.UNKNOWN: OrderState.UNKNOWN,
}
SETTLE_S = 2.0  # a late request has had time to land before we trust a not-found answer
ABSENCE_CHECKS = 3  # hummingbot's lost_order_count_limit: three not-found answers


class VenueClient(Protocol):
    """The part of ``VALRClient`` the VALR venue uses."""

    async def place_limit_order(
        self, pair: str, side: Side, quantity: Decimal, price: Decimal, customer_order_id: str,
        *, post_only: bool = False, time_in_force: str = "GTC",
    ) -> OrderAck: ...

    async def cancel_order(
        self, pair: str, *, order_id: str | None = None, customer_order_id: str | None = None
    ) -> None: ...

    async def modify_order(
        self, pair: str, order_id: str, *, new_price: Decimal | None = None,
        new_remaining_quantity: Decimal | None = None, new_total_quantity: Decimal | None = None,
        match_strategy: str = "RETAIN_ORIGINAL", customer_order_id: str | None = None,
    ) -> str: ...

    async def get_order(
        self, pair: str, *, order_id: str | None = None, customer_order_id: str | None = None
    ) -> OrderStatus: ...

    async def get_trade_history(self, pair: str | None = None, limit: int = 100) -> list[AccountTrade]: ...

    async def get_balances(self) -> list[Balance]: ...

    async def get_open_orders(self) -> list[OrderStatus]: ...

    time_offset_s: float  # server minus local, as last measured

    async def sync_server_time(self) -> float: ...


HistoryLookup = Callable[[str, str], Awaitable[OrderStatus]]


def update_from_status(correlation_id: str, status: OrderStatus) -> OrderUpdate:
    """VALR's order status as an update (an undocumented status is UNKNOWN, and says which)."""
    state = CLASS_STATE[status.status_class]
    reason = status.failed_reason or ""
    if state is OrderState.UNKNOWN:
        log.warning("order %s: VALR status %r is not one VALR documents", status.order_id, status.status)
        reason = f"VALR status {status.status!r} is not documented"
    return OrderUpdate(correlation_id, state, status.order_id, status.filled_quantity,
                       venue_status=status.status, reason=reason, price=status.price,
                       quantity=status.original_quantity)


def iso_to_epoch_ms(text: str, default: int) -> int:
    """VALR's ISO 8601 timestamp (``2024-01-01T10:00:00.123Z``) as epoch ms; ``default`` if unreadable."""
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return default
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


class _Silent:
    async def order_update(self, update: OrderUpdate, settle: object = None) -> None:
        return None

    async def trade(self, trade: Trade, settle: object = None) -> None:
        return None

    def balances(self, balances: list[Balance]) -> None:
        return None

    async def cancel_failed(self, venue_order_id: str, reason: str) -> None:
        return None


class ValrVenue:
    mode: ExecutionModeName = "LIVE"
    label = "VALR account (last known)"
    absence_checks = ABSENCE_CHECKS

    def __init__(
        self,
        client: VenueClient,
        settings: Settings,
        clock: Clock = system_clock,
        *,
        pairs: Mapping[str, Pair] | None = None,
        settle_s: float = SETTLE_S,
        history_lookup: HistoryLookup | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self._clock = clock
        self._pairs = pairs if pairs is not None else {}
        self.settle_s = settle_s
        # The order-history lookup (VALR's active-order lookup may 404 for a finished order).
        self._history_lookup = history_lookup
        self._events: VenueEvents = _Silent()
        self._available: dict[str, Decimal] | None = None

    def attach(self, events: VenueEvents) -> None:
        self._events = events

    # -- start-up and clock ---------------------------------------------------------------------
    async def load(self) -> None:
        try:
            await self.refresh_server_time()
        except ValrTuiError as exc:
            log.warning("[LIVE] server time not read (%s): using the local clock for now", exc.code)
        try:
            await self.balances()
        except ValrTuiError as exc:
            log.warning("[LIVE] balances not loaded yet (%s): orders wait for the next sync", exc.code)

    async def refresh_server_time(self) -> float:
        """Measure VALR's clock now (the engine also keeps it fresh every few minutes)."""
        return await self.client.sync_server_time()

    def now_ms(self) -> int:
        """The server-aligned clock: ours plus the client's measured offset (the one it signs
        with), so a baseline and VALR's fill times are on one clock."""
        return epoch_ms(self._clock) + int(self.client.time_offset_s * 1000)

    @asynccontextmanager
    async def steady(self) -> AsyncIterator[None]:
        yield  # the exchange never holds still: in-flight allowances cover what moves

    # -- orders ---------------------------------------------------------------------------------
    async def place(self, order: OrderRecord) -> str:
        ack = await self.client.place_limit_order(
            order.pair, order.side, order.quantity, order.price, order.correlation_id,
            post_only=order.post_only, time_in_force=order.time_in_force,
        )
        self._spend(order)
        return ack.order_id

    def _spend(self, order: OrderRecord) -> None:
        """Hold back what VALR will reserve, until the next balance read says otherwise."""
        if self._available is None:
            return
        base, quote = split_pair(order.pair, self._pairs)
        currency, amount = reservation(order.side, order.price, order.quantity, base, quote,
                                       self.settings.taker_fee_pct)
        self._available[currency] = self._available.get(currency, Decimal(0)) - amount

    async def cancel(self, order: OrderRecord) -> None:
        await self.client.cancel_order(order.pair, customer_order_id=order.correlation_id)

    async def amend(self, order: OrderRecord, price: Decimal, quantity: Decimal) -> None:
        """"Modify Order V1" with ``RETAIN_ORIGINAL`` and the new total quantity. VALR answers 202
        and applies it asynchronously: the order is looked up at once (its price and quantity
        say whether it was applied) and the account socket's "Order Modified" status says so too."""
        if not order.valr_order_id:
            raise AmendRefusedError(f"order {order.correlation_id} has no VALR order id yet: try again"
                                    " once VALR has acknowledged it", correlation_id=order.correlation_id)
        await self.client.modify_order(
            order.pair, order.valr_order_id, new_price=price, new_total_quantity=quantity,
            match_strategy=AMEND_MATCH_STRATEGY, customer_order_id=order.correlation_id,
        )
        base, quote = split_pair(order.pair, self._pairs)
        filled = order.filled_quantity
        currency, before = reservation(order.side, order.price, order.quantity - filled, base, quote,
                                       self.settings.taker_fee_pct)
        _, after = reservation(order.side, price, quantity - filled, base, quote, self.settings.taker_fee_pct)
        if self._available is not None:  # held back until the next balance read says otherwise
            self._available[currency] = self._available.get(currency, Decimal(0)) - (after - before)
        found = await self.lookup(order)
        if found.update is not None:
            await self._events.order_update(found.update)
        now = found.update
        if now is None or now.state not in (OrderState.OPEN, OrderState.PARTIALLY_FILLED):
            state = now.state.value if now is not None else "not found"
            raise AmendRefusedError(f"order {order.correlation_id} is {state} on VALR: nothing was amended",
                                    correlation_id=order.correlation_id)
        if (now.price, now.quantity) != (price, quantity):
            if self._available is not None:  # VALR did not take the difference
                self._available[currency] = self._available.get(currency, Decimal(0)) + (after - before)
            raise AmendRefusedError(
                f"VALR did not apply the modify: the order is still {now.quantity} @ {now.price} (it"
                " would have matched, the balance did not cover it, or VALR has not processed it yet;"
                " a later status adopts it if it does)", correlation_id=order.correlation_id)

    async def lookup(self, order: OrderRecord) -> Lookup:
        """Active-order lookup, then the order history; absent only if neither knows it."""
        try:
            status = await self.client.get_order(order.pair, customer_order_id=order.correlation_id)
        except OrderNotFoundError:
            if self._history_lookup is None:
                return Lookup(None, absent=True)
            try:
                status = await self._history_lookup(order.pair, order.correlation_id)
            except OrderNotFoundError:
                return Lookup(None, absent=True)
        return Lookup(update_from_status(order.correlation_id, status))

    async def poll(self, order: OrderRecord) -> None:
        await self.poll_all([order])

    async def poll_all(self, orders: list[OrderRecord]) -> None:
        """Per order: the status first, then the pair's trades (one read per pair serves every
        order), reported trades first so a FILLED status finds its fills stored."""
        trades: dict[str, list[AccountTrade]] = {}
        for order in orders:
            found = await self.lookup(order)
            reported = found.update.filled_quantity if found.update else None
            # the trade history is read only when VALR reports fills we have not stored
            if reported is not None and reported > order.filled_quantity:
                if order.pair not in trades:
                    trades[order.pair] = await self.client.get_trade_history(order.pair, 100)
                venue_order_id = found.update.venue_order_id if found.update else order.valr_order_id
                for trade in self._trades_of(order, venue_order_id, trades[order.pair]):
                    await self._events.trade(trade)
            if found.update is not None:
                await self._events.order_update(found.update)

    def _trades_of(
        self, order: OrderRecord, venue_order_id: str | None, history: list[AccountTrade]
    ) -> list[Trade]:
        return [
            self._trade(order.correlation_id, t)
            for t in reversed(history)  # oldest first
            if t.trade_id and (
                t.customer_order_id == order.correlation_id
                or (venue_order_id is not None and t.order_id == venue_order_id)
            )
        ]

    def _trade(self, correlation_id: str, t: AccountTrade) -> Trade:
        return Trade(
            correlation_id, t.trade_id, t.pair, t.side, t.price, t.quantity, t.fee,
            t.fee_currency, True, iso_to_epoch_ms(t.traded_at, self.now_ms()), t.order_id,
        )

    # -- the account socket ---------------------------------------------------------------------
    async def follow_account(self, events: AsyncIterator[AccountEvent]) -> None:
        """VALR's account events as they happen (``AccountStream.events()``); the REST polling
        of every non-final order goes on beside it, and is all there is while the socket is down."""
        async for event in events:
            try:
                await self.on_account_event(event)
            except ValrTuiError as exc:
                log.warning("[LIVE] account event not applied (%s): the next poll reads it", exc.code)

    async def on_account_event(self, event: AccountEvent) -> None:
        match event:
            case OrderStatusEvent(status=status) if status.customer_order_id:
                await self._events.order_update(update_from_status(status.customer_order_id, status))
            case AccountTradeEvent(trade=trade) if trade.customer_order_id and trade.trade_id:
                await self._events.trade(self._trade(trade.customer_order_id, trade))
            case BalanceEvent(balance=balance):
                if self._available is not None:
                    self._available[balance.currency] = balance.available
                self._events.balances([balance])
            case FailedCancelEvent(order_id=order_id, message=message):
                await self._events.cancel_failed(order_id, message)
            case _:
                return

    # -- account --------------------------------------------------------------------------------
    async def balances(self) -> list[Balance]:
        balances = await self.client.get_balances()
        self._available = {b.currency: b.available for b in balances}
        return balances

    async def open_order_ids(self) -> list[str]:
        return [o.customer_order_id for o in await self.client.get_open_orders() if o.customer_order_id]

    def funds_known(self) -> bool:
        return self._available is not None

    def available(self, currency: str) -> Decimal | None:
        if self._available is None:
            return None
        return self._available.get(currency, Decimal(0))
