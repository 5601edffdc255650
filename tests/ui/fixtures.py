"""A deterministic, in-memory ``TradingEngineAPI`` for snapshot tests, screenshots and UI work.

Frozen clock, fixed prices, a fixed bucket snapshot and plain lists for orders, audit rows and
journal entries. ``scenario`` switches the whole picture (NORMAL, STALE, ESSENTIAL_ONLY,
SAFE_IDLE, NEUTRAL, LOCKDOWN). ``preview`` runs the order manager's own rules (``check_order``)
against this state, so the form shows exactly the problems and codes the real core would.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Select
from textual.worker import WorkerCancelled

from storage.audit import AuditEntry
from storage.orders import ExecutionModeName, FillRecord, OrderRecord, OrderState
from valr_tui.config import Settings
from valr_tui.errors import (
    AmendRefusedError,
    OrderNotFoundError,
    UnknownPairError,
    UnlockRefused,
    ValrTuiError,
)
from valr_tui.exchange.buckets import Candle
from valr_tui.exchange.models import Balance, BookLevel, OrderBook, Pair, TickerData, Trade
from valr_tui.exchange.rate_limiter import BucketSnapshot
from valr_tui.money import Side
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.candles import MAX_CANDLES, CandleSeries
from valr_tui.trading.order_rules import Funds, check_order
from valr_tui.trading.safety import UNLOCK_PHRASE, SafetyState, SafetyStatus
from valr_tui.trading.views import (
    ConnectionState,
    EngineEvent,
    EngineEventKind,
    EngineListener,
    JournalEntry,
    MarketView,
    OrderPreview,
    OrderRequest,
    OrderResult,
    Outcome,
    ReconciliationReport,
)
from valr_tui.ui.widgets.orders import OPTIONS

_SEED_BALANCES = (
    Balance("BTC", Decimal("0.00350000"), Decimal(0), Decimal("0.00350000")),
    Balance("ETH", Decimal("0.03000000"), Decimal("0.05000000"), Decimal("0.08000000")),
)
FROZEN_NOW = 1_760_000_000.0  # 2025-10-09 08:53:20 UTC: every age and timestamp derives from it
STALE_AGE_S = 95.0


class Scenario(StrEnum):
    NORMAL = "NORMAL"
    STALE = "STALE"
    ESSENTIAL_ONLY = "ESSENTIAL_ONLY"
    SAFE_IDLE = "SAFE_IDLE"
    NEUTRAL = "NEUTRAL"
    LOCKDOWN = "LOCKDOWN"
    TEN_PAIRS = "TEN_PAIRS"  # NORMAL, watching ten pairs


_SAFETY: dict[Scenario, tuple[SafetyState, str]] = {
    Scenario.NORMAL: (SafetyState.NORMAL, ""),
    Scenario.STALE: (SafetyState.NORMAL, ""),
    Scenario.ESSENTIAL_ONLY: (SafetyState.NORMAL, ""),
    Scenario.SAFE_IDLE: (SafetyState.SAFE_IDLE, "market data unreachable for 95 s (limit 60 s)"),
    Scenario.NEUTRAL: (SafetyState.NEUTRAL, "3 reconciliation runs in a row could not complete"),
    Scenario.LOCKDOWN: (SafetyState.LOCKDOWN, "reconciliation mismatch 2.40% on ZAR (limit 1%)"),
    Scenario.TEN_PAIRS: (SafetyState.NORMAL, ""),
}

_CONNECTION: dict[Scenario, ConnectionState] = {
    Scenario.STALE: ConnectionState.REST,
    Scenario.SAFE_IDLE: ConnectionState.DOWN,
}

PAIRS: dict[str, Pair] = {
    "BTCZAR": Pair("BTCZAR", "BTC", "ZAR", Decimal(1), 8, Decimal("0.00001"), Decimal(100),
                   Decimal(10), Decimal(5_000_000)),
    "ETHZAR": Pair("ETHZAR", "ETH", "ZAR", Decimal(1), 8, Decimal("0.0002"), Decimal(5000),
                   Decimal(10), Decimal(5_000_000)),
    **{symbol: Pair(symbol, symbol[:-3], "ZAR", Decimal(tick), places, Decimal(minimum), Decimal(10**7),
                    Decimal(10), Decimal(5_000_000))
       for symbol, tick, places, minimum in (
           ("XRPZAR", "0.01", 6, "1.5"), ("SOLZAR", "1", 8, "0.01"), ("USDTZAR", "0.01", 2, "0.55"),
           ("DOGEZAR", "0.0001", 4, "4"), ("ADAZAR", "0.001", 6, "1"), ("LINKZAR", "0.1", 8, "0.04"),
           ("AVAXZAR", "0.1", 8, "0.03"), ("LTCZAR", "1", 8, "0.007"))},
}
DEFAULT_PAIRS = ("BTCZAR", "ETHZAR")

# last, bid, ask, previous close, base volume for each pair
_PRICES: dict[str, tuple[str, str, str, str, str]] = {
    "BTCZAR": ("1250000", "1249900", "1250100", "1231500", "12.48301550"),
    "ETHZAR": ("45010", "45000", "45020", "45600", "318.20410000"),
    "XRPZAR": ("42.15", "42.14", "42.16", "41.20", "182345.120000"),
    "SOLZAR": ("3150", "3149", "3152", "3210", "812.55000000"),
    "USDTZAR": ("18.21", "18.20", "18.21", "18.19", "2500111.50"),
    "DOGEZAR": ("3.2145", "3.2140", "3.2151", "3.0120", "9912345.1200"),
    "ADAZAR": ("12.345", "12.340", "12.350", "12.800", "455123.900000"),
    "LINKZAR": ("301.4", "301.2", "301.6", "295.0", "5211.40000000"),
    "AVAXZAR": ("455.2", "455.0", "455.5", "470.1", "3120.05000000"),
    "LTCZAR": ("1640", "1638", "1642", "1651", "640.12000000"),
}
# a gentle, fixed wave (per-mille offsets) so the sparkline has a shape without randomness
_WAVE = (0, 3, 5, 4, 8, 11, 9, 6, 7, 12, 15, 13, 10, 9, 14, 18, 16, 12, 11, 15, 19, 17, 14, 16, 20)


def _history(last: Decimal) -> tuple[Decimal, ...]:
    top = max(_WAVE)
    return tuple(last * (Decimal(1000) - top + w) / 1000 for w in _WAVE)


def _book(pair: str, bid: Decimal, ask: Decimal) -> OrderBook:
    step = PAIRS[pair].tick_size * (50 if pair == "BTCZAR" else 5)
    size = Decimal("0.0125") if pair == "BTCZAR" else Decimal("0.35")
    # 40 levels a side, as VALR's aggregated book has; sizes vary on a fixed pattern
    asks = tuple(BookLevel(ask + step * i, size * (1 + i % 5), 1 + i % 3) for i in range(BOOK_LEVELS))
    bids = tuple(BookLevel(bid - step * i, size * (2 + i % 4), 1 + i % 3) for i in range(BOOK_LEVELS))
    return OrderBook(pair, asks, bids, sequence=1000)


def _tape(pair: str, last: Decimal) -> tuple[Trade, ...]:
    """Twenty public trades around the last price, newest first, one every 7 s."""
    tick = PAIRS[pair].tick_size * (50 if pair == "BTCZAR" else 5)
    size = Decimal("0.0125") if pair == "BTCZAR" else Decimal("0.35")
    return tuple(
        Trade(pair, last + tick * ((i * 7) % 5 - 2), size * (1 + i % 3), "BUY" if i % 3 else "SELL",
              time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(FROZEN_NOW - 2 - 7 * i)), f"t{i}")
        for i in range(20)
    )


BOOK_LEVELS = 40


def _ms(offset_s: float) -> int:
    return int((FROZEN_NOW + offset_s) * 1000)


def _order(
    n: int, pair: str, side: Side, price: str, qty: str, filled: str, state: OrderState, age_s: float,
    note: str = "",
) -> OrderRecord:
    return OrderRecord(
        id=n, correlation_id=f"ord-seed{n:04d}", pair=pair, side=side, price=Decimal(price),
        quantity=Decimal(qty), filled_quantity=Decimal(filled), fee_total=Decimal(0), state=state,
        execution_mode="DRY_RUN", valr_order_id=f"DRY_seed{n:04d}", note=note,
        created_at=_ms(-age_s), updated_at=_ms(-age_s / 2),
    )


def _seed_orders() -> list[OrderRecord]:
    return [
        _order(1, "BTCZAR", "BUY", "1200000", "0.002", "0", OrderState.OPEN, 600, "dip buy"),
        _order(2, "ETHZAR", "SELL", "46000", "0.05", "0.02", OrderState.PARTIALLY_FILLED, 1800),
        _order(3, "BTCZAR", "SELL", "1255000", "0.001", "0.001", OrderState.FILLED, 3600),
        _order(4, "ETHZAR", "BUY", "44000", "0.03", "0", OrderState.CANCELLED, 7200),
    ]


def _fill(n: int, order: OrderRecord, price: str, qty: str, fee: str, fee_currency: str,
          traded_at: int | None = None) -> FillRecord:
    return FillRecord(
        id=n, order_id=order.id, correlation_id=order.correlation_id, execution_mode=order.execution_mode,
        trade_id=f"trade-seed{n:04d}", pair=order.pair, side=order.side, price=Decimal(price),
        quantity=Decimal(qty), fee=Decimal(fee), fee_currency=fee_currency, is_maker=True,
        traded_at=order.created_at + 60_000 * n if traded_at is None else traded_at,
    )


def _seed_fills(orders: list[OrderRecord]) -> list[FillRecord]:
    """Two fills at different prices for the partly filled ETH sell, one for the filled BTC sell."""
    eth, btc = orders[1], orders[2]
    return [
        _fill(1, eth, "46000", "0.015", "0.69", "ZAR"),
        _fill(2, eth, "46020", "0.005", "0.23", "ZAR"),
        _fill(3, btc, "1255000", "0.001", "1.26", "ZAR", traded_at=_ms(-1200)),  # inside the chart
    ]


@functools.cache  # a pure function of its arguments; the chart asks on every market redraw
def _candles(pair: str, period_s: int, count: int = MAX_CANDLES) -> tuple[Candle, ...]:
    """A fixed, random-looking walk (integer LCG, no float) ending at the pair's last price."""
    tick = PAIRS[pair].tick_size
    mul, div = DecimalGateway.multiply, DecimalGateway.divide

    def on_tick(value: Decimal) -> Decimal:
        return mul(DecimalGateway.quantize(div(value, tick), Decimal(1)), tick)

    close = Decimal(_PRICES[pair][0])
    state = period_s + len(pair)
    newest_start = int(FROZEN_NOW) // period_s * period_s
    newest_first: list[Candle] = []
    for i in range(count):
        state = (state * 1103515245 + 12345) % 2**31
        move = Decimal(state % 31 - 15).scaleb(-4)  # -15..+15 bps
        opened = on_tick(mul(close, 1 - move))
        wick = Decimal(state % 7).scaleb(-4)
        high = on_tick(mul(max(opened, close), 1 + wick))
        low = on_tick(mul(min(opened, close), 1 - wick))
        volume = Decimal(state % 97 + 3).scaleb(-2)
        newest_first.append(Candle(pair, period_s, newest_start - i * period_s, opened, high, low, close,
                                   volume, mul(volume, close)))
        close = opened
    return tuple(reversed(newest_first))


def _audit(
    n: int, age_s: float, event: str, message: str, *, severity: str = "INFO",
    correlation_id: str | None = None, before: str | None = None, after: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry(
        id=n, occurred_at=_ms(-age_s), event_type=event, severity=severity,
        correlation_id=correlation_id, execution_mode="DRY_RUN", state_before=before,
        state_after=after, message=message, details=details or {},
    )


def _seed_audit() -> list[AuditEntry]:
    return [
        _audit(1, 7300, "ENGINE_START", "engine started in DRY_RUN"),
        _audit(2, 7200, "ORDER_SUBMITTED", "BUY 0.03 ETHZAR @ 44000", correlation_id="ord-seed0004"),
        _audit(3, 7100, "ORDER_CANCELLED", "cancelled by operator", correlation_id="ord-seed0004"),
        _audit(4, 3600, "ORDER_SUBMITTED", "SELL 0.001 BTCZAR @ 1255000", correlation_id="ord-seed0003"),
        _audit(5, 3500, "ORDER_FILLED", "filled 0.001 @ 1255000", correlation_id="ord-seed0003"),
        _audit(6, 1800, "ORDER_SUBMITTED", "SELL 0.05 ETHZAR @ 46000", correlation_id="ord-seed0002"),
        _audit(7, 900, "RECONCILIATION", "balances agree", correlation_id="rec-0001",
               details={"outcome": "OK", "max_deviation_pct": "0.0000", "worst_currency": "ZAR"}),
        _audit(8, 600, "ORDER_SUBMITTED", "BUY 0.002 BTCZAR @ 1200000", correlation_id="ord-seed0001"),
        _audit(9, 300, "RECONCILIATION", "balances agree within tolerance", correlation_id="rec-0002",
               details={"outcome": "OK", "max_deviation_pct": "0.0200", "worst_currency": "BTC"}),
    ]


def _journal(
    n: int, pair: str, direction: str, qty: str, entry: str, exit_: str, fees: str, thesis: str,
) -> JournalEntry:
    pnl = Decimal(exit_) - Decimal(entry) - Decimal(fees)
    if direction == "SHORT":
        pnl = Decimal(entry) - Decimal(exit_) - Decimal(fees)
    outcome: Outcome = "WIN" if pnl > Decimal("0.50") else "LOSS" if pnl < Decimal("-0.50") else "BREAKEVEN"
    return JournalEntry(
        id=n, pair=pair, direction="LONG" if direction == "LONG" else "SHORT", quantity=Decimal(qty),
        entry_value_zar=Decimal(entry), exit_value_zar=Decimal(exit_), fees_zar=Decimal(fees),
        pnl_zar=pnl, outcome=outcome, execution_mode="DRY_RUN", thesis=thesis,
        correlation_ids=(f"ord-j{n}a", f"ord-j{n}b"), opened_at=_ms(-86_400 + n * 3600),
        closed_at=_ms(-80_000 + n * 3600),
    )


def _seed_journal() -> list[JournalEntry]:
    return [
        _journal(1, "BTCZAR", "LONG", "0.002", "2430.00", "2496.00", "4.93", "breakout above 1.2m"),
        _journal(2, "ETHZAR", "LONG", "0.05", "2300.00", "2241.50", "4.54", "mean reversion"),
        _journal(3, "BTCZAR", "SHORT", "0.001", "1250.00", "1248.00", "2.00", "range top fade"),
    ]


class FakeEngine:
    """Implements ``TradingEngineAPI`` in memory; every answer is a pure function of its state."""

    def __init__(
        self,
        scenario: Scenario = Scenario.NORMAL,
        *,
        execution_mode: ExecutionModeName = "DRY_RUN",
        settings: Settings | None = None,
    ) -> None:
        self.settings = settings or Settings(db_path=":memory:", log_path="")
        self._mode: ExecutionModeName = execution_mode
        self.scenario = scenario
        self.now = FROZEN_NOW
        self._listeners: list[EngineListener] = []
        self._markets: dict[str, tuple[Decimal, Decimal]] = {
            pair: (Decimal(p[1]), Decimal(p[2])) for pair, p in _PRICES.items()
        }
        self.orders_list = _seed_orders()
        self.fills_list = _seed_fills(self.orders_list)
        self.candle_loads: list[tuple[str, int]] = []  # every load asked for, failed ones too
        self.candle_failure: ValrTuiError | None = None  # set: every load raises it
        self._candles_held: set[tuple[str, int]] = set()
        self.audit_list = _seed_audit()
        self.journal_list = _seed_journal()
        self.started = False
        self.stopped = False
        self.submitted: list[OrderRequest] = []
        self.unlock_calls: list[tuple[str, str, str]] = []
        self.reconcile_calls = 0

    # -- plumbing for tests ---------------------------------------------------------------------
    def clock(self) -> float:
        return self.now

    def set_scenario(self, scenario: Scenario) -> None:
        self.scenario = scenario
        kinds: tuple[EngineEventKind, ...] = ("safety", "market", "bucket")
        for kind in kinds:
            self.emit(kind)

    def set_book_top(self, pair: str, bid: str, ask: str) -> None:
        self._markets[pair] = (Decimal(bid), Decimal(ask))
        self.emit("market")

    def emit(self, kind: EngineEventKind) -> None:
        """As the engine publishes: a market event per pair with its view, safety with the status."""
        if kind == "market":
            events = [EngineEvent(kind, market=self.market(pair)) for pair in self.pairs]
        elif kind == "safety":
            events = [EngineEvent(kind, safety=self.safety_status())]
        else:
            events = [EngineEvent(kind)]
        for event in events:
            for listener in list(self._listeners):
                listener(event)

    def _add_audit(self, event: str, message: str, **kwargs: Any) -> None:
        self.audit_list.append(_audit(len(self.audit_list) + 1, 0, event, message, **kwargs))
        self.emit("audit")

    # -- TradingEngineAPI -----------------------------------------------------------------------
    @property
    def execution_mode(self) -> ExecutionModeName:
        return self._mode

    @property
    def pairs(self) -> tuple[str, ...]:
        return tuple(PAIRS) if self.scenario is Scenario.TEN_PAIRS else DEFAULT_PAIRS

    def market(self, pair: str) -> MarketView:
        if pair not in PAIRS:
            raise UnknownPairError(f"pair {pair[:20]!r} is unknown")
        last, _bid, _ask, prev, volume = (Decimal(v) for v in _PRICES[pair])
        bid, ask = self._markets[pair]
        stale = self.scenario in (Scenario.STALE, Scenario.SAFE_IDLE)
        updated_at = self.now - (STALE_AGE_S if stale else 1.5)
        change = DecimalGateway.divide((last - prev) * 100, prev)
        ticker = TickerData(
            pair=pair, bid=bid, ask=ask, last=last, previous_close=prev, change_pct=change,
            base_volume=volume, quote_volume=volume * last, high=last * Decimal("1.02"),
            low=prev * Decimal("0.99"), created="2025-10-09T08:53:18.500Z", fetched_at=updated_at,
            source="rest" if stale else "ws",
        )
        return MarketView(pair, ticker, _book(pair, bid, ask), updated_at, stale, _history(last),
                          _tape(pair, last))

    def pair_metadata(self, pair: str) -> Pair:
        if pair not in PAIRS:
            raise UnknownPairError(f"pair {pair[:20]!r} is unknown")
        return PAIRS[pair]

    def clock_skew_s(self) -> float | None:
        return None

    def connection_state(self) -> ConnectionState:
        return _CONNECTION.get(self.scenario, ConnectionState.WS)

    def bucket_snapshot(self) -> BucketSnapshot:
        cap = self.settings.rate_limit_capacity
        floor = float(cap * self.settings.essential_threshold)
        if self.scenario is Scenario.ESSENTIAL_ONLY:
            return BucketSnapshot(42.0, cap, 10.0, floor, True, 12.5, 4210, 37)
        return BucketSnapshot(540.0, cap, 10.0, floor, False, 0.0, 1873, 0)

    def safety_status(self) -> SafetyStatus:
        state, reason = _SAFETY[self.scenario]
        conditions: dict[SafetyState, str] = {} if state is SafetyState.NORMAL else {state: reason}
        return SafetyStatus(state, reason, self.now - 42, conditions)

    def preview(self, request: OrderRequest) -> OrderPreview:
        checked = check_order(
            request, pairs=PAIRS, settings=self.settings, market=self.market, clock=self.clock,
            safety=self.safety_status(), funds=Funds("paper wallet", self._available),
        )
        return OrderPreview(checked.value, checked.problems)

    def _available(self, currency: str) -> Decimal:
        if currency == "ZAR":
            return self._zar_available()
        return next((b.available for b in _SEED_BALANCES if b.currency == currency), Decimal(0))

    def _zar_available(self) -> Decimal:
        reserved = sum(
            (o.value_zar for o in self.orders_list if o.state.is_open and o.side == "BUY"), Decimal(0)
        )
        return self.settings.dry_run_wallet_zar - reserved

    async def submit(self, request: OrderRequest) -> OrderResult:
        self.submitted.append(request)
        n = len(self.orders_list) + 1
        correlation_id = f"ord-test{n:04d}"
        problems = self.preview(request).problems
        if problems:
            first = problems[0]
            self._add_audit("ORDER_REJECTED", f"{first.code}: {first.message}", severity="WARNING",
                            correlation_id=correlation_id)
            raise first
        side: Side = "BUY" if str(request.side).strip().upper() == "BUY" else "SELL"
        order_id = f"DRY_{n:04d}" if self._mode == "DRY_RUN" else f"valr-{n:04d}"
        record = OrderRecord(
            id=n, correlation_id=correlation_id, pair=str(request.pair).strip().upper(), side=side,
            price=DecimalGateway.to_decimal(request.price),
            quantity=DecimalGateway.to_decimal(request.quantity),
            filled_quantity=Decimal(0), fee_total=Decimal(0), state=OrderState.OPEN,
            execution_mode=self._mode, valr_order_id=order_id, note=request.note,
            created_at=_ms(0), updated_at=_ms(0),
        )
        self.orders_list.append(record)
        self._add_audit("ORDER_SUBMITTED", f"{side} {request.quantity} {record.pair} @ {request.price}",
                        correlation_id=correlation_id)
        self.emit("orders")
        return OrderResult(correlation_id, order_id, OrderState.OPEN, self._mode)

    async def cancel(self, correlation_id: str) -> OrderRecord:
        for index, order in enumerate(self.orders_list):
            if order.correlation_id == correlation_id:
                if not order.state.is_open:
                    raise OrderNotFoundError(
                        f"order {correlation_id[:60]!r} is {order.state.value}, not open")
                cancelled = replace(order, state=OrderState.CANCELLED, updated_at=_ms(0))
                self.orders_list[index] = cancelled
                self._add_audit("ORDER_CANCELLED", "cancelled by operator", correlation_id=correlation_id)
                self.emit("orders")
                return cancelled
        raise OrderNotFoundError(f"no order {correlation_id[:60]!r}")

    def amend_problems(self, record: OrderRecord, price: str, quantity: str) -> list[ValrTuiError]:
        """The form's rules on the new terms (the real engine adds the held amount and the
        amend's own checks; tests of those run against it)."""
        request = OrderRequest(record.pair, record.side, price, quantity, post_only=record.post_only,
                               time_in_force=record.time_in_force)
        problems = list(self.preview(request).problems)
        if not problems and (str(record.price), str(record.quantity)) == (price.strip(), quantity.strip()):
            problems.append(AmendRefusedError("nothing to change: same price and quantity"))
        return problems

    async def amend(self, correlation_id: str, price: str, quantity: str) -> OrderRecord:
        for index, order in enumerate(self.orders_list):
            if order.correlation_id == correlation_id:
                problems = self.amend_problems(order, price, quantity)
                if problems:
                    raise problems[0]
                amended = replace(order, price=DecimalGateway.to_decimal(price.strip()),
                                  quantity=DecimalGateway.to_decimal(quantity.strip()), updated_at=_ms(0))
                self.orders_list[index] = amended
                self._add_audit("ORDER_AMENDED", f"amended to {quantity} @ {price}",
                                correlation_id=correlation_id)
                self.emit("orders")
                return amended
        raise OrderNotFoundError(f"no order {correlation_id[:60]!r}")

    async def orders(self, limit: int = 100) -> list[OrderRecord]:
        return sorted(self.orders_list, key=lambda o: o.created_at, reverse=True)[:limit]

    async def fills(self, correlation_id: str) -> list[FillRecord]:
        return [f for f in self.fills_list if f.correlation_id == correlation_id]

    def tick_size(self, pair: str) -> Decimal | None:
        meta = PAIRS.get(pair)
        return None if meta is None else meta.tick_size

    def candles(self, pair: str, period_s: int) -> CandleSeries:
        if (pair, period_s) not in self._candles_held:
            return CandleSeries(pair, period_s)  # not loaded yet: the chart asks for it
        return CandleSeries(pair, period_s, _candles(pair, period_s), self.now, 1)

    async def load_candles(self, pair: str, period_s: int) -> CandleSeries:
        self.candle_loads.append((pair, period_s))
        if self.candle_failure is not None:
            raise self.candle_failure
        self._candles_held.add((pair, period_s))
        self.emit("market")
        return self.candles(pair, period_s)

    async def pair_fills(self, pair: str, since_ms: int) -> list[FillRecord]:
        return [f for f in self.fills_list if f.pair == pair and f.traded_at >= since_ms]

    async def balances(self) -> list[Balance]:
        zar_total = self.settings.dry_run_wallet_zar
        zar_free = self._zar_available()
        return [Balance("ZAR", zar_free, zar_total - zar_free, zar_total), *_SEED_BALANCES]

    async def audit(self, correlation_id: str | None = None, limit: int = 200) -> list[AuditEntry]:
        rows = [a for a in self.audit_list if correlation_id is None or a.correlation_id == correlation_id]
        return sorted(rows, key=lambda a: (a.occurred_at, a.id), reverse=True)[:limit]

    async def journal(self, limit: int = 200) -> list[JournalEntry]:
        return sorted(self.journal_list, key=lambda j: j.closed_at, reverse=True)[:limit]

    async def reconcile_now(self) -> ReconciliationReport:
        self.reconcile_calls += 1
        mismatch = self.scenario is Scenario.LOCKDOWN
        deviation = Decimal("2.40") if mismatch else Decimal("0.02")
        report = ReconciliationReport(
            ok=not mismatch, completed=True, max_deviation_pct=deviation, worst_currency="ZAR",
            message="mismatch above 1%" if mismatch else "balances agree within tolerance",
            correlation_ids=(f"rec-{self.reconcile_calls + 2:04d}",),
        )
        self._add_audit(
            "RECONCILIATION", report.message, severity="CRITICAL" if mismatch else "INFO",
            correlation_id=report.correlation_ids[0],
            details={"outcome": "MISMATCH" if mismatch else "OK",
                     "max_deviation_pct": DecimalGateway.to_wire(deviation), "worst_currency": "ZAR"},
        )
        return report

    async def unlock(self, operator: str, reason: str, typed_confirmation: str) -> None:
        self.unlock_calls.append((operator, reason, typed_confirmation))
        if self.scenario is not Scenario.LOCKDOWN:
            raise UnlockRefused("not in LOCKDOWN")
        if typed_confirmation.strip() != UNLOCK_PHRASE or not operator.strip() or not reason.strip():
            raise UnlockRefused()
        self._add_audit("UNLOCK", f"unlocked by {operator.strip()}: {reason.strip()}",
                        before="LOCKDOWN", after="NORMAL")
        self.set_scenario(Scenario.NORMAL)

    def subscribe(self, listener: EngineListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True


# -- the pictures: shared by the snapshot tests and scripts/make_screenshots.py -----------------
async def workers_done(pilot: Pilot[Any]) -> None:
    """Wait until no worker runs. A worker of an exclusive group that a newer one replaced ends
    cancelled (by design): then wait for its replacement instead."""
    for _ in range(50):
        try:
            await pilot.app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for the start-up workers, stop cursor blink and let the screen draw: stable pictures."""
    await workers_done(pilot)
    await pilot.pause()
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await workers_done(pilot)
    await pilot.pause()


async def type_rejected_order(pilot: Pilot[Any]) -> None:
    """A BTCZAR BUY above MAX_ORDER_ZAR with an off-tick price: the preview lists both codes."""
    await settle(pilot)
    pilot.app.screen.query_one("#price", Input).focus()
    await pilot.press(*"1250000.5", "tab", *"0.01")
    await settle(pilot)


async def type_taker_order(pilot: Pilot[Any]) -> None:
    """A BTCZAR BUY priced through two ask levels: the preview shows the taker fill."""
    await settle(pilot)
    pilot.app.screen.query_one("#price", Input).focus()
    await pilot.press(*"1250150", "tab", *"0.003")


async def type_fok_order(pilot: Pilot[Any]) -> None:
    """A BTCZAR FOK BUY at the ask for more than the book offers there: the preview says it fails."""
    await settle(pilot)
    pilot.app.screen.query_one("#options", Select).value = next(
        i for i, (_label, tif, _post) in enumerate(OPTIONS) if tif == "FOK")
    pilot.app.screen.query_one("#price", Input).focus()
    await pilot.press(*"1250150", "tab", *"0.5")
    await settle(pilot)


async def open_amend(pilot: Pilot[Any]) -> None:
    """ctrl+o, ctrl+a on the open BTC buy, its quantity changed to 0.003: the amend dialog."""
    await settle(pilot)
    await pilot.press("ctrl+o", "ctrl+a")
    await settle(pilot)
    pilot.app.screen.query_one("#amend-quantity", Input).value = "0.003"
    await settle(pilot)


async def pick_eth(pilot: Pilot[Any]) -> None:
    """ctrl+t, then "eth" typed: the picker narrowed to ETHZAR."""
    await settle(pilot)
    await pilot.press("ctrl+t", *"eth")
    await settle(pilot)


async def hourly_chart(pilot: Pilot[Any]) -> None:
    """ctrl+g three times: 1m -> 5m -> 15m -> 1h candles."""
    await settle(pilot)
    await pilot.press("ctrl+g", "ctrl+g", "ctrl+g")
    await settle(pilot)


async def ten_tickers(pilot: Pilot[Any]) -> None:
    """Ten watched pairs, the ticker table in view (at 80 columns the form is focused below it)."""
    await settle(pilot)
    pilot.app.screen.query_one("#tickers").scroll_visible(animate=False)
    await settle(pilot)


async def open_audit(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("f2")
    await settle(pilot)


async def open_book(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("ctrl+d")
    await settle(pilot)
    await pilot.pause(0.1)  # the ladder centres on the spread after its first layout


async def open_orders(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("ctrl+l")
    await settle(pilot)
    await pilot.press("down")  # the partly filled order: its fills below
    await settle(pilot)


async def open_alerts(pilot: Pilot[Any]) -> None:
    """Two alerts set, one LOCKDOWN rung from an earlier scene: the active list and the log."""
    await settle(pilot)
    app: Any = pilot.app
    app.alerts.add("1300000", "BTCZAR", Decimal(1_250_000))
    app.alerts.add("5%", "BTCZAR", Decimal(1_250_000))
    app.alerts.record(FROZEN_NOW - 120, "LOCKDOWN", "reconciliation mismatch 2.40% on ZAR (limit 1%)")
    app.alerts.record(FROZEN_NOW - 60, "FILL", "SELL 0.00100000 BTCZAR @ R 1,255,000.00 ord-seed0003")
    await pilot.press("ctrl+b")
    await settle(pilot)


async def open_balances(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("f4")
    await settle(pilot)


async def open_journal(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)


@dataclass(frozen=True, slots=True)
class Picture:
    name: str
    scenario: Scenario
    size: tuple[int, int]
    prepare: Callable[[Pilot[Any]], Awaitable[None]] = settle


PICTURES: tuple[Picture, ...] = (
    *(Picture(f"main_{s.value.lower()}_{w}x{h}", s, (w, h))
      for s in (Scenario.NORMAL, Scenario.STALE, Scenario.ESSENTIAL_ONLY, Scenario.SAFE_IDLE,
                Scenario.LOCKDOWN)
      for (w, h) in ((120, 36), (80, 24))),
    Picture("main_neutral_120x36", Scenario.NEUTRAL, (120, 36)),
    Picture("order_rejected_120x36", Scenario.NORMAL, (120, 36), type_rejected_order),
    Picture("order_rejected_80x24", Scenario.NORMAL, (80, 24), type_rejected_order),
    Picture("order_taker_120x36", Scenario.NORMAL, (120, 36), type_taker_order),
    Picture("order_fok_120x36", Scenario.NORMAL, (120, 36), type_fok_order),
    Picture("order_fok_80x24", Scenario.NORMAL, (80, 24), type_fok_order),
    Picture("amend_120x36", Scenario.NORMAL, (120, 36), open_amend),
    Picture("amend_80x24", Scenario.NORMAL, (80, 24), open_amend),
    Picture("audit_120x36", Scenario.NORMAL, (120, 36), open_audit),
    Picture("journal_120x36", Scenario.NORMAL, (120, 36), open_journal),
    Picture("journal_80x24", Scenario.NORMAL, (80, 24), open_journal),
    Picture("book_120x36", Scenario.NORMAL, (120, 36), open_book),
    Picture("book_80x24", Scenario.NORMAL, (80, 24), open_book),
    Picture("orders_120x36", Scenario.NORMAL, (120, 36), open_orders),
    Picture("orders_80x24", Scenario.NORMAL, (80, 24), open_orders),
    Picture("alerts_120x36", Scenario.NORMAL, (120, 36), open_alerts),
    Picture("alerts_80x24", Scenario.NORMAL, (80, 24), open_alerts),
    Picture("balances_120x36", Scenario.NORMAL, (120, 36), open_balances),
    Picture("balances_80x24", Scenario.NORMAL, (80, 24), open_balances),
    *(Picture(f"{name}_{w}x{h}", scenario, (w, h), prepare)
      for name, scenario, prepare in (
          ("pair_picker", Scenario.TEN_PAIRS, pick_eth),
          ("chart_1h", Scenario.NORMAL, hourly_chart),
          ("tickers_ten", Scenario.TEN_PAIRS, ten_tickers),
      )
      for (w, h) in ((120, 36), (80, 24))),
)
