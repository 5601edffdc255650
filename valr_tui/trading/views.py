"""The shapes the trading core hands to its callers (the dashboard, the PoC, the CLI).

Frozen dataclasses only: a widget can keep one without it changing under it. The
``TradingEngineAPI`` protocol is everything the dashboard may ask of the core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Literal, Protocol

from storage.audit import AuditEntry
from storage.orders import ExecutionModeName, FillRecord, OrderRecord, OrderState
from valr_tui.config import Settings
from valr_tui.errors import ValrTuiError
from valr_tui.exchange.models import Balance, OrderBook, Pair, TickerData, Trade
from valr_tui.exchange.rate_limiter import BucketSnapshot
from valr_tui.trading.candles import CandleSeries
from valr_tui.trading.safety import SafetyStatus


class ConnectionState(StrEnum):
    CONNECTING = "CONNECTING"
    WS = "WS"  # live stream up
    REST = "REST"  # stream down, REST polling fallback working
    DOWN = "DOWN"  # neither answers


@dataclass(frozen=True, slots=True)
class MarketView:
    """Everything known about one pair right now."""

    pair: str
    ticker: TickerData | None
    book: OrderBook | None
    updated_at: float | None  # wall-clock seconds of the last successful update
    stale: bool
    history: tuple[Decimal, ...] = ()  # recent last-traded prices, oldest first (sparkline)
    trades: tuple[Trade, ...] = ()  # recent public trades, newest first (the tape)

    def age(self, now: float) -> float | None:
        return None if self.updated_at is None else max(0.0, now - self.updated_at)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What the trader asked for. Strings are accepted so the form can pass raw input: the
    order manager parses them through the Decimal Gateway and rejects garbage with a code."""

    pair: str
    side: str
    price: str | Decimal
    quantity: str | Decimal
    order_type: str = "LIMIT"
    note: str = ""
    post_only: bool = False
    time_in_force: str = "GTC"  # GTC, IOC or FOK (VALR's timeInForce)


@dataclass(frozen=True, slots=True)
class OrderPreview:
    """The live preview under the order form: value and every rule that would reject it."""

    value_zar: Decimal | None
    problems: tuple[ValrTuiError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class OrderResult:
    correlation_id: str
    order_id: str  # DRY_<uuid> in DRY_RUN, VALR's id in LIVE
    state: OrderState
    execution_mode: ExecutionModeName
    message: str = ""

    @property
    def is_simulated(self) -> bool:
        return self.execution_mode == "DRY_RUN"


Outcome = Literal["WIN", "LOSS", "BREAKEVEN"]


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One closed position with its realised PnL (``prediction_outcomes``)."""

    id: int
    pair: str
    direction: Literal["LONG", "SHORT"]
    quantity: Decimal
    entry_value_zar: Decimal
    exit_value_zar: Decimal
    fees_zar: Decimal
    pnl_zar: Decimal
    outcome: Outcome
    execution_mode: ExecutionModeName
    thesis: str
    correlation_ids: tuple[str, ...]
    opened_at: int
    closed_at: int


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    """One reconciliation run (also written to ``institutional_audit``)."""

    ok: bool  # completed and within tolerance
    completed: bool  # False when it could not run (exchange unreachable, bad data)
    max_deviation_pct: Decimal
    worst_currency: str
    views: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # view -> currency -> total
    message: str = ""
    correlation_ids: tuple[str, ...] = ()


EngineEventKind = Literal["market", "orders", "safety", "audit", "journal", "balances", "bucket"]


@dataclass(frozen=True, slots=True)
class EngineEvent:
    """One change in the engine, with the frozen view of what changed, so a listener never asks
    the engine again for what the event carries: ``market`` events carry the pair's new
    ``MarketView``, ``safety`` events the new ``SafetyStatus``. The other kinds say which
    stored records changed (orders, balances, audit, journal), to be read when wanted."""

    kind: EngineEventKind
    market: MarketView | None = None
    safety: SafetyStatus | None = None


EngineListener = Callable[[EngineEvent], None]


class TradingEngineAPI(Protocol):
    """What the dashboard may ask of the core. Everything slow is async; nothing blocks."""

    settings: Settings

    @property
    def execution_mode(self) -> ExecutionModeName: ...

    @property
    def pairs(self) -> tuple[str, ...]: ...

    def market(self, pair: str) -> MarketView: ...

    def pair_metadata(self, pair: str) -> Pair: ...

    def connection_state(self) -> ConnectionState: ...

    def clock_skew_s(self) -> float | None: ...

    def bucket_snapshot(self) -> BucketSnapshot: ...

    def safety_status(self) -> SafetyStatus: ...

    def preview(self, request: OrderRequest) -> OrderPreview: ...

    async def submit(self, request: OrderRequest) -> OrderResult: ...

    async def cancel(self, correlation_id: str) -> OrderRecord: ...

    def amend_problems(self, record: OrderRecord, price: str, quantity: str) -> list[ValrTuiError]: ...

    async def amend(self, correlation_id: str, price: str, quantity: str) -> OrderRecord: ...

    async def orders(self, limit: int = 100) -> list[OrderRecord]: ...

    def tick_size(self, pair: str) -> Decimal | None: ...

    def candles(self, pair: str, period_s: int) -> CandleSeries: ...

    async def load_candles(self, pair: str, period_s: int) -> CandleSeries: ...

    async def pair_fills(self, pair: str, since_ms: int) -> list[FillRecord]: ...
    async def fills(self, correlation_id: str) -> list[FillRecord]: ...

    async def balances(self) -> list[Balance]: ...

    async def audit(self, correlation_id: str | None = None, limit: int = 200) -> list[AuditEntry]: ...

    async def journal(self, limit: int = 200) -> list[JournalEntry]: ...

    async def reconcile_now(self) -> ReconciliationReport: ...

    async def unlock(self, operator: str, reason: str, typed_confirmation: str) -> None: ...

    def subscribe(self, listener: EngineListener) -> Callable[[], None]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
