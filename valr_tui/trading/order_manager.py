"""The order manager: validation, DRY_RUN paper orders, crash-safe LIVE orders.

Every order gets a correlation id when the request arrives. It is the ``customerOrderId`` sent to
VALR (the idempotency key), it is on the order row, on every fill and audit row, and on every log
line about the order, so ``valr-tui audit <correlation-id>`` tells the whole story.

LIVE crash safety: the row (PENDING_SUBMIT) and its audit rows commit BEFORE the request leaves.
An ambiguous failure leaves the row PENDING_SUBMIT; ``recover_pending`` asks VALR by
customerOrderId and either adopts the order or marks it FAILED: nothing lost, nothing placed twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, MutableMapping
from datetime import UTC, datetime
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
    ConfigError,
    ExchangeError,
    ExchangeUnavailableError,
    LiveTradingNotConfirmedError,
    MalformedResponseError,
    MissingCredentialsError,
    OrderNotFoundError,
    ValrTuiError,
)
from valr_tui.exchange.models import AccountTrade, Balance, OrderAck, OrderStatus, Pair, StatusClass
from valr_tui.money import Side
from valr_tui.money.decimal_gateway import dumps, safe_text
from valr_tui.trading.clock import Clock, epoch_ms, system_clock
from valr_tui.trading.market_rules import check_market
from valr_tui.trading.order_rules import CheckedOrder, Funds, MarketCheck, check_order
from valr_tui.trading.paper import PaperEngine, reservation, split_pair
from valr_tui.trading.safety import SafetyController
from valr_tui.trading.views import MarketView, OrderPreview, OrderRequest, OrderResult

log = logging.getLogger(__name__)

CORRELATION_ID_RE = re.compile(r"^[0-9a-zA-Z-]{0,50}$")
_NOTE_MAX_CHARS = 200


# --- what the order manager needs from its neighbours ----------------------------------------------
class OrderClient(Protocol):
    """The part of ``VALRClient`` the order manager uses."""

    async def place_limit_order(
        self, pair: str, side: Side, quantity: Decimal, price: Decimal, customer_order_id: str,
        *, post_only: bool = False, time_in_force: str = "GTC",
    ) -> OrderAck: ...

    async def cancel_order(
        self, pair: str, *, order_id: str | None = None, customer_order_id: str | None = None
    ) -> None: ...

    async def get_order(
        self, pair: str, *, order_id: str | None = None, customer_order_id: str | None = None
    ) -> OrderStatus: ...

    async def get_trade_history(self, pair: str | None = None, limit: int = 100) -> list[AccountTrade]: ...

    async def get_balances(self) -> list[Balance]: ...


class MarketDataProvider(Protocol):
    def market(self, pair: str) -> MarketView: ...


def new_correlation_id() -> str:
    return f"ord-{uuid4().hex}"


_VALR_STATUS = {
    StatusClass.OPEN: OrderState.OPEN,
    StatusClass.PARTIALLY_FILLED: OrderState.PARTIALLY_FILLED,
    StatusClass.FILLED: OrderState.FILLED,
    StatusClass.CANCELLED: OrderState.CANCELLED,
    StatusClass.EXPIRED: OrderState.CANCELLED,
    StatusClass.FAILED: OrderState.FAILED,
}
_FINAL = frozenset({OrderState.FILLED, OrderState.CANCELLED, OrderState.FAILED})


def iso_to_epoch_ms(text: str, default: int) -> int:
    """VALR's ISO 8601 timestamp (``2024-01-01T10:00:00.123Z``) as epoch ms; ``default`` if unreadable."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return default
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def state_from_valr(status: OrderStatus) -> OrderState:
    """Every status VALR documents, by its class (``models.classify_status``); a status VALR has
    not documented is logged loudly and left SUBMITTED for the lifecycle to resolve."""
    kind = status.status_class
    if kind is StatusClass.UNKNOWN:
        log.warning("order %s: VALR status %r is not one VALR documents", status.order_id, status.status)
        return OrderState.SUBMITTED
    return _VALR_STATUS[kind]


class _OrderLog(logging.LoggerAdapter[logging.Logger]):
    """Prefixes every line with the mode and the correlation id: ``[DRY_RUN] ord-... message``."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        extra = self.extra or {}
        return f"[{extra['mode']}] {extra['cid']} {msg}", kwargs


class OrderManager:
    """Validates, stores and sends LIMIT orders; DRY_RUN goes to the paper engine."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        safety: SafetyController,
        market: MarketDataProvider,
        pairs: Mapping[str, Pair],
        client: OrderClient | None,
        paper: PaperEngine | None,
        clock: Clock = system_clock,
        *,
        market_check: MarketCheck | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.safety = safety
        self.market = market
        self.pairs = dict(pairs)
        self.client = client
        self.paper = paper
        self._clock = clock
        self._market_check = market_check or check_market
        self.repo = OrderRepository(db)
        self.fills = FillRepository(db)
        self.audit = AuditRepository(db)
        self._listeners: list[Callable[[], None]] = []
        self._in_flight: set[str] = set()  # LIVE submits whose request may be on the wire
        self._live_available: dict[str, Decimal] | None = None  # last known exchange balances
        if paper is not None:
            paper.subscribe(self._notify)

    # -- construction and the LIVE gate ---------------------------------------------------------
    @classmethod
    async def create(
        cls,
        settings: Settings,
        db: Database,
        safety: SafetyController,
        market: MarketDataProvider,
        pairs: Mapping[str, Pair],
        client: OrderClient | None,
        paper: PaperEngine | None,
        clock: Clock = system_clock,
        *,
        market_check: MarketCheck | None = None,
    ) -> OrderManager:
        """Check the mode before anything can be sent: LIVE needs LIVE_TRADING_CONFIRMED=true and
        credentials; DRY_RUN needs a paper engine (loaded here)."""
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
        if mode == "LIVE":
            if client is None or not settings.has_credentials:
                error2 = MissingCredentialsError(
                    "LIVE trading needs VALR_API_KEY and VALR_API_SECRET and an exchange client"
                )
                await audit.record(now, "LIVE_GATE_REFUSED", error2.message, severity="CRITICAL",
                                   details={"code": error2.code})
                raise error2
        elif paper is None:
            raise ConfigError("DRY_RUN needs a paper engine", key="EXECUTION_MODE")
        manager = cls(settings, db, safety, market, pairs, client, paper, clock,
                      market_check=market_check)
        if manager.execution_mode == "LIVE":
            await audit.record(now, "LIVE_TRADING_ENABLED", "LIVE trading confirmed: real orders",
                               severity="WARNING", execution_mode="LIVE")
            log.warning("[LIVE] LIVE trading confirmed: orders go to the exchange")
            try:  # the LIVE balance check needs a first view of the account
                await manager.refresh_balances()
            except ValrTuiError as exc:
                log.warning("[LIVE] balances not loaded yet (%s): orders wait for the next sync", exc.code)
        else:
            assert paper is not None
            await paper.load()
            log.info("[DRY_RUN] paper trading: no order is sent to the exchange")
        return manager

    @property
    def execution_mode(self) -> Literal["DRY_RUN", "LIVE"]:
        return "LIVE" if self.settings.is_live else "DRY_RUN"

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    def _log(self, correlation_id: str) -> _OrderLog:
        return _OrderLog(log, {"mode": self.execution_mode, "cid": correlation_id})

    # -- validation -----------------------------------------------------------------------------
    def preview(self, request: OrderRequest) -> OrderPreview:
        """Every problem with ``request`` (in the documented order) and its value. No I/O."""
        checked = self._check(request)
        return OrderPreview(checked.value, tuple(checked.problems))

    def _check(self, request: OrderRequest) -> CheckedOrder:
        return check_order(
            request, pairs=self.pairs, settings=self.settings, market=self.market.market,
            clock=self._clock, safety=self.safety.status(), funds=self._funds(),
            storage_fault=self.db.fault, market_check=self._market_check,
        )

    def _funds(self) -> Funds | None:
        if self.execution_mode == "DRY_RUN":
            paper = self.paper
            return Funds("paper wallet", paper.available if paper else lambda _currency: Decimal(0))
        live = self._live_available
        if live is None:
            return None
        return Funds("VALR account (last known)", lambda currency: live.get(currency, Decimal(0)))

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
            status=OrderState.SUBMITTED if mode == "DRY_RUN" else OrderState.PENDING_SUBMIT,
            execution_mode=mode,
            note=request.note[:_NOTE_MAX_CHARS] if isinstance(request.note, str) else "",
            valr_order_id=f"DRY_{uuid4().hex}" if mode == "DRY_RUN" else None,
        )
        if mode == "DRY_RUN":
            return await self._submit_paper(order, olog)
        return await self._submit_live(order, request.post_only, olog)

    @staticmethod
    def _request_fields(request: OrderRequest) -> dict[str, str]:
        return {
            name: safe_text(getattr(request, name), 60)
            for name in ("pair", "side", "price", "quantity", "order_type", "post_only")
        }

    async def _store_new(self, order: NewOrder, extra_event: str | None) -> OrderRecord:
        """The order row and its ORDER_ACCEPTED (and, LIVE, ORDER_SUBMITTED) audit rows, one commit."""
        now = epoch_ms(self._clock)
        fields = {"pair": order.pair, "side": order.side, "price": order.price,
                  "quantity": order.quantity, "valr_order_id": order.valr_order_id}
        async with self.db.transaction() as tx:
            order_id = await OrderRepository.insert(tx, order, now)
            await AuditRepository.insert(
                tx, now, "ORDER_ACCEPTED", f"{order.side} {order.quantity} {order.pair} @ {order.price}"
                " passed validation", correlation_id=order.correlation_id,
                execution_mode=order.execution_mode, details=fields,
            )
            if extra_event:
                await AuditRepository.insert(
                    tx, now, extra_event, "sending to VALR (customerOrderId = correlation id)",
                    correlation_id=order.correlation_id, execution_mode=order.execution_mode,
                    details=fields,
                )
            record = await OrderRepository.get_in(tx, order_id)
        self._notify()
        return record

    async def _submit_paper(self, order: NewOrder, olog: _OrderLog) -> OrderResult:
        assert self.paper is not None
        record = await self._store_new(order, None)
        olog.info("accepted %s %s %s @ %s as %s", order.side, order.quantity, order.pair,
                  order.price, order.valr_order_id)
        try:
            record = await self.paper.place(record, self.market.market(order.pair))
        except ValrTuiError as exc:
            await self._mark_failed(record, exc, "paper book refused the order")
            olog.warning("paper book refused: %s", exc)
            raise
        return OrderResult(order.correlation_id, order.valr_order_id or "", record.state, "DRY_RUN",
                           "simulated: nothing was sent to VALR")

    async def _submit_live(self, order: NewOrder, post_only: bool, olog: _OrderLog) -> OrderResult:
        assert self.client is not None
        record = await self._store_new(order, "ORDER_SUBMITTED")
        self._in_flight.add(order.correlation_id)
        olog.info("sending %s %s %s @ %s", order.side, order.quantity, order.pair, order.price)
        try:
            ack = await self.client.place_limit_order(
                order.pair, order.side, order.quantity, order.price, order.correlation_id,
                post_only=post_only,
            )
        except ValrTuiError as exc:
            if self._is_ambiguous(exc):
                return await self._leave_pending(record, exc, olog)
            await self._mark_failed(record, exc, "VALR refused the order" if isinstance(
                exc, ExchangeError) else "the order was not placed")
            olog.warning("not placed: %s", exc)
            raise
        except Exception as exc:  # anything unexpected may have left the building: ambiguous
            return await self._leave_pending(record, ExchangeUnavailableError(type(exc).__name__), olog)
        finally:
            self._in_flight.discard(order.correlation_id)
        now = epoch_ms(self._clock)
        response = dumps({"id": ack.order_id, "customerOrderId": ack.customer_order_id})
        async with self.db.transaction() as tx:
            await OrderRepository.update(tx, record.id, now, status=OrderState.SUBMITTED,
                                         valr_order_id=ack.order_id, valr_response=response)
            await AuditRepository.insert(
                tx, now, "ORDER_ACKNOWLEDGED", f"VALR accepted for processing: {ack.order_id}",
                correlation_id=order.correlation_id, execution_mode="LIVE",
                details={"valr_order_id": ack.order_id},
            )
        self._spend_live(order)
        olog.info("acknowledged by VALR as %s", ack.order_id)
        self._notify()
        return OrderResult(order.correlation_id, ack.order_id, OrderState.SUBMITTED, "LIVE",
                           "accepted by VALR for processing")

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

    async def _leave_pending(self, record: OrderRecord, exc: ValrTuiError, olog: _OrderLog) -> OrderResult:
        await self._audit_order(
            record, "ORDER_UNKNOWN", f"outcome unknown ({exc.code}); stays PENDING_SUBMIT until"
            " recovery asks VALR by customerOrderId", severity="WARNING", details={"code": exc.code},
        )
        olog.warning("outcome unknown (%s): left PENDING_SUBMIT for recovery", exc.code)
        self._notify()
        return OrderResult(record.correlation_id, "", OrderState.PENDING_SUBMIT, "LIVE",
                           "outcome unknown: it will be checked with VALR before anything is resent")

    def _spend_live(self, order: NewOrder) -> None:
        """Hold back what VALR will reserve, until the next balance refresh says otherwise."""
        if self._live_available is None:
            return
        base, quote = split_pair(order.pair, self.pairs)
        currency, amount = reservation(order.side, order.price, order.quantity, base, quote,
                                       self.settings.taker_fee_pct)
        self._live_available[currency] = self._live_available.get(currency, Decimal(0)) - amount

    async def _audit_order(
        self, record: OrderRecord, event: str, message: str, *, severity: Severity = "INFO",
        details: dict[str, Any] | None = None, **changes: Any,
    ) -> OrderRecord:
        """Update the order row (when ``changes``) and write its audit row in one transaction."""
        now = epoch_ms(self._clock)
        async with self.db.transaction() as tx:
            if changes:
                await OrderRepository.update(tx, record.id, now, **changes)
            await AuditRepository.insert(
                tx, now, event, message, severity=severity, correlation_id=record.correlation_id,
                execution_mode=record.execution_mode, details=details,
            )
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
        mode = self.execution_mode
        record = await self.repo.get(correlation_id, mode) if isinstance(correlation_id, str) else None
        if record is None:
            raise OrderNotFoundError(f"no {mode} order {str(correlation_id)[:60]!r}")
        olog = self._log(correlation_id)
        if not record.state.is_open:
            raise OrderNotFoundError(
                f"order {correlation_id} is already {record.state.value}: nothing to cancel",
                correlation_id=correlation_id,
            )
        if mode == "DRY_RUN":
            assert self.paper is not None
            return await self.paper.cancel(correlation_id)
        assert self.client is not None
        if record.state is OrderState.PENDING_SUBMIT:
            await self.recover_pending()
            refreshed = await self.repo.get(correlation_id, mode)
            if refreshed is None or not refreshed.state.is_open:
                return refreshed or record
            record = refreshed
        before = record.state
        record = await self._audit_order(record, "ORDER_CANCEL_REQUESTED", "asking VALR to cancel",
                                         status=OrderState.CANCEL_PENDING)
        olog.info("cancel requested")
        try:
            await self.client.cancel_order(record.pair, customer_order_id=correlation_id)
        except ValrTuiError as exc:
            await self._audit_order(record, "ORDER_CANCEL_FAILED", f"cancel failed: [{exc.code}]"
                                    f" {exc.message}", severity="WARNING",
                                    details={"code": exc.code}, status=before)
            olog.warning("cancel failed: %s", exc)
            self._notify()
            raise
        record = await self._audit_order(record, "ORDER_CANCELLED", "VALR accepted the cancel",
                                         status=OrderState.CANCELLED)
        olog.info("cancelled")
        self._notify()
        return record

    # -- LIVE recovery and sync -----------------------------------------------------------------
    async def recover_pending(self) -> list[OrderRecord]:
        """Resolve LIVE rows left PENDING_SUBMIT (crash or ambiguous failure) by asking VALR for
        their customerOrderId: found ⇒ adopt its state; not found ⇒ FAILED. Safe to call any time."""
        if self.client is None:
            return []
        resolved: list[OrderRecord] = []
        for record in await self.repo.with_status("LIVE", (OrderState.PENDING_SUBMIT.value,)):
            if record.correlation_id in self._in_flight:
                continue  # its request is still on the wire: its own submit resolves it
            olog = self._log(record.correlation_id)
            try:
                status = await self.client.get_order(record.pair, customer_order_id=record.correlation_id)
            except OrderNotFoundError:
                updated = await self._audit_order(
                    record, "ORDER_FAILED", "recovery: VALR has no such order; it never reached the"
                    " exchange", severity="WARNING", details={"code": OrderNotFoundError.code},
                    status=OrderState.FAILED, error_code=OrderNotFoundError.code,
                    note=(record.note + " | never reached the exchange").strip(" |"),
                )
                olog.warning("recovery: never reached the exchange: FAILED")
            except ValrTuiError as exc:
                olog.warning("recovery postponed: %s", exc)
                continue
            else:
                updated = await self._audit_order(
                    record, "ORDER_RECOVERED", f"recovery: VALR has it as {status.order_id}"
                    f" ({status.status})", details={"valr_order_id": status.order_id,
                                                    "valr_status": status.status},
                    status=state_from_valr(status), valr_order_id=status.order_id,
                    filled_quantity=status.filled_quantity,
                    valr_response=dumps({"orderId": status.order_id, "status": status.status}),
                )
                olog.info("recovery: found on VALR as %s (%s)", status.order_id, status.status)
            resolved.append(updated)
        if resolved:
            self._notify()
        return resolved

    async def refresh_balances(self) -> list[Balance]:
        """Fetch the exchange balances the LIVE balance check uses."""
        if self.client is None:
            return []
        balances = await self.client.get_balances()
        self.update_live_balances(balances)
        return balances

    def update_live_balances(self, balances: list[Balance]) -> None:
        """Take balances pushed by someone else (e.g. the account stream)."""
        self._live_available = {b.currency: b.available for b in balances}

    async def sync_live_orders(self) -> None:
        """Refresh open LIVE orders and their fills from VALR. A no-op in DRY_RUN."""
        if self.execution_mode != "LIVE" or self.client is None:
            return
        await self.recover_pending()
        open_rows = await self.repo.with_status(
            "LIVE", tuple(s.value for s in OrderState if s.is_open and s is not OrderState.PENDING_SUBMIT)
        )
        trades_by_pair: dict[str, list[AccountTrade]] = {}
        for row in open_rows:
            record = row
            if record.pair not in trades_by_pair:
                trades_by_pair[record.pair] = await self.client.get_trade_history(record.pair, 100)
            try:
                status = await self.client.get_order(record.pair, customer_order_id=record.correlation_id)
            except OrderNotFoundError:
                continue  # 202 accepted but not yet visible; the next sync looks again
            record = await self._record_fills(record, trades_by_pair[record.pair])
            new_state = state_from_valr(status)
            if record.state is OrderState.CANCEL_PENDING and new_state not in _FINAL:
                new_state = OrderState.CANCEL_PENDING
            if new_state is not record.state or status.filled_quantity != record.filled_quantity:
                event = {OrderState.FILLED: "ORDER_FILLED", OrderState.CANCELLED: "ORDER_CANCELLED",
                         OrderState.FAILED: "ORDER_FAILED"}.get(new_state, "ORDER_STATUS")
                await self._audit_order(
                    record, event, f"VALR status {status.status}"
                    + (f": {status.failed_reason}" if status.failed_reason else ""),
                    details={"valr_status": status.status, "filled": status.filled_quantity},
                    status=new_state, filled_quantity=max(status.filled_quantity, record.filled_quantity),
                    valr_order_id=record.valr_order_id or status.order_id,
                )
                self._log(record.correlation_id).info("VALR status %s", status.status)
        try:
            await self.refresh_balances()
        except ValrTuiError as exc:
            log.warning("[LIVE] balance refresh failed: %s", exc)
        self._notify()

    async def _record_fills(self, record: OrderRecord, trades: list[AccountTrade]) -> OrderRecord:
        """Store every trade of ``record`` not stored yet: fill row + order totals + audit, one tx."""
        for trade in trades:
            mine = trade.order_id == record.valr_order_id or trade.customer_order_id == record.correlation_id
            if not mine or not trade.trade_id or await self.fills.exists("LIVE", trade.trade_id):
                continue
            now = epoch_ms(self._clock)
            async with self.db.transaction() as tx:
                await FillRepository.insert(
                    tx, record, trade_id=trade.trade_id, price=trade.price, quantity=trade.quantity,
                    fee=trade.fee, fee_currency=trade.fee_currency, is_maker=True,
                    traded_at_ms=iso_to_epoch_ms(trade.traded_at, now),
                )
                await OrderRepository.update(
                    tx, record.id, now, filled_quantity=record.filled_quantity + trade.quantity,
                    fee_total=record.fee_total + trade.fee,
                )
                await AuditRepository.insert(
                    tx, now, "ORDER_FILL", f"fill {trade.side} {trade.quantity} {trade.pair} @ {trade.price}",
                    correlation_id=record.correlation_id, execution_mode="LIVE",
                    details={"trade_id": trade.trade_id, "price": trade.price,
                             "quantity": trade.quantity, "fee": trade.fee,
                             "fee_currency": trade.fee_currency},
                )
                record = await OrderRepository.get_in(tx, record.id)
            self._log(record.correlation_id).info("fill %s @ %s", trade.quantity, trade.price)
        return record

    # -- reading --------------------------------------------------------------------------------
    async def orders(self, limit: int = 100, execution_mode: str | None = None) -> list[OrderRecord]:
        """Newest first, of one mode only (default: the current mode). Paper and LIVE never mix."""
        mode: ExecutionModeName = self.execution_mode
        if execution_mode is not None:
            if execution_mode not in ("DRY_RUN", "LIVE"):
                raise ConfigError("execution_mode must be DRY_RUN or LIVE", key="execution_mode")
            mode = "LIVE" if execution_mode == "LIVE" else "DRY_RUN"
        return await self.repo.recent(mode, limit)
