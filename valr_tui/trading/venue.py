"""The venue interface: where orders go. VALR and the paper book are two venues behind it.

The order manager owns one lifecycle and never asks which venue it talks to (the way hummingbot
makes paper trading a connector). A venue accepts an order the way VALR does (an acknowledgement
that it will be processed, 202-style), and reports what then happens as events: order status
updates, trades (fills) and balances. Each event may carry ``settle``: writes the venue needs in
the same transaction as the event's own rows (the paper venue moves its wallet there), so a fill,
its order row, its audit row and the wallet change commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

import aiosqlite

from storage.orders import ExecutionModeName, OrderRecord, OrderState
from valr_tui.exchange.models import Balance
from valr_tui.money import Side

Settle = Callable[[aiosqlite.Connection], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """The venue's word on one order (VALR's ``ORDER_STATUS_UPDATE`` or an order lookup)."""

    correlation_id: str
    state: OrderState  # OPEN, PARTIALLY_FILLED, FILLED, CANCELLED or FAILED
    venue_order_id: str | None = None
    filled_quantity: Decimal | None = None  # as the venue reports it
    venue_status: str = ""  # the venue's own word, for the audit row
    reason: str = ""
    price: Decimal | None = None  # the order's price and total quantity as the venue holds them
    quantity: Decimal | None = None  # (they change when an amend is applied)


@dataclass(frozen=True, slots=True)
class Trade:
    """One fill of one of our orders (VALR's ``NEW_ACCOUNT_TRADE`` or a trade-history row)."""

    correlation_id: str
    trade_id: str
    pair: str
    side: Side
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_currency: str
    is_maker: bool
    traded_at_ms: int  # on the venue's (server-aligned) clock
    venue_order_id: str | None = None


class VenueEvents(Protocol):
    """What a venue reports to (implemented by the order manager)."""

    async def order_update(self, update: OrderUpdate, settle: Settle | None = None) -> None: ...

    async def trade(self, trade: Trade, settle: Settle | None = None) -> None: ...

    def balances(self, balances: list[Balance]) -> None: ...

    async def cancel_failed(self, venue_order_id: str, reason: str) -> None:
        """The venue accepted a cancel (202) but could not carry it out (VALR's
        ``FAILED_CANCEL_ORDER``)."""


@dataclass(frozen=True, slots=True)
class Lookup:
    """The answer to "does the venue know this order?": ``update`` when found; ``absent`` when
    neither the active-order lookup nor the order history knows it."""

    update: OrderUpdate | None
    absent: bool = False


class Venue(Protocol):
    mode: ExecutionModeName
    label: str  # how messages name it: "paper wallet", "VALR account (last known)"
    # An order not found is proven absent only after this many not-found answers, spread over
    # ``settle_s`` (VALR may still be processing a request that reached it late).
    absence_checks: int
    settle_s: float

    def attach(self, events: VenueEvents) -> None: ...

    async def load(self) -> None:
        """Start-up: restore what the venue holds (the paper book), learn the server clock."""

    async def place(self, order: OrderRecord) -> str:
        """Send the order (with its ``post_only`` and ``time_in_force``); return the venue's
        order id once it is accepted for processing.
        Raises a coded error: ``details["order_state"] == "unknown"`` when the order may have
        reached the venue (ambiguous), otherwise it was not placed."""

    async def cancel(self, order: OrderRecord) -> None:
        """Ask the venue to cancel (accepted ≠ cancelled: the final word comes as an update)."""

    async def amend(self, order: OrderRecord, price: Decimal, quantity: Decimal) -> None:
        """Ask the venue to change a resting order's price and total quantity, keeping it a maker
        (VALR's modify with ``RETAIN_ORIGINAL``). The change arrives as an update carrying the new
        price and quantity; a refusal raises ``AmendRefusedError`` with the venue's reason and
        leaves the order as it was."""

    async def poll(self, order: OrderRecord) -> None:
        """Ask for news about one non-final order: report its status and trades as events."""

    async def poll_all(self, orders: list[OrderRecord]) -> None:
        """``poll`` for many orders, sharing what can be shared (one trade history per pair)."""

    async def lookup(self, order: OrderRecord) -> Lookup: ...

    async def balances(self) -> list[Balance]:
        """A fresh fetch of the venue's balances (reconciliation's exchange view)."""

    async def open_order_ids(self) -> list[str]:
        """Correlation ids of our orders the venue lists as open."""

    def available(self, currency: str) -> Decimal | None:
        """The last known available balance (None when not known yet)."""

    def funds_known(self) -> bool:
        """Whether the venue's balances have been read at all (the balance check needs them)."""

    def now_ms(self) -> int:
        """The venue's clock (server-aligned), for every comparison with venue timestamps."""

    def steady(self) -> AbstractAsyncContextManager[None]:
        """Hold the venue still (no event in progress) while reconciliation reads its views."""
