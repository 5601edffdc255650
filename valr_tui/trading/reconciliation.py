"""Reconciliation: a 3-way sync of balances, and the LOCKDOWN / NEUTRAL rules it drives.

The three views, per currency (total = available + reserved):

- ``database``: what the stored data implies. DRY_RUN: paper_wallet_funding + every DRY_RUN fill.
  LIVE: the exchange balances recorded as a baseline at the first successful run (and again after
  an operator unlock) + every LIVE fill traded after the last fill those figures hold. A baseline
  is taken only by a run during which no order was open or had fills still to store (else the
  next run takes it), so its figures hold exactly the stored fills: bounded by fills, no clock.
- ``state``: the running app's in-memory balances.
- ``exchange``: LIVE: VALR's balances. DRY_RUN: the paper wallet rows in the database.

Deviation between two figures = |a − b| / max(|a|, |b|) × 100. It is 0 when both are 0, and when
|a − b| is dust (≤ ``DUST``, one satoshi-sized unit: rounding noise, not money). What is in flight
(orders sent but not acknowledged, fills not yet seen) can explain up to its stated amount per
currency (``open_order_allowance``): an open order only what it has consumed of its own
reservation, on the side it reserves (a BUY the quote currency it holds and the base it may have
bought with it, a SELL the base and its proceeds), read from the exchange's reserved figures; an
order of unknown outcome its whole value; the filled-but-unstored part of orders finished in the
last ten minutes. A withdrawal is never explained by an order that rests untouched. The views are
read while the venue holds still (``steady``: the paper venue), and every time compared with an
exchange timestamp is on the venue's (server-aligned) clock. A deviation above
RECON_MISMATCH_PCT is re-checked at once with fresh views; confirmed, it raises LOCKDOWN
(persisted by SafetyController; only an operator unlock clears it) and calls ``on_lockdown``.
A run that cannot complete is a failure; RECON_MAX_FAILURES in a row raise NEUTRAL, which the
next completed run clears. Every run writes one RECONCILIATION audit row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from storage.audit import AuditRepository, Severity
from storage.db import Database
from storage.ledger import (
    Baseline,
    FillEffects,
    UnsettledOrder,
    exact,
    last_fill_traded_at,
    last_order_id,
    last_unlock_at,
    live_db_balances,
    load_baseline,
    open_orders,
    paper_db_balances,
    replace_baseline_in,
    unsettled_orders,
)
from valr_tui.config import Settings
from valr_tui.errors import ReconciliationError, ValrTuiError
from valr_tui.exchange.models import Balance
from valr_tui.money import split_pair_symbol
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.clock import Clock, epoch_ms, system_clock
from valr_tui.trading.safety import SafetyController, SafetyState
from valr_tui.trading.views import ReconciliationReport

log = logging.getLogger(__name__)

BalanceView = dict[str, Decimal]  # currency -> total (available + reserved)
DUST = Decimal("0.00000001")
HUNDRED = Decimal(100)
ZERO = Decimal(0)
EVENT_TYPE = "RECONCILIATION"
VIEW_NAMES = ("database", "state", "exchange")  # the keys of ReconciliationReport.views
# Orders finished this recently may still have fills on their way (LIVE order sync is periodic).
UNSETTLED_WINDOW_S = 600
# Open orders the venue has acknowledged: they hold a reservation on the exchange.
_ACKNOWLEDGED = frozenset({"SUBMITTED", "OPEN", "PARTIALLY_FILLED", "CANCEL_REQUESTED"})
# Which views are compared with which (all three pairs; the worst decides).
_COMPARISONS = (("database", "exchange"), ("database", "state"), ("state", "exchange"))


@dataclass(frozen=True, slots=True)
class InFlight:
    """What is moving right now: per currency, the absolute amount that orders sent but not yet
    acknowledged and fills not yet stored can explain; and the orders involved."""

    tolerance: Mapping[str, Decimal] = field(default_factory=dict)
    correlation_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NewBaseline:
    """A LIVE baseline a run takes: the exchange's figures, when (the venue's clock), and the
    exchange time of the last fill those figures hold."""

    totals: Mapping[str, Decimal]
    taken_at: int
    fills_after: int


@dataclass(frozen=True, slots=True)
class Deviation:
    currency: str
    pct: Decimal
    left: str  # view names
    right: str
    left_total: Decimal
    right_total: Decimal


def deviation_pct(a: Decimal, b: Decimal, slack: Decimal = ZERO) -> Decimal:
    """|a − b| / max(|a|, |b|) × 100, after ``slack`` (in-flight amounts) and dust are forgiven.
    0 when both figures are 0."""
    with exact():
        gap = abs(a - b) - abs(slack)
        if gap <= DUST:
            return ZERO
        return gap * HUNDRED / max(abs(a), abs(b))


def worst_deviation(views: Mapping[str, Mapping[str, Decimal]], in_flight: InFlight) -> Deviation:
    """The largest deviation over every currency and every pair of views."""
    currencies = sorted({c for view in views.values() for c in view})
    worst = Deviation("", ZERO, "", "", ZERO, ZERO)
    for currency in currencies:
        slack = in_flight.tolerance.get(currency, ZERO)
        for left, right in _COMPARISONS:
            a = views[left].get(currency, ZERO)
            b = views[right].get(currency, ZERO)
            pct = deviation_pct(a, b, slack)
            if pct > worst.pct:
                worst = Deviation(currency, pct, left, right, a, b)
    return worst


def _add_to(totals: dict[str, Decimal], currency: str, amount: Decimal) -> None:
    if amount > 0:
        totals[currency] = totals.get(currency, ZERO) + amount


def allowance_from(
    orders: Iterable[UnsettledOrder],
    statuses: Mapping[str, str],
    exchange: Iterable[Balance],
    fee_pct: Decimal,
) -> InFlight:
    """The pure rule behind ``open_order_allowance``. ``orders`` are the orders that may have
    traded without a stored fill (``unexplained`` quantity each); ``statuses`` their states.

    - An acknowledged open order can explain only what it has consumed of its own reservation:
      per currency, what our open orders should hold minus what the exchange says is reserved.
      A BUY's consumption (quote) explains that much quote and the base it can have bought at
      its limit; a SELL's (base) that much base and its proceeds. An order resting untouched
      explains nothing, so money withdrawn beside it shows.
    - An order of unknown outcome (not acknowledged) may have traded entirely: its whole value.
    - A finished order whose fills are not all stored: the unstored part, both sides.
    """
    reserved_on_exchange = {b.currency: b.reserved for b in exchange}
    expected: dict[str, Decimal] = {}
    resting: list[tuple[UnsettledOrder, str, str]] = []
    tolerance: dict[str, Decimal] = {}
    involved: list[str] = []
    with exact():
        with_fee = 1 + fee_pct / HUNDRED
        for order in orders:
            base, quote = split_pair_symbol(order.pair)
            status = statuses.get(order.correlation_id)
            involved.append(order.correlation_id)
            if status in _ACKNOWLEDGED:
                held = quote if order.side == "BUY" else base
                amount = (order.unexplained * order.price * with_fee if order.side == "BUY"
                          else order.unexplained)
                expected[held] = expected.get(held, ZERO) + amount
                resting.append((order, base, quote))
            else:  # unknown outcome, or finished with fills still to store
                _add_to(tolerance, base, order.unexplained * with_fee)
                _add_to(tolerance, quote, order.unexplained * order.price * with_fee)
        consumed = {c: max(ZERO, amount - reserved_on_exchange.get(c, ZERO))
                    for c, amount in expected.items()}
        explained: dict[str, Decimal] = {}
        for order, base, quote in resting:
            if order.side == "BUY":
                # this order's share of the quote consumed, at most its own reservation
                share = min(consumed.get(quote, ZERO), order.unexplained * order.price * with_fee)
                _add_to(explained, quote, share)
                _add_to(tolerance, base, min(order.unexplained, share / order.price))
            else:
                share = min(consumed.get(base, ZERO), order.unexplained)
                _add_to(explained, base, share)
                _add_to(tolerance, quote, share * order.price * with_fee)
        for currency, amount in explained.items():
            _add_to(tolerance, currency, min(amount, consumed.get(currency, ZERO)))
    return InFlight(tolerance, tuple(dict.fromkeys(involved)))


async def open_order_allowance(
    db: Database, execution_mode: str, exchange: Iterable[Balance], settings: Settings,
    now_ms: int | None = None,
) -> InFlight:
    """What the stored orders can explain against this run's exchange fetch (see
    ``allowance_from``)."""
    since = (now_ms if now_ms is not None else epoch_ms(system_clock)) - UNSETTLED_WINDOW_S * 1000
    orders = await unsettled_orders(db, execution_mode, since)
    statuses = await open_orders(db, execution_mode)
    fee_pct = max(settings.maker_fee_pct, settings.taker_fee_pct)
    return allowance_from(orders, statuses, exchange, fee_pct)

def _shown_pct(pct: Decimal) -> str:
    """A deviation as every message and the dashboard show it: 2 decimals (details keep 4)."""
    return DecimalGateway.to_wire(DecimalGateway.quantize(pct, Decimal("0.01")))


def _order_differences(db_open: Mapping[str, str], exchange_open: set[str] | None) -> dict[str, list[str]]:
    """Orders open on one side only. Reported (WARNING), not a LOCKDOWN: the balances are what
    decide, and an order can legitimately be between states (just sent, just filled)."""
    if exchange_open is None:
        return {}
    acknowledged = {cid for cid, status in db_open.items() if status in ("OPEN", "PARTIALLY_FILLED")}
    return {
        "orders_only_on_exchange": sorted(exchange_open - set(db_open)),
        "orders_missing_on_exchange": sorted(acknowledged - exchange_open),
    }


def _figures(views: Mapping[str, Mapping[str, Decimal]]) -> dict[str, dict[str, str]]:
    return {
        name: {c: DecimalGateway.to_wire(v) for c, v in sorted(view.items())}
        for name, view in views.items()
    }


class ReconciliationEngine:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        safety: SafetyController,
        *,
        exchange_view: Callable[[], Awaitable[Mapping[str, Decimal]]],
        state_view: Callable[[], Mapping[str, Decimal]],
        in_flight: Callable[[], Awaitable[InFlight]] | None = None,
        on_lockdown: Callable[[str], Awaitable[None]] | None = None,
        clock: Clock = system_clock,
        exchange_open_orders: Callable[[], Awaitable[Collection[str]]] | None = None,
        timeout_s: float | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        steady: Callable[[], AbstractAsyncContextManager[None]] | None = None,
        venue_clock: Callable[[], int] | None = None,
        before_recheck: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.safety = safety
        self._exchange_view = exchange_view
        self._state_view = state_view
        # LIVE default: what the stored orders say may have traded without a stored fill yet.
        self._in_flight = in_flight or (self._unsettled_in_flight if settings.is_live else None)
        self._on_lockdown = on_lockdown
        # LIVE, optional: the customerOrderIds (= our correlation ids) VALR lists as open.
        self._exchange_open_orders = exchange_open_orders
        self._clock = clock
        self._steady = steady or nullcontext
        # The venue's (server-aligned) clock: baselines are stamped with it, fills carry it.
        self._venue_clock = venue_clock or (lambda: epoch_ms(clock))
        # Before a confirming re-read: let the order follower store fills that just landed.
        self._before_recheck = before_recheck
        # A view that hangs is a failed run, not a stuck loop.
        self._timeout_s = timeout_s if timeout_s is not None else max(1.0, float(settings.recon_interval_s))
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self.mode = "LIVE" if settings.is_live else "DRY_RUN"
        self.consecutive_failures = 0
        self.last_report: ReconciliationReport | None = None
        self._effects = FillEffects(self.mode)  # the fills' running sum, read incrementally

    # -- the loop -------------------------------------------------------------------------------
    async def run(self) -> None:
        """Every RECON_INTERVAL_S until cancelled. Never dies: a failing run is logged and counted."""
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reconciliation run crashed; next run in %s s", self.settings.recon_interval_s)
            await self._sleep(float(self.settings.recon_interval_s))

    async def run_once(self, correlation_id: str | None = None) -> ReconciliationReport:
        async with self._lock:  # a manual run and the loop never interleave
            return await self._run_once(correlation_id)

    # -- one run --------------------------------------------------------------------------------
    async def _run_once(self, correlation_id: str | None) -> ReconciliationReport:
        state_before = self.safety.state
        try:
            views, in_flight, new_baseline = await self._fetch()
            worst = worst_deviation(views, in_flight)
            rechecked = False
            if worst.pct > self.settings.recon_mismatch_pct:
                # Confirm before acting: a fill landing between two reads must not lock us down.
                rechecked = True
                if self._before_recheck is not None:
                    async with asyncio.timeout(self._timeout_s):
                        await self._before_recheck()
                views, in_flight, new_baseline = await self._fetch()
                worst = worst_deviation(views, in_flight)
            exchange_open = await self._fetch_exchange_open_orders()
        except (ValrTuiError, TimeoutError) as exc:
            return await self._failed(exc, state_before, correlation_id)
        except Exception as exc:
            # A view that breaks in an unexpected way still means "could not complete".
            log.exception("reconciliation view failed unexpectedly")
            return await self._failed(exc, state_before, correlation_id)

        self.consecutive_failures = 0
        db_open = await open_orders(self.db, self.mode)
        order_differences = _order_differences(db_open, exchange_open)
        involved = tuple(dict.fromkeys(
            [*db_open, *in_flight.correlation_ids, *order_differences.get("orders_only_on_exchange", [])]
        ))
        mismatch = worst.pct > self.settings.recon_mismatch_pct
        if mismatch:
            message = (
                f"mismatch {worst.currency}: {worst.left}"
                f" {DecimalGateway.format_money(worst.left_total, worst.currency)}"
                f" vs {worst.right} {DecimalGateway.format_money(worst.right_total, worst.currency)}"
                f" ({_shown_pct(worst.pct)}% > {self.settings.recon_mismatch_pct}%)"
            )
        elif rechecked:
            message = f"transient deviation cleared on re-check; max {_shown_pct(worst.pct)}%"
        else:
            message = f"balances agree; max deviation {_shown_pct(worst.pct)}%"
        if any(order_differences.values()):
            message += (
                f"; open orders differ: {len(order_differences['orders_only_on_exchange'])} only on"
                f" the exchange, {len(order_differences['orders_missing_on_exchange'])} missing there"
            )
        report = ReconciliationReport(
            ok=not mismatch,
            completed=True,
            max_deviation_pct=worst.pct,
            worst_currency=worst.currency,
            views={name: dict(view) for name, view in views.items()},
            message=message,
            correlation_ids=involved,
        )
        severity: Severity = "INFO"
        if mismatch:
            severity = "CRITICAL"
        elif rechecked or any(order_differences.values()):
            severity = "WARNING"
        # The safety state changes first: if anything after fails, we have failed closed.
        await self.safety.clear_condition(SafetyState.NEUTRAL, "reconciliation completed", correlation_id)
        if mismatch:
            await self.safety.raise_condition(SafetyState.LOCKDOWN, message, correlation_id)
        await self._record(
            report,
            state_before,
            correlation_id,
            "MISMATCH" if mismatch else "OK",
            severity,
            rechecked=rechecked,
            extra=order_differences,
            new_baseline=new_baseline,
        )
        if mismatch:
            await self._call_on_lockdown(message)
        self.last_report = report
        return report

    async def _fetch(self) -> tuple[dict[str, BalanceView], InFlight, NewBaseline | None]:
        """All three views, fresh, and the LIVE baseline this run takes, if it must and can."""
        async with asyncio.timeout(self._timeout_s), self._steady():
            due_at: int | None = None  # LIVE: the venue's time, when a new baseline is due
            baseline: Baseline | None = None
            orders_before: int | None = None  # the newest order's id; None: one was open
            if self.mode == "LIVE":
                baseline = await load_baseline(self.db, "LIVE")
                unlocked_at = await last_unlock_at(self.db)
                venue_now = self._venue_clock()
                offset = venue_now - epoch_ms(self._clock)  # audit rows are on the local clock
                if baseline is None or (
                    unlocked_at is not None and unlocked_at + offset > baseline.taken_at
                ):
                    # First run, or the operator accepted the exchange's figures by unlocking.
                    due_at = venue_now
                    if not await open_orders(self.db, "LIVE"):
                        orders_before = await last_order_id(self.db, "LIVE")
            exchange = dict(await self._exchange_view())
            in_flight = await self._in_flight() if self._in_flight is not None else InFlight()
            state = dict(self._state_view())
            new_baseline: NewBaseline | None = None
            if self.mode != "LIVE":
                database = await paper_db_balances(self.db, self._effects)
            elif due_at is not None or baseline is None:
                database = dict(exchange)
                if due_at is not None:
                    new_baseline = await self._baseline_boundary(exchange, due_at, orders_before, in_flight)
            else:
                if self._effects.traded_after != baseline.fills_after:  # a new baseline
                    self._effects = FillEffects("LIVE", traded_after=baseline.fills_after)
                database = await live_db_balances(self.db, baseline, self._effects)
        for name, view in (("exchange", exchange), ("state", state)):
            for currency, total in view.items():
                if not isinstance(total, Decimal) or not total.is_finite():
                    raise ReconciliationError(f"{name} view: {currency} is not a finite Decimal")
        return {"database": database, "state": state, "exchange": exchange}, in_flight, new_baseline

    async def _baseline_boundary(
        self, exchange: Mapping[str, Decimal], taken_at: int, orders_before: int | None, in_flight: InFlight
    ) -> NewBaseline | None:
        """A baseline of this run's ``exchange`` figures with its fill boundary, or None (not this
        run) when an order was open before or after the fetch, has fills still to store, or was
        placed during it.

        Bounded by the fills, never by a clock: when nothing can trade, the figures hold exactly
        the stored fills, so the boundary is the latest one's exchange time, and every later fill
        (of an order placed after the fetch) counts. A time stamp read beside the fetch would
        lose a fill made during the fetch, or moments after it whenever the measured exchange
        clock is ahead (the offset is only known to half a round trip): a false LOCKDOWN."""
        busy = (orders_before is None or await open_orders(self.db, "LIVE")
                or in_flight.correlation_ids or await last_order_id(self.db, "LIVE") != orders_before)
        if busy:
            log.info("LIVE baseline deferred: orders are in flight; the next run takes it")
            return None
        return NewBaseline(dict(exchange), taken_at, await last_fill_traded_at(self.db, "LIVE"))

    async def _fetch_exchange_open_orders(self) -> set[str] | None:
        if self._exchange_open_orders is None:
            return None
        async with asyncio.timeout(self._timeout_s):
            return set(await self._exchange_open_orders())

    async def _unsettled_in_flight(self) -> InFlight:
        """Per currency, the most that orders not yet settled in the database can have moved on
        the exchange: their unexplained quantity (base) and its value (quote), plus the fee."""
        since = epoch_ms(self._clock) - UNSETTLED_WINDOW_S * 1000
        orders = await unsettled_orders(self.db, self.mode, since)
        fee_pct = max(self.settings.maker_fee_pct, self.settings.taker_fee_pct)
        tolerance: dict[str, Decimal] = {}
        with exact():
            with_fee = 1 + fee_pct / HUNDRED
            for order in orders:
                base, quote = split_pair_symbol(order.pair)
                tolerance[base] = tolerance.get(base, ZERO) + order.unexplained * with_fee
                value = order.unexplained * order.price * with_fee
                tolerance[quote] = tolerance.get(quote, ZERO) + value
        return InFlight(tolerance, tuple(o.correlation_id for o in orders))

    async def _failed(
        self, exc: BaseException, state_before: SafetyState, correlation_id: str | None
    ) -> ReconciliationReport:
        self.consecutive_failures += 1
        if isinstance(exc, ValrTuiError):
            code, detail = exc.code, exc.message
        elif isinstance(exc, TimeoutError):
            code, detail = "TIMEOUT", f"no answer within {self._timeout_s} s"
        else:
            code, detail = ReconciliationError.code, type(exc).__name__
        message = (
            f"could not complete ({code}: {detail});"
            f" {self.consecutive_failures} failure(s) in a row"
        )
        report = ReconciliationReport(
            ok=False, completed=False, max_deviation_pct=ZERO, worst_currency="", message=message
        )
        neutral = self.consecutive_failures >= self.settings.recon_max_failures
        if neutral:
            await self.safety.raise_condition(
                SafetyState.NEUTRAL,
                f"{self.consecutive_failures} reconciliation runs in a row could not complete ({code})",
                correlation_id,
            )
        await self._record(
            report, state_before, correlation_id, "FAILED", "CRITICAL" if neutral else "WARNING",
            error_code=code,
        )
        log.warning("reconciliation %s", message)
        self.last_report = report
        return report

    async def _record(
        self,
        report: ReconciliationReport,
        state_before: SafetyState,
        correlation_id: str | None,
        outcome: str,
        severity: Severity,
        *,
        rechecked: bool = False,
        error_code: str | None = None,
        new_baseline: NewBaseline | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """The audit row (and, on a LIVE first run or after an unlock, the new baseline) in one
        transaction, written after the run's safety changes so ``state_after`` is the truth."""
        state_after = self.safety.state
        details: dict[str, Any] = {
            "outcome": outcome,
            "views": _figures(report.views),
            "max_deviation_pct": self._pct_text(report.max_deviation_pct),
            "worst_currency": report.worst_currency,
            "threshold_pct": DecimalGateway.to_wire(self.settings.recon_mismatch_pct),
            "correlation_ids": list(report.correlation_ids),
            "consecutive_failures": self.consecutive_failures,
            "rechecked": rechecked,
        }
        details.update(extra or {})
        if error_code:
            details["error_code"] = error_code
        if new_baseline is not None:
            details["baseline_taken"] = True
        now = epoch_ms(self._clock)
        async with self.db.transaction() as tx:
            if new_baseline is not None:
                await replace_baseline_in(tx, self.mode, new_baseline.totals, new_baseline.taken_at,
                                          new_baseline.fills_after)
            await AuditRepository.insert(
                tx, now, EVENT_TYPE, report.message, severity=severity, correlation_id=correlation_id,
                execution_mode=self.mode, state_before=state_before.value,
                state_after=state_after.value, details=details,
            )

    async def _call_on_lockdown(self, reason: str) -> None:
        if self._on_lockdown is None:
            return
        try:
            await self._on_lockdown(reason)
        except Exception:
            # LOCKDOWN is already persisted; failing to cancel must not undo or hide it.
            log.exception("lockdown: cancelling open orders failed")

    @staticmethod
    def _pct_text(pct: Decimal) -> str:
        return DecimalGateway.to_wire(DecimalGateway.quantize(pct, Decimal("0.0001")))
