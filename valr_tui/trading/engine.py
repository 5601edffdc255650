"""The trading engine: one client, one database, every service wired together.

This is the object the dashboard and scripts hold (it implements ``TradingEngineAPI``). It builds
one ``VALRClient`` (one httpx client, one signer, one token bucket) and hands it to every service,
so all traffic passes through the one bucket and the gauge shows the truth. Construction is cheap
and synchronous; ``start()`` opens the database and starts the loops as supervised tasks that log
and restart instead of dying.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from storage.audit import AuditEntry, AuditRepository, resolve_correlation_id
from storage.db import Database
from storage.orders import ExecutionModeName, FillRecord, FillRepository, OrderRecord
from storage.snapshots import SnapshotRepository
from valr_tui.config import Settings
from valr_tui.errors import EngineNotReady, UnlistedPairError, ValrTuiError
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.models import Balance, Pair
from valr_tui.exchange.rate_limiter import BucketSnapshot
from valr_tui.exchange.stream import MarketStream
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.money.decimal_gateway import money_context
from valr_tui.trading.candles import CandleBook, CandleSeries
from valr_tui.trading.clock import Clock, ServerTimeSync, system_clock
from valr_tui.trading.market_data import MarketDataClient
from valr_tui.trading.market_rules import watched_pairs
from valr_tui.trading.order_manager import OrderManager
from valr_tui.trading.paper import PaperVenue
from valr_tui.trading.reconciliation import InFlight, ReconciliationEngine, open_order_allowance
from valr_tui.trading.safety import SafetyController, SafetyState, SafetyStatus
from valr_tui.trading.trade_journal import TradeJournal
from valr_tui.trading.venue import Venue
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
    ReconciliationReport,
)

if TYPE_CHECKING:
    from valr_tui.exchange.account_stream import AccountStream

log = logging.getLogger(__name__)

PAIRS_RETRY_S = 5.0
ORDER_SYNC_INTERVAL_S = 5.0
SUPERVISOR_RESTART_S = 2.0


class TradingEngine:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = system_clock,
        client: VALRClient | None = None,
        use_stream: bool = True,
        order_settle_s: float | None = None,
    ) -> None:
        self.settings = settings
        # How long a not-found answer must wait before it counts (VALR: a late request lands).
        self._order_settle_s = order_settle_s
        self._clock = clock
        self.client = client or VALRClient.from_settings(settings)
        self.server_time = ServerTimeSync(self.client.sync_server_time)
        self._use_stream = use_stream
        self._listeners: list[EngineListener] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._pairs_meta: dict[str, Pair] = {}
        self.charts = CandleBook(clock)
        self._exchange_balances: list[Balance] = []  # this run's fresh exchange fetch
        self._account_stream: AccountStream | None = None
        self.ready = asyncio.Event()
        self._pairs_loaded = asyncio.Event()
        self.db: Database | None = None
        self.safety: SafetyController | None = None
        self.market_data: MarketDataClient | None = None
        self.paper: PaperVenue | None = None
        self.venue: Venue | None = None
        self.order_manager: OrderManager | None = None
        self.reconciliation: ReconciliationEngine | None = None
        self.recorder: TradeJournal | None = None

    # -- life cycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Open storage, build the services, start the loops. Raises coded errors (e.g. the LIVE
        gate, VALR-SEC-002) without leaving anything half-started."""
        settings = self.settings
        db = await Database.open(settings.db_path)
        try:
            safety = await SafetyController.load(db, self._clock)
            market_data = MarketDataClient(
                self.client,
                settings,
                safety,
                SnapshotRepository(db),
                clock=self._clock,
                stream_factory=self._stream_factory() if self._use_stream else None,
            )
            # The one place that knows which venue orders go to; the order manager does not.
            paper = live = None
            venue: Venue
            if settings.is_live:
                # imported here: a DRY_RUN start (and every demo) never needs VALR's venue
                from valr_tui.trading.valr_venue import SETTLE_S, ValrVenue

                venue = live = ValrVenue(self.client, settings, self._clock, pairs=self._pairs_meta,
                                  settle_s=self._order_settle_s or SETTLE_S)
            else:
                venue = paper = PaperVenue(settings, db, self._clock, market=market_data)
            order_manager = await OrderManager.create(
                settings, db, safety, market_data, self._pairs_meta, venue, self._clock
            )
        except BaseException:
            await db.close()
            raise
        self.db, self.safety, self.market_data = db, safety, market_data
        self.paper, self.venue, self.order_manager = paper, venue, order_manager
        self.recorder = TradeJournal(settings, db, self._clock)
        self.reconciliation = ReconciliationEngine(
            settings,
            db,
            safety,
            exchange_view=self._exchange_view,
            state_view=order_manager.book.totals,
            in_flight=self._in_flight,
            on_lockdown=self._on_lockdown,
            clock=self._clock,
            exchange_open_orders=venue.open_order_ids,
            steady=venue.steady,
            venue_clock=venue.now_ms,
            before_recheck=order_manager.sync,
        )
        safety.subscribe(lambda status: self._publish(EngineEvent("safety", safety=status), "audit"))
        market_data.add_trade_listener(self.charts.apply_trade)  # before the "market" event
        market_data.add_listener(lambda view: self._publish(EngineEvent("market", market=view)))
        # the order manager relays the paper engine's notifications too: one event per change
        order_manager.subscribe(lambda: self._emit("orders", "audit", "balances"))

        self._spawn("server-time", self.server_time.run)
        self._spawn("pairs", self._load_pairs)
        self._spawn("market-data", market_data.run)
        if paper is not None:
            self._spawn("fills", self._process_market_for_fills)
        self._spawn("reconciliation", self.reconciliation.run)
        self._spawn("orders", self._follow_orders)
        if live is not None and self._use_stream and settings.has_credentials:
            from valr_tui.exchange.account_stream import AccountStream

            # VALR's account events as they happen; polling goes on beside them (the fallback).
            account = AccountStream(
                settings.ws_url, signer=VALRSigner(settings.api_key, settings.api_secret)
            )
            self._account_stream = account
            self._spawn("account-stream", lambda: live.follow_account(account.events()))
        self._spawn("storage-check", lambda: db.watch(safety.storage_changed))
        self.ready.set()

    async def wait_until_trading_ready(self, within_s: float = 10.0) -> None:
        """Wait for pair metadata and a first price of every pair (the ZAR rate pairs too: an
        order on BTCUSDC needs USDCZAR); EngineNotReady on timeout."""
        priced = asyncio.Event()

        def check(_event: EngineEvent | None = None) -> None:
            if all(self.market(pair).ticker for pair in self.settings.market_pairs):
                priced.set()

        unsubscribe = self.subscribe(check)
        try:
            async with asyncio.timeout(within_s):
                await self._pairs_loaded.wait()
                check()
                await priced.wait()
        except TimeoutError:
            raise EngineNotReady(
                f"no pair metadata or prices from the exchange within {within_s:.0f} s"
            ) from None
        finally:
            unsubscribe()

    async def stop(self) -> None:
        if self._account_stream is not None:
            with contextlib.suppress(Exception):
                await self._account_stream.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self.market_data is not None:
            with contextlib.suppress(Exception):
                await self.market_data.flush_snapshots()
        await self.client.aclose()
        if self.db is not None:
            await self.db.close()
            self.db = None

    def _stream_factory(self) -> Callable[[], MarketStream]:
        signer = (
            VALRSigner(self.settings.api_key, self.settings.api_secret)
            if self.settings.has_credentials
            else None
        )
        return lambda: MarketStream(self.settings.ws_url, self.settings.market_pairs, signer=signer)

    def _spawn(self, name: str, loop: Callable[[], Awaitable[None]]) -> None:
        async def supervised() -> None:
            while True:
                try:
                    with money_context():  # the loops' arithmetic ignores the host's context
                        await loop()
                    return
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("%s loop failed; restarting in %.0f s", name, SUPERVISOR_RESTART_S)
                    await asyncio.sleep(SUPERVISOR_RESTART_S)

        self._tasks.append(asyncio.create_task(supervised(), name=f"engine:{name}"))

    # -- loops ----------------------------------------------------------------------------------
    async def _load_pairs(self) -> None:
        """Pair metadata (tick size, decimals, minimums) comes from VALR at run time."""
        while not self._pairs_meta:
            try:
                pairs = await self.client.get_pairs()
            except ValrTuiError as exc:
                log.warning("pair metadata unavailable (%s); retrying", exc.code)
                await asyncio.sleep(PAIRS_RETRY_S)
                continue
            try:
                watched = watched_pairs(self.settings.pairs, pairs)
            except UnlistedPairError as exc:
                # Checked before start-up (launcher); met here only when VALR changed since.
                log.error("%s", exc)
                watched = {p.symbol: p for p in pairs if p.symbol in self.settings.pairs and p.active}
            self._pairs_meta.update(watched)
            if self.order_manager is not None:
                self.order_manager.pairs.update(self._pairs_meta)
            self._pairs_loaded.set()
            if self.market_data is not None:  # the rules of every pair changed: its views go out again
                for pair in self.settings.pairs:
                    self._publish(EngineEvent("market", market=self.market_data.market(pair)))
            return

    async def _process_market_for_fills(self) -> None:
        """Feed every market update to the paper venue; journal closed positions after fills."""
        assert self.market_data is not None and self.paper is not None
        paper = self.paper
        moved = asyncio.Event()

        def on_market(view: MarketView) -> None:
            # only a pair with paper orders can fill: no wake-up of this loop for the others
            if any(order.pair == view.pair for order in paper.open_orders()):
                moved.set()

        remove = self.market_data.add_listener(on_market)
        try:
            while True:
                await moved.wait()
                moved.clear()
                fills = 0
                # changes that came while this ran are coalesced: each pair with paper orders
                # is read fresh rather than trusting the view that woke the loop
                pairs = {order.pair for order in paper.open_orders()}
                for pair in [p for p in self.settings.pairs if p in pairs]:
                    fills += await paper.on_market(self.market_data.market(pair))
                if fills:
                    await self._journal_after_fills()
        finally:
            remove()

    async def _journal_after_fills(self) -> None:
        assert self.recorder is not None
        if await self.recorder.process_new_fills():
            self._emit("journal", "audit")

    async def _follow_orders(self) -> None:
        """Every non-final order is revisited until the venue says it is final (REST polling;
        the account stream's events take the same path when it runs)."""
        assert self.order_manager is not None
        while True:
            try:
                await self.order_manager.sync()
                await self._journal_after_fills()
            except ValrTuiError as exc:
                log.warning("order sync failed: %s", exc)
            await asyncio.sleep(ORDER_SYNC_INTERVAL_S)

    # -- reconciliation views -------------------------------------------------------------------
    async def _exchange_view(self) -> dict[str, Decimal]:
        """A fresh fetch from the venue (VALR's balances, or the stored paper wallet)."""
        assert self.venue is not None
        self._exchange_balances = await self.venue.balances()
        return {b.currency: b.total for b in self._exchange_balances}

    async def _in_flight(self) -> InFlight:
        """What orders can explain between the exchange and our records right now: only what
        they have consumed of their own reservation (read from this run's fetch)."""
        assert self.db is not None
        if self.settings.is_live:
            return await open_order_allowance(self.db, "LIVE", self._exchange_balances, self.settings)
        return InFlight()  # the paper venue holds still while its views are read

    async def _on_lockdown(self, reason: str) -> None:
        """LOCKDOWN: cancel the open orders on whichever venue holds them."""
        if self.order_manager is None:
            return
        cancelled = await self.order_manager.cancel_all_open(f"lockdown ({reason[:80]})")
        log.error("lockdown: %d open order(s) cancelled", cancelled)

    # -- events ---------------------------------------------------------------------------------
    def subscribe(self, listener: EngineListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, *kinds: EngineEventKind) -> None:
        """Events that carry no view: the records they name are read from storage when wanted."""
        for kind in kinds:
            self._publish(EngineEvent(kind))

    def _publish(self, event: EngineEvent, *then: EngineEventKind) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("engine listener failed")
        self._emit(*then)

    # -- TradingEngineAPI -----------------------------------------------------------------------
    @property
    def execution_mode(self) -> ExecutionModeName:
        return "LIVE" if self.settings.is_live else "DRY_RUN"

    @property
    def pairs(self) -> tuple[str, ...]:
        return self.settings.pairs

    def pair_metadata(self, pair: str) -> Pair:
        """Tick size, decimals and minimums as VALR published them (after start-up)."""
        try:
            return self._pairs_meta[pair]
        except KeyError:
            raise EngineNotReady(f"no metadata for {pair} yet") from None

    def market(self, pair: str) -> MarketView:
        if self.market_data is None:
            return MarketView(pair, None, None, None, stale=True)
        return self.market_data.market(pair)

    def connection_state(self) -> ConnectionState:
        return self.market_data.connection_state() if self.market_data else ConnectionState.CONNECTING

    def clock_skew_s(self) -> float | None:
        """This machine's clock minus VALR's when large enough to warn about, else None."""
        offset = self.server_time.offset_s
        return -offset if offset is not None and self.server_time.skewed else None

    def bucket_snapshot(self) -> BucketSnapshot:
        return self.client.bucket.snapshot()

    def safety_status(self) -> SafetyStatus:
        if self.safety is None:
            return SafetyStatus(SafetyState.NORMAL, "starting", self._clock(), {})
        return self.safety.status()

    def _manager(self) -> OrderManager:
        if self.order_manager is None:
            raise EngineNotReady("the engine is still starting")
        return self.order_manager

    def preview(self, request: OrderRequest) -> OrderPreview:
        if self.order_manager is None:
            return OrderPreview(None, (EngineNotReady("the engine is still starting"),))
        with money_context():
            return self.order_manager.preview(request)

    async def submit(self, request: OrderRequest) -> OrderResult:
        with money_context():
            result = await self._manager().submit(request)
            await self._journal_after_fills()
        return result

    async def cancel(self, correlation_id: str) -> OrderRecord:
        return await self._manager().cancel(correlation_id)

    def amend_problems(self, record: OrderRecord, price: str, quantity: str) -> list[ValrTuiError]:
        """What would refuse amending ``record`` (the amend dialog's live check)."""
        if self.order_manager is None:
            return [EngineNotReady("the engine is still starting")]
        with money_context():
            return self.order_manager.amend_problems(record, price, quantity)[1]

    async def amend(self, correlation_id: str, price: str, quantity: str) -> OrderRecord:
        with money_context():
            return await self._manager().amend(correlation_id, price, quantity)

    async def orders(self, limit: int = 100) -> list[OrderRecord]:
        if self.order_manager is None:
            return []
        return await self.order_manager.orders(limit, execution_mode=self.execution_mode)

    def tick_size(self, pair: str) -> Decimal | None:
        """The pair's tick size once VALR's metadata is in (None before)."""
        meta = self._pairs_meta.get(pair)
        return None if meta is None else meta.tick_size

    def candles(self, pair: str, period_s: int) -> CandleSeries:
        return self.charts.series(pair, period_s)

    async def load_candles(self, pair: str, period_s: int) -> CandleSeries:
        """The newest candles from VALR's buckets (polling-class traffic: never essential)."""
        start, end = self.charts.window(period_s)
        series = self.charts.load(pair, period_s, await self.client.get_buckets(pair, period_s, start, end))
        self._emit("market")
        return series

    async def pair_fills(self, pair: str, since_ms: int) -> list[FillRecord]:
        """Our fills of ``pair`` since ``since_ms`` in this execution mode (chart marks)."""
        if self.db is None:
            return []
        return await FillRepository(self.db).for_pair(pair, self.execution_mode, since_ms)
    async def fills(self, correlation_id: str) -> list[FillRecord]:
        if self.db is None:
            return []
        return await FillRepository(self.db).for_order(correlation_id, self.execution_mode)

    async def balances(self) -> list[Balance]:
        if self.venue is None:
            return []
        if self.paper is not None:
            return self.paper.balances_now()
        return await self.venue.balances()

    async def audit(self, correlation_id: str | None = None, limit: int = 200) -> list[AuditEntry]:
        """Audit rows, newest first; ``correlation_id`` may be a unique prefix of the full id
        (VALR-ORD-009 when none starts with it, VALR-ORD-021 when several do)."""
        if self.db is None:
            return []
        if correlation_id:
            correlation_id = await resolve_correlation_id(self.db, correlation_id)
        return await AuditRepository(self.db).query(correlation_id=correlation_id, limit=limit)

    async def journal(self, limit: int = 200) -> list[JournalEntry]:
        if self.recorder is None:
            return []
        return await self.recorder.journal(limit, execution_mode=self.execution_mode)

    async def reconcile_now(self) -> ReconciliationReport:
        if self.reconciliation is None:
            raise EngineNotReady("the engine is still starting")
        with money_context():
            report = await self.reconciliation.run_once()
        self._emit("audit")
        return report

    async def unlock(self, operator: str, reason: str, typed_confirmation: str) -> None:
        """The operator's unlock, then the books start again from the venue's figures (the
        paper books re-baselined and audited with the figures; LIVE takes a new baseline at the
        next reconciliation), so the unlock sticks until a new drift."""
        if self.safety is None or self.order_manager is None or self.venue is None:
            raise EngineNotReady("the engine is still starting")
        await self.safety.unlock(operator, reason, typed_confirmation)
        if self.paper is not None:
            await self.paper.rebaseline(self.paper.now_ms(), operator.strip())
        try:
            self.order_manager.reset_book(await self.venue.balances())
        except ValrTuiError as exc:
            log.warning("running book not reset after the unlock (%s): next run decides", exc.code)
        self._emit("safety", "balances", "audit")
