"""The app's own running book: the venue's figures when the run started (or an operator accepted
them by unlocking), moved by every fill the app itself records. Reconciliation's "state" view; never
a copy of the fetch it is compared with (so money that moves behind the app shows as a drift)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from storage.ledger import apply_fills
from storage.orders import FillRecord
from valr_tui.exchange.models import Balance
from valr_tui.trading.venue import Trade


class AccountBook:
    def __init__(self) -> None:
        self._totals: dict[str, Decimal] = {}
        self.loaded = False

    def reset(self, balances: Iterable[Balance]) -> None:
        """Start from the venue's figures (start-up, or an operator's unlock)."""
        self._totals = {b.currency: b.total for b in balances}
        self.loaded = True

    def apply_trade(self, trade: Trade, execution_mode: str) -> None:
        fill = FillRecord(  # not stored yet: no row id, no order id
            id=0, order_id=0, correlation_id=trade.correlation_id, execution_mode=execution_mode,
            trade_id=trade.trade_id, pair=trade.pair, side=trade.side, price=trade.price,
            quantity=trade.quantity, fee=trade.fee, fee_currency=trade.fee_currency,
            is_maker=trade.is_maker, traded_at=trade.traded_at_ms,
        )
        self._totals = apply_fills(self._totals, [fill])

    def totals(self) -> dict[str, Decimal]:
        return dict(self._totals)
