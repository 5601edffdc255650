"""The order manager: ONE order lifecycle for every venue (paper or VALR).

Every order gets a correlation id when the request arrives. It is the ``customerOrderId`` sent to
VALR (the idempotency key), it is on the order row, on every fill and audit row, and on every log
line about the order, so ``valr-tui audit <correlation-id>`` tells the whole story. The rules an
order must pass are ``order_rules.check_order`` (the only copy).

The lifecycle (``OrderState``): the row is committed PENDING_SUBMIT before the request leaves;
the venue's acceptance makes it SUBMITTED; the venue's events move it to OPEN / PARTIALLY_FILLED /
FILLED, and a cancel to CANCEL_REQUESTED until the venue says CANCELLED (or FILLED). A refusal is
FAILED. An ambiguous outcome (timeout, reset, 5xx) is UNKNOWN: shown, audited, blocking new
orders on its pair, looked up until resolved, and never sent again. It becomes FAILED only when
the venue proves it absent (active lookup and order history, ``absence_checks`` times over the
settle window). The manager never asks which venue it talks to.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, MutableMapping
from decimal import Decimal
from typing import Any, Literal, Protocol
from uuid import uuid4

from storage.audit import AuditRepository, Severity
from storage.db import Database
from storage.orders import (
    ExecutionModeName,
    FillRepository,
    NewOrder,
    OrderRecord,
    OrderRepository,
    OrderState,
)
from valr_tui.config import Settings
from valr_tui.errors import (
    AmendRefusedError,
    ConfigError,
    ExchangeUnavailableError,
    LiveTradingNotConfirmedError,
    MalformedResponseError,
    MissingCredentialsError,
    OrderNotFoundError,
    OrderOutcomeUnknownError,
    ValrTuiError,
)
from valr_tui.exchange.models import Balance, Pair
from valr_tui.money.decimal_gateway import dumps, safe_text
from valr_tui.trading.book import AccountBook
from valr_tui.trading.clock import Clock, epoch_ms, system_clock
from valr_tui.trading.market_rules import check_market
from valr_tui.trading.matching import MODIFY_WOULD_MATCH, Arrival, plan_arrival
from valr_tui.trading.order_rules import CheckedOrder, Funds, MarketCheck, check_order
from valr_tui.trading.paper import reservation, split_pair
from valr_tui.trading.safety import SafetyController
from valr_tui.trading.venue import OrderUpdate, Settle, Trade, Venue
from valr_tui.trading.views import MarketView, OrderPreview, OrderRequest, OrderResult

log = logging.getLogger(__name__)

CORRELATION_ID_RE = re.compile(r"^[0-9a-zA-Z-]{0,50}$")
_NOTE_MAX_CHARS = 200


# --- what the order manager needs from its neighbours ----------------------------------------------
class MarketDataProvider(Protocol):
    def market(self, pair: str) -> MarketView: ...



def new_correlation_id() -> str:
    return f"ord-{uuid4().hex}"


# Audit event per state an update moves an order into: one meaning each.
_STATE_EVENT = {
    OrderState.OPEN: "ORDER_OPEN",
    OrderState.PARTIALLY_FILLED: "ORDER_PARTIALLY_FILLED",
    OrderState.FILLED: "ORDER_FILLED",
    OrderState.CANCELLED: "ORDER_CANCELLED",
    OrderState.FAILED: "ORDER_FAILED",
    OrderState.CANCEL_REQUESTED: "ORDER_STATUS",
    OrderState.UNKNOWN: "ORDER_UNKNOWN",  # the venue reported a status nobody documents
}
_RESTING = frozenset({OrderState.OPEN, OrderState.PARTIALLY_FILLED})
# Finished orders this recent are revisited while their fills lag the venue's filled quantity.
UNSETTLED_WINDOW_MS = 600_000


class _OrderLog(logging.LoggerAdapter[logging.Logger]):
    """Prefixes every line with the mode and the correlation id: ``[DRY_RUN] ord-... message``."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        extra = self.extra or {}
        return f"[{extra['mode']}] {extra['cid']} {msg}", kwargs


class OrderManager:
    """Validates, stores and sends LIMIT orders to its venue, and follows them until final."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        safety: SafetyController,
        market: MarketDataProvider,
        pairs: Mapping[str, Pair],
        venue: Venue,
        clock: Clock = system_clock,
        *,
        market_check: MarketCheck | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.safety = safety
        self.market = market
        self.pairs = dict(pairs)
        self.venue = venue
        self._clock = clock
        self._market_check = market_check or check_market
        self.repo = OrderRepository(db)
        self.fills = FillRepository(db)
        self.audit = AuditRepository(db)
        self.book = AccountBook()
        self.venue_balances: dict[str, Balance] = {}  # the venue's last reported figures
        self._listeners: list[Callable[[], None]] = []
        self._in_flight: set[str] = set()  # placements whose request may be on the wire
        self._unknown_pairs: set[str] = set()  # pairs with an UNKNOWN order: new orders wait
        venue.attach(self)

    # -- construction and the LIVE gate ---------------------------------------------------------
    @classmethod
    async def create(
        cls,
        settings: Settings,
        db: Database,
        safety: SafetyController,
        market: MarketDataProvider,
        pairs: Mapping[str, Pair],
        venue: Venue,
        clock: Clock = system_clock,
        *,
        market_check: MarketCheck | None = None,
    ) -> OrderManager:
        """Check the mode before anything can be sent (LIVE needs LIVE_TRADING_CONFIRMED=true and
        credentials, and a LIVE venue), then load the venue and recover what a restart left."""
        mode: str = settings.execution_mode
        now = epoch_ms(clock)
        audit = AuditRepository(db)
        if mode not in ("DRY_RUN", "LIVE"):
            await audit.record(now, "LIVE_GATE_REFUSED", f"unknown EXECUTION_MODE {mode[:20]!r}",
                               severity="CRITICAL")
            raise ConfigError("EXECUTION_MODE must be DRY_RUN or LIVE", key="EXECUTION_MODE")
        if mode == "LIVE" and not settings.live_trading_confirmed:
            error = LiveTradingNotConfirmedError(
                "EXECUTION_MODE=LIVE but LIVE_TRADING_CONFIRMED is not true: no order will be sent."
                " Set LIVE_TRADING_CONFIRMED=true to trade real money, or use EXECUTION_MODE=DRY_RUN."
            )
            await audit.record(now, "LIVE_GATE_REFUSED", error.message, severity="CRITICAL",
                               details={"code": error.code, "execution_mode": mode})
            log.critical("[LIVE] refused to start: %s", error)
            raise error
        if mode == "LIVE" and not settings.has_credentials:
            error2 = MissingCredentialsError(
                "LIVE trading needs VALR_API_KEY and VALR_API_SECRET and an exchange client"
            )
            await audit.record(now, "LIVE_GATE_REFUSED", error2.message, severity="CRITICAL",
                               details={"code": error2.code})
            raise error2
        if venue.mode != mode:
            raise ConfigError(f"EXECUTION_MODE={mode} needs a {mode} venue, got {venue.mode}",
                              key="EXECUTION_MODE")
        manager = cls(settings, db, safety, market, pairs, venue, clock, market_check=market_check)
        if mode == "LIVE":
            await audit.record(now, "LIVE_TRADING_ENABLED", "LIVE trading confirmed: real orders",
                               severity="WARNING", execution_mode="LIVE")
            log.warning("[LIVE] LIVE trading confirmed: orders go to the exchange")
        else:
            log.info("[DRY_RUN] paper trading: no order is sent to the exchange")
        await manager.start()
        return manager

    async def start(self) -> None:
        """Load the venue, start the running book from its balances, and take over what the
        last run left: a row still PENDING_SUBMIT may have reached the venue, so it is UNKNOWN
        until a lookup proves where it is."""
        await self.venue.load()
        try:
            self.book.reset(await self.venue.balances())
        except ValrTuiError as exc:
            self._log("-").warning("running book not started (%s): it starts at the next read", exc.code)
        for record in await self.repo.with_status(self.execution_mode, (OrderState.PENDING_SUBMIT.value,)):
            await self._to_unknown(record, "placement interrupted by a restart before its outcome"
                                   " was known", code=None)
        for record in await self.repo.with_status(self.execution_mode, (OrderState.UNKNOWN.value,)):
            self._unknown_pairs.add(record.pair)
        try:
            await self.sync()
        except ValrTuiError as exc:
            self._log("-").warning("first order sync postponed: %s", exc.code)

    @property
    def execution_mode(self) -> Literal["DRY_RUN", "LIVE"]:
        return "LIVE" if self.venue.mode == "LIVE" else "DRY_RUN"

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    def _log(self, correlation_id: str) -> _OrderLog:
        return _OrderLog(log, {"mode": self.execution_mode, "cid": correlation_id})

    def unknown_orders_block(self, pair: str) -> bool:
        return pair in self._unknown_pairs

    # -- validation -----------------------------------------------------------------------------
    def preview(self, request: OrderRequest) -> OrderPreview:
        """Every problem with ``request`` (in the documented order) and its value. No I/O."""
        checked = self._check(request)
        return OrderPreview(checked.value, tuple(checked.problems))

    def _check(self, request: OrderRequest, amending: OrderRecord | None = None) -> CheckedOrder:
        return check_order(
            request, pairs=self.pairs, settings=self.settings, market=self.market.market,
            clock=self._clock, safety=self.safety.status(), funds=self._funds(amending),
            storage_fault=self.db.fault, market_check=self._market_check,
            unknown_outcome_pairs=frozenset(self._unknown_pairs),
            already_filled=amending.filled_quantity if amending is not None else Decimal(0),
        )

    def _funds(self, amending: OrderRecord | None = None) -> Funds | None:
        """What the venue says is free (VALR: the last known balances; None before the first).
        An order being amended also has what it holds itself: only the difference is new."""
        venue = self.venue
        if not venue.funds_known():
            return None
        held_currency, held = "", Decimal(0)
        if amending is not None:
            base, quote = split_pair(amending.pair, self.pairs)
            held_currency, held = reservation(
                amending.side, amending.price, amending.quantity - amending.filled_quantity, base,
                quote, self.settings.taker_fee_pct)

        def available(currency: str) -> Decimal:
            free = venue.available(currency) or Decimal(0)
            return free + held if currency == held_currency else free

        return Funds(venue.label, available)

    # -- amending -------------------------------------------------------------------------------
    async def _amendable(self, correlation_id: str) -> OrderRecord:
        mode = self.execution_mode
        record = await self.repo.get(correlation_id, mode) if isinstance(correlation_id, str) else None
        if record is None:
            raise OrderNotFoundError(f"no {mode} order {str(correlation_id)[:60]!r}")
        if record.state not in _RESTING:
            raise AmendRefusedError(
                f"order {correlation_id} is {record.state.value}: only an open order can be amended",
                correlation_id=correlation_id, state=record.state.value)
        return record

    def amend_problems(
        self, record: OrderRecord, price: str | Decimal, quantity: str | Decimal
    ) -> tuple[CheckedOrder, list[ValrTuiError]]:
        """Every problem with amending ``record`` to ``price`` and total ``quantity``: the rules
        of a new order (price band, tick, minimums, the balance for the difference), then the
        amend's own (more than already filled, something changes, no match at once). No I/O."""
        request = OrderRequest(record.pair, record.side, price, quantity, post_only=record.post_only,
                               time_in_force=record.time_in_force)
        checked = self._check(request, amending=record)
        problems = list(checked.problems)
        new_price, new_quantity = checked.price, checked.quantity
        if new_price is None or new_quantity is None:
            return checked, problems
        if new_quantity <= record.filled_quantity:
            problems.append(AmendRefusedError(
                f"quantity {new_quantity} is not more than the {record.filled_quantity} already filled"))
        elif new_price == record.price and new_quantity == record.quantity:
            problems.append(AmendRefusedError("nothing to change: same price and quantity"))
        else:
            try:
                view = self.market.market(record.pair)
            except (ValrTuiError, LookupError):
                view = None
            if view is not None and view.book is not None:
                levels = view.book.asks if record.side == "BUY" else view.book.bids
                plan = plan_arrival(record.side, new_price, new_quantity - record.filled_quantity,
                                    [(level.price, level.quantity) for level in levels], post_only=True)
                if plan.outcome is Arrival.FAILED:
                    problems.append(AmendRefusedError(
                        f"{MODIFY_WOULD_MATCH}: {record.side} at {new_price} reaches the other side; an"
                        " amend keeps the order a maker (cancel it and place a new order to take)"))
        return checked, problems

    async def amend(self, correlation_id: str, price: str | Decimal, quantity: str | Decimal) -> OrderRecord:
        """Change an open order's price and total quantity on its venue. Refused (coded, audited,
        the order as it was) when the rules fail or the venue refuses or does not apply it; the
        applied change is stored with its ORDER_AMENDED audit row as the venue reports it."""
        record = await self._amendable(correlation_id)
        olog = self._log(correlation_id)
        checked, problems = self.amend_problems(record, price, quantity)
        if problems:
            first = problems[0]
            await self._audit_order(record, "ORDER_AMEND_REFUSED", f"{first.code}: {first.message}",
                                    severity="WARNING", details={"code": first.code,
                                                                 "codes": [p.code for p in problems]})
            olog.warning("amend refused %s: %s", first.code, first.message)
            raise first
        assert checked.price is not None and checked.quantity is not None
        new_price, new_quantity = checked.price, checked.quantity
        record = await self._audit_order(
            record, "ORDER_AMEND_REQUESTED", f"asking the {self.venue.label} to amend: price"
            f" {record.price} → {new_price}, quantity {record.quantity} → {new_quantity}",
            details={"price_before": record.price, "quantity_before": record.quantity,
                     "price": new_price, "quantity": new_quantity},
        )
        try:
            await self.venue.amend(record, new_price, new_quantity)
        except ValrTuiError as exc:
            await self._audit_order(record, "ORDER_AMEND_FAILED", f"the {self.venue.label} refused the"
                                    f" amend: [{exc.code}] {exc.message}", severity="WARNING",
                                    details={"code": exc.code})
            olog.warning("amend failed: %s", exc)
            await self._poll_quietly(record)
            self._notify()
            raise
        self._notify()  # the venue reported the new terms (ORDER_AMENDED) before returning
        return await self.repo.get(correlation_id, self.execution_mode) or record

    # -- submitting -----------------------------------------------------------------------------
    async def submit(self, request: OrderRequest) -> OrderResult:
        """Validate, store and send one LIMIT order. Raises the first problem (coded) if invalid."""
        correlation_id = new_correlation_id()
        mode = self.execution_mode
        olog = self._log(correlation_id)
        checked = self._check(request)
        if checked.problems:
            first = checked.problems[0]
            first.details.setdefault("correlation_id", correlation_id)
            await self.audit.record(
                epoch_ms(self._clock), "ORDER_REJECTED", f"{first.code}: {first.message}",
                severity="WARNING", correlation_id=correlation_id, execution_mode=mode,
                details={"code": first.code, "codes": [p.code for p in checked.problems],
                         **self._request_fields(request)},
            )
            olog.warning("rejected %s: %s", first.code, first.message)
            raise first
        assert checked.pair and checked.side and checked.price is not None and checked.quantity is not None
        order = NewOrder(
            correlation_id=correlation_id,
            pair=checked.pair.symbol,
            side=checked.side,
            price=checked.price,
            quantity=checked.quantity,
            status=OrderState.PENDING_SUBMIT,
            execution_mode=mode,
            note=request.note[:_NOTE_MAX_CHARS] if isinstance(request.note, str) else "",
            post_only=checked.post_only,
            time_in_force=checked.time_in_force or "GTC",
        )
        record = await self._store_new(order)
        self._in_flight.add(correlation_id)
        olog.info("sending %s %s %s @ %s", order.side, order.quantity, order.pair, order.price)
        try:
            venue_order_id = await self.venue.place(record)
        except ValrTuiError as exc:
            if self._is_ambiguous(exc):
                return await self._ambiguous(record, exc)
            await self._mark_failed(record, exc, f"the {self.venue.label} refused the order")
            olog.warning("not placed: %s", exc)
            raise
        except Exception as exc:  # anything unexpected may have left the building: ambiguous
            return await self._ambiguous(record, ExchangeUnavailableError(type(exc).__name__))
        finally:
            self._in_flight.discard(correlation_id)
        await self._accepted(record, venue_order_id)
        olog.info("accepted for processing as %s", venue_order_id)
        try:
            await self.venue.poll(record)  # the venue's first news (the paper book rests it now)
        except ValrTuiError as exc:
            olog.warning("first status read postponed: %s", exc.code)
        final = await self.repo.get(correlation_id, mode) or record
        self._notify()
        return OrderResult(correlation_id, venue_order_id, final.state, mode,
                           f"accepted by the {self.venue.label.removesuffix(' (last known)')}"
                           " for processing")

    @staticmethod
    def _request_fields(request: OrderRequest) -> dict[str, str]:
        return {
            name: safe_text(getattr(request, name), 60)
            for name in ("pair", "side", "price", "quantity", "order_type", "post_only", "time_in_force")
        }

    async def _store_new(self, order: NewOrder) -> OrderRecord:
        """The PENDING_SUBMIT row and its audit row, committed before the request leaves."""
        now = epoch_ms(self._clock)
        fields = {"pair": order.pair, "side": order.side, "price": order.price,
                  "quantity": order.quantity, "time_in_force": order.time_in_force,
                  "post_only": order.post_only}
        async with self.db.transaction() as tx:
            order_id = await OrderRepository.insert(tx, order, now)
            await AuditRepository.insert(
                tx, now, "ORDER_PENDING_SUBMIT", f"{order.side} {order.quantity} {order.pair} @"
                f" {order.price} {order.time_in_force}{' post-only' if order.post_only else ''}"
                f" passed validation; stored before sending to the {self.venue.label}"
                " (customerOrderId = correlation id)", correlation_id=order.correlation_id,
                execution_mode=order.execution_mode, details=fields,
            )
            record = await OrderRepository.get_in(tx, order_id)
        self._notify()
        return record

    async def _accepted(self, record: OrderRecord, venue_order_id: str) -> None:
        """PENDING_SUBMIT (or UNKNOWN) → SUBMITTED. An event may already have moved it further
        (VALR's socket can beat the REST answer): then only the venue id and the audit row."""
        now = epoch_ms(self._clock)
        async with self.db.transaction() as tx:
            current = await OrderRepository.get_in(tx, record.id)
            changes: dict[str, Any] = {"valr_order_id": current.valr_order_id or venue_order_id,
                                       "valr_response": dumps({"id": venue_order_id,
                                                               "customerOrderId": record.correlation_id})}
            if current.state in (OrderState.PENDING_SUBMIT, OrderState.UNKNOWN):
                changes["status"] = OrderState.SUBMITTED
            await OrderRepository.update(tx, record.id, now, **changes)
            await AuditRepository.insert(
                tx, now, "ORDER_ACCEPTED", f"accepted for processing by the {self.venue.label}:"
                f" {venue_order_id}", correlation_id=record.correlation_id,
                execution_mode=record.execution_mode, details={"valr_order_id": venue_order_id},
            )
        if record.pair in self._unknown_pairs:
            self._refresh_unknown(record.pair, await self._pair_has_unknown(record.pair))

    @staticmethod
    def _is_ambiguous(exc: ValrTuiError) -> bool:
        """Could the order be on the exchange? The client says so in ``order_state``; without
        that word, a timeout/5xx or an unreadable 202 may have placed it."""
        state = exc.details.get("order_state")
        if state == "unknown":
            return True
        if state in ("not_sent", "not_placed"):
            return False
        return isinstance(exc, (ExchangeUnavailableError, MalformedResponseError))

    async def _ambiguous(self, record: OrderRecord, exc: ValrTuiError) -> OrderResult:
        await self._to_unknown(record, f"outcome unknown ({exc.code}: {exc.message[:120]})", code=exc.code)
        return OrderResult(record.correlation_id, "", OrderState.UNKNOWN, record.execution_mode,
                           "outcome unknown: it is looked up with the exchange and never resent")

    async def _to_unknown(self, record: OrderRecord, why: str, *, code: str | None) -> None:
        """UNKNOWN, audited; the first lookup waits one settle window (a late request lands).
        Only from PENDING_SUBMIT: if the venue's own events already told us where the order is
        (the account socket can beat a lost REST answer), that is kept and only audited."""
        now = epoch_ms(self._clock)
        async with self.db.transaction() as tx:
            current = await OrderRepository.get_in(tx, record.id)
            known = current.state is not OrderState.PENDING_SUBMIT
            if not known:
                await OrderRepository.update(tx, record.id, now, status=OrderState.UNKNOWN,
                                             absent_checks=0, last_checked_at=now)
            await AuditRepository.insert(
                tx, now, "ORDER_UNKNOWN" if not known else "ORDER_ANSWER_LOST",
                f"{why}; " + (f"UNKNOWN: looked up until resolved, never resent, new {record.pair}"
                              " orders wait" if not known else
                              f"the venue already reported it {current.state.value}"),
                severity="WARNING", correlation_id=record.correlation_id,
                execution_mode=record.execution_mode, details={"code": code},
            )
        if not known:
            self._unknown_pairs.add(record.pair)
            self._log(record.correlation_id).warning("%s: UNKNOWN until resolved", why)
        self._notify()

    async def _audit_order(
        self, record: OrderRecord, event: str, message: str, *, severity: Severity = "INFO",
        details: dict[str, Any] | None = None, settle: Settle | None = None, **changes: Any,
    ) -> OrderRecord:
        """Update the order row (when ``changes``), write its audit row, run the venue's
        ``settle``: one transaction."""
        now = epoch_ms(self._clock)
        async with self.db.transaction() as tx:
            if changes:
                await OrderRepository.update(tx, record.id, now, **changes)
            await AuditRepository.insert(
                tx, now, event, message, severity=severity, correlation_id=record.correlation_id,
                execution_mode=record.execution_mode, details=details,
            )
            if settle is not None:
                await settle(tx)
            return await OrderRepository.get_in(tx, record.id)

    async def _mark_failed(self, record: OrderRecord, exc: ValrTuiError, why: str) -> OrderRecord:
        valr_code = exc.details.get("valr_code")
        updated = await self._audit_order(
            record, "ORDER_FAILED", f"{why}: [{exc.code}] {exc.message}", severity="WARNING",
            details={"code": exc.code, "valr_code": valr_code},
            status=OrderState.FAILED, error_code=exc.code,
        )
        self._notify()
        return updated

    # -- cancelling -----------------------------------------------------------------------------
    async def cancel(self, correlation_id: str) -> OrderRecord:
        """Ask the venue to cancel: CANCEL_REQUESTED until the venue says CANCELLED or FILLED."""
        mode = self.execution_mode
        record = await self.repo.get(correlation_id, mode) if isinstance(correlation_id, str) else None
        if record is None:
            raise OrderNotFoundError(f"no {mode} order {str(correlation_id)[:60]!r}")
        olog = self._log(correlation_id)
        if record.state is OrderState.UNKNOWN:
            await self.resolve_unknown(force=True)
            record = await self.repo.get(correlation_id, mode) or record
            if record.state is OrderState.UNKNOWN:
                raise OrderOutcomeUnknownError(
                    f"order {correlation_id} has an unknown outcome: it is being looked up; cancel"
                    " it once it is found", correlation_id=correlation_id,
                )
        if not record.state.is_open or record.state is OrderState.PENDING_SUBMIT:
            raise OrderNotFoundError(
                f"order {correlation_id} is {record.state.value}: nothing to cancel",
                correlation_id=correlation_id,
            )
        before = record.state
        if before is not OrderState.CANCEL_REQUESTED:
            record = await self._audit_order(record, "ORDER_CANCEL_REQUESTED",
                                             f"asking the {self.venue.label} to cancel",
                                             status=OrderState.CANCEL_REQUESTED)
            self._notify()
        olog.info("cancel requested")
        try:
            await self.venue.cancel(record)
        except ValrTuiError as exc:
            ambiguous = self._is_ambiguous(exc) or isinstance(exc, ExchangeUnavailableError)
            if ambiguous:
                await self._audit_order(record, "ORDER_CANCEL_UNCONFIRMED", f"cancel not confirmed"
                                        f" ({exc.code}); stays CANCEL_REQUESTED and is revisited",
                                        severity="WARNING", details={"code": exc.code})
            else:
                await self._cancel_refused(record, before, exc)
            olog.warning("cancel: %s", exc)
            await self._poll_quietly(record)
            self._notify()
            raise
        await self._poll_quietly(record)
        self._notify()
        return await self.repo.get(correlation_id, mode) or record

    async def _cancel_refused(self, record: OrderRecord, before: OrderState, exc: ValrTuiError) -> None:
        """The venue refused the cancel (the order may have just filled): back to what it was,
        unless an event has moved it meanwhile; the poll that follows learns the truth."""
        now = epoch_ms(self._clock)
        async with self.db.transaction() as tx:
            current = await OrderRepository.get_in(tx, record.id)
            if current.state is OrderState.CANCEL_REQUESTED and before is not OrderState.CANCEL_REQUESTED:
                await OrderRepository.update(tx, record.id, now, status=before)
            await AuditRepository.insert(
                tx, now, "ORDER_CANCEL_FAILED", f"cancel refused: [{exc.code}] {exc.message}",
                severity="WARNING", correlation_id=record.correlation_id,
                execution_mode=record.execution_mode, details={"code": exc.code},
            )

    async def _poll_quietly(self, record: OrderRecord) -> None:
        try:
            await self.venue.poll(record)
        except ValrTuiError as exc:
            self._log(record.correlation_id).warning("status read postponed: %s", exc.code)

    async def cancel_all_open(self, why: str) -> int:
        """LOCKDOWN: cancel every non-final order on the venue that holds it. Returns how many
        cancels were accepted; failures are logged (LOCKDOWN already stands)."""
        cancelled = 0
        for record in await self.repo.open_orders(self.execution_mode):
            if record.state is OrderState.PENDING_SUBMIT and record.correlation_id in self._in_flight:
                continue
            try:
                await self.cancel(record.correlation_id)
                cancelled += 1
            except ValrTuiError as exc:
                self._log(record.correlation_id).error("%s: could not cancel: %s", why, exc)
        return cancelled

    # -- events from the venue (VenueEvents) ------------------------------------------------------
    async def order_update(self, update: OrderUpdate, settle: Settle | None = None) -> None:
        record = await self.repo.get(update.correlation_id, self.execution_mode)
        if record is None:
            log.warning("[%s] update for an order this app does not know: %s",
                        self.execution_mode, update.correlation_id)
            return
        new_state = self._next_state(record, update.state, update.filled_quantity)
        reported = max(record.venue_filled_quantity, update.filled_quantity or Decimal(0))
        amended = self._amended_terms(record, update)
        if (new_state is record.state and reported == record.venue_filled_quantity and settle is None
                and not amended):
            return
        # filled_quantity stays what the stored fills add up to; the venue's figure is kept apart
        changes: dict[str, Any] = {"status": new_state, "venue_filled_quantity": reported, **amended}
        if update.venue_order_id and not record.valr_order_id:
            changes["valr_order_id"] = update.venue_order_id
        if record.state is OrderState.UNKNOWN:
            event = "ORDER_RESOLVED"
            message = f"found on the {self.venue.label}: {update.venue_status or new_state.value}"
            changes["absent_checks"] = 0
        else:
            event = _STATE_EVENT.get(new_state, "ORDER_STATUS")
            message = f"{self.venue.label}: {update.venue_status or new_state.value}"
        if amended:
            event = "ORDER_AMENDED"
            message += (f"; amended: price {record.price} → {amended.get('price', record.price)},"
                        f" quantity {record.quantity} → {amended.get('quantity', record.quantity)}")
        if update.reason:
            message += f" ({update.reason})"
        await self._audit_order(
            record, event, message, severity="WARNING" if new_state is OrderState.FAILED else "INFO",
            details={"venue_status": update.venue_status, "venue_filled": reported,
                     "state_before": record.state.value},
            settle=settle, **changes,
        )
        self._log(record.correlation_id).info("%s -> %s", record.state.value, new_state.value)
        if OrderState.UNKNOWN in (record.state, new_state):
            self._refresh_unknown(record.pair, await self._pair_has_unknown(record.pair))
        self._notify()

    @staticmethod
    def _amended_terms(record: OrderRecord, update: OrderUpdate) -> dict[str, Decimal]:
        """The price and total quantity the venue now holds for a live order, where they differ
        from the row (an amend applied). A finished order's terms are history: never rewritten."""
        if record.state.is_final:
            return {}
        terms = {"price": update.price, "quantity": update.quantity}
        return {name: value for name, value in terms.items()
                if value is not None and value > 0 and value != getattr(record, name)}

    @staticmethod
    def _next_state(record: OrderRecord, reported: OrderState, filled: Decimal | None) -> OrderState:
        """Where the venue's word moves our order. Final stays final (FAILED aside: the venue
        knowing the order proves the failure wrong); a cancel in progress stays requested until
        the venue says it is over."""
        current = record.state
        if current in (OrderState.FILLED, OrderState.CANCELLED):
            return current
        if current is OrderState.FAILED and reported is OrderState.FAILED:
            return current
        if current is OrderState.CANCEL_REQUESTED and reported in _RESTING:
            return current
        if reported is OrderState.OPEN and filled is not None and filled > 0:
            return OrderState.PARTIALLY_FILLED
        return reported

    async def trade(self, trade: Trade, settle: Settle | None = None) -> None:
        """Store a fill once (by trade id): fill row, order totals and state, audit row and the
        venue's settle in one transaction; a fill after a cancel is recorded all the same."""
        mode = self.execution_mode
        record = await self.repo.get(trade.correlation_id, mode)
        if record is None:
            log.warning("[%s] trade %s for an unknown order %s", mode, trade.trade_id, trade.correlation_id)
            return
        now = epoch_ms(self._clock)
        async with self.db.transaction() as tx:
            if await FillRepository.exists_in(tx, mode, trade.trade_id):
                return  # already stored (the same trade seen again by a poll or the socket)
            current = await OrderRepository.get_in(tx, record.id)
            filled = current.filled_quantity + trade.quantity
            state = current.state
            if filled >= current.quantity and state is not OrderState.CANCELLED:
                state = OrderState.FILLED
            elif state in (OrderState.PENDING_SUBMIT, OrderState.UNKNOWN, OrderState.SUBMITTED,
                           OrderState.OPEN):
                state = OrderState.PARTIALLY_FILLED
            await FillRepository.insert(
                tx, current, trade_id=trade.trade_id, price=trade.price, quantity=trade.quantity,
                fee=trade.fee, fee_currency=trade.fee_currency, is_maker=trade.is_maker,
                traded_at_ms=trade.traded_at_ms,
            )
            await OrderRepository.update(
                tx, record.id, now, status=state, filled_quantity=filled,
                fee_total=current.fee_total + trade.fee,
                valr_order_id=current.valr_order_id or trade.venue_order_id,
            )
            await AuditRepository.insert(
                tx, now, "ORDER_FILL",
                f"{'maker' if trade.is_maker else 'taker'} fill {trade.side} {trade.quantity}"
                f" {trade.pair} @ {trade.price}", correlation_id=record.correlation_id,
                execution_mode=mode,
                details={"trade_id": trade.trade_id, "price": trade.price,
                         "quantity": trade.quantity, "fee": trade.fee,
                         "fee_currency": trade.fee_currency, "maker": trade.is_maker,
                         "state_before": current.state.value, "state_after": state.value},
            )
            if settle is not None:
                await settle(tx)
        self.book.apply_trade(trade, mode)
        self._log(record.correlation_id).info("fill %s @ %s -> %s", trade.quantity, trade.price, state.value)
        if current.state is OrderState.UNKNOWN:
            self._refresh_unknown(record.pair, await self._pair_has_unknown(record.pair))
        self._notify()

    def balances(self, balances: list[Balance]) -> None:
        """The venue's own figures (VALR's BALANCE_UPDATE). They feed the venue's balance check,
        not the running book: a fill would count twice (the event already holds it), and the
        book would become a copy of the exchange it is compared with."""
        self.venue_balances.update({b.currency: b for b in balances})

    async def cancel_failed(self, venue_order_id: str, reason: str) -> None:
        """VALR could not carry out a cancel it had accepted (the order filled, or was gone): the
        order goes back to what the venue says it is, with an ORDER_CANCEL_FAILED audit row."""
        record = await self.repo.by_venue_id(self.execution_mode, venue_order_id)
        if record is None or record.state is not OrderState.CANCEL_REQUESTED:
            return
        found = await self.venue.lookup(record)
        back = found.update.state if found.update is not None else None
        changes: dict[str, Any] = {}
        if back in _RESTING:
            changes["status"] = (OrderState.PARTIALLY_FILLED if record.filled_quantity > 0
                                 else OrderState.OPEN)
        await self._audit_order(record, "ORDER_CANCEL_FAILED", f"the venue could not cancel it:"
                                f" {reason[:160]}", severity="WARNING",
                                details={"venue_state": back.value if back else None}, **changes)
        await self._poll_quietly(record)  # a fill that beat the cancel is read now
        self._notify()

    # -- following orders until final -------------------------------------------------------------
    async def resolve_unknown(self, *, force: bool = False) -> list[OrderRecord]:
        """Look every UNKNOWN order up (one settle window apart). Found: its state is adopted
        (and its fills read). Not found by the active lookup and the order history
        ``absence_checks`` times: FAILED, proven absent. Never resent. Returns the resolved."""
        resolved: list[OrderRecord] = []
        spacing_ms = int(self.venue.settle_s * 1000)
        for record in await self.repo.with_status(self.execution_mode, (OrderState.UNKNOWN.value,)):
            if record.correlation_id in self._in_flight:
                continue
            last = record.last_checked_at
            now = epoch_ms(self._clock)
            if not force and last is not None and now - int(last) < spacing_ms:
                continue
            olog = self._log(record.correlation_id)
            try:
                found = await self.venue.lookup(record)
            except ValrTuiError as exc:
                olog.warning("lookup failed (%s): stays UNKNOWN", exc.code)
                continue
            if found.update is not None:
                await self._poll_quietly(record)  # trades first, then the status
                current = await self.repo.get(record.correlation_id, self.execution_mode) or record
                if current.state is OrderState.UNKNOWN:
                    await self.order_update(found.update)
                after = await self.repo.get(record.correlation_id, self.execution_mode) or record
                if after.state is not OrderState.UNKNOWN:
                    resolved.append(after)
                continue
            if not found.absent:
                continue
            checks = record.absent_checks + 1
            if checks >= self.venue.absence_checks:
                updated = await self._audit_order(
                    record, "ORDER_FAILED", f"proven absent: neither the active-order lookup nor the"
                    f" order history knows it after {checks} look-ups over the settle window; it"
                    " never reached the exchange and is not resent", severity="WARNING",
                    details={"code": OrderNotFoundError.code, "absent_checks": checks},
                    status=OrderState.FAILED, error_code=OrderNotFoundError.code,
                    absent_checks=checks, last_checked_at=now,
                )
                olog.warning("proven absent after %d look-ups: FAILED", checks)
                resolved.append(updated)
                self._refresh_unknown(record.pair, await self._pair_has_unknown(record.pair))
            else:
                await self._audit_order(
                    record, "ORDER_LOOKUP_ABSENT", f"not found ({checks} of"
                    f" {self.venue.absence_checks} look-ups); stays UNKNOWN",
                    details={"absent_checks": checks}, absent_checks=checks, last_checked_at=now,
                )
        if resolved:
            self._notify()
        return resolved

    async def sync(self) -> None:
        """One round of following orders: resolve UNKNOWN ones, then poll every non-final order
        (and finished ones whose fills still lag) until the venue says they are final. A cancel
        the venue has not honoured yet is asked again.

        Listeners hear of the round when it had something to follow (an UNKNOWN, non-final or
        lagging order, one taken back from FAILED, a cancel asked again) or the pairs with an
        UNKNOWN order changed; an empty round (nothing open: the idle case) tells no one, so
        nothing reloads the order table every ORDER_SYNC_INTERVAL_S for nothing."""
        unknown_before = set(self._unknown_pairs)
        await self.resolve_unknown()
        waiting = (OrderState.SUBMITTED, OrderState.OPEN, OrderState.PARTIALLY_FILLED,
                   OrderState.CANCEL_REQUESTED)
        following = await self.repo.with_status(self.execution_mode, tuple(s.value for s in waiting))
        following += await self._lagging_fills()
        if following:
            try:
                await self.venue.poll_all(following)
            except ValrTuiError as exc:
                log.warning("[%s] order poll postponed: %s", self.execution_mode, exc.code)
        adopted = await self._adopt_failed_found_open()
        # the pairs new orders wait on, from the rows themselves (whatever path resolved them)
        self._unknown_pairs = {r.pair for r in await self.repo.with_status(
            self.execution_mode, (OrderState.UNKNOWN.value,))}
        cancelling = await self.repo.with_status(self.execution_mode,
                                                 (OrderState.CANCEL_REQUESTED.value,))
        for record in cancelling:
            try:
                await self.venue.cancel(record)  # not honoured yet: asked again
            except ValrTuiError as exc:
                self._log(record.correlation_id).info("cancel re-sent: %s", exc.code)
        if following or adopted or cancelling or self._unknown_pairs or unknown_before:
            self._notify()

    async def _adopt_failed_found_open(self) -> bool:
        """An order marked FAILED that the venue lists as open after all (a request that reached
        it later than any settle window allowed for) is taken back, never left untracked.
        Returns whether any was."""
        try:
            listed = await self.venue.open_order_ids()
        except ValrTuiError as exc:
            log.warning("[%s] open-order list not read: %s", self.execution_mode, exc.code)
            return False
        adopted = False
        for cid in listed:
            record = await self.repo.get(cid, self.execution_mode)
            if record is None or record.state is not OrderState.FAILED:
                continue
            await self._audit_order(record, "ORDER_FOUND_AFTER_FAILED", "the venue lists it as open:"
                                    " taken back and followed", severity="WARNING")
            await self._poll_quietly(record)
            adopted = True
        return adopted

    async def _lagging_fills(self) -> list[OrderRecord]:
        """Recently finished orders whose venue-reported filled quantity is ahead of their stored
        fills (a status seen before its trade record): polled until they agree."""
        since = epoch_ms(self._clock) - UNSETTLED_WINDOW_MS
        return [r for r in await self.repo.finished_since(self.execution_mode, since) if r.fills_pending]

    async def _pair_has_unknown(self, pair: str) -> bool:
        return await self.repo.any_with_status(self.execution_mode, pair, OrderState.UNKNOWN)

    def _refresh_unknown(self, pair: str, has_unknown: bool) -> None:
        if has_unknown:
            self._unknown_pairs.add(pair)
        else:
            self._unknown_pairs.discard(pair)

    def reset_book(self, balances: list[Balance]) -> None:
        """An operator unlock accepted the venue's figures: the running book starts from them."""
        self.book.reset(balances)

    # -- reading --------------------------------------------------------------------------------
    async def orders(self, limit: int = 100, execution_mode: str | None = None) -> list[OrderRecord]:
        """Newest first, of one mode only (default: the current mode). Paper and LIVE never mix."""
        mode: ExecutionModeName = self.execution_mode
        if execution_mode is not None:
            if execution_mode not in ("DRY_RUN", "LIVE"):
                raise ConfigError("execution_mode must be DRY_RUN or LIVE", key="execution_mode")
            mode = "LIVE" if execution_mode == "LIVE" else "DRY_RUN"
        return await self.repo.recent(mode, limit)
