"""The market-data service: live quotes from the WS stream, REST polling as the fallback.

One ``MarketDataClient`` keeps, per configured pair, the latest ticker, the latest order book,
when good data last arrived and a short price history, and hands out frozen ``MarketView``s.

Sources
    The WS stream (``stream_factory``) is the primary feed. REST polling (``source``) runs every
    POLL_INTERVAL_S whenever the stream is not CONNECTED (at once when it drops), and while it is
    CONNECTED as a cross-check every ``CROSS_CHECK_EVERY``-th interval, or sooner for a pair the
    stream has left quiet for half of STALE_AFTER_S (VALR pushes summaries only on change, so a
    calm market must not go stale while the socket is fine). Polling is non-essential traffic: a
    round is skipped, not queued, while ``source.bucket.essential_only``. The poll loop re-arms
    itself after each round and ``poll_once`` refuses to start while another round runs, so polls
    never overlap.

Freshness and Safe-Idle (the precise rule)
    ``updated_at`` of a pair is the local clock time of its last *good* update: a ticker or a book
    that is not crossed. A crossed quote (ask < bid) is stored, so the rules and the screen see it,
    but it does not refresh ``updated_at``: it is a rule violation (``market_rules``), not fresh
    data. Trades only extend the price history.

    - stale: a pair is stale when it has no good update or the last one is more than
      STALE_AFTER_S (30 s) old (``MarketView.stale``); ``check_market`` then refuses new orders
      on that pair with VALR-MKT-002.
    - SAFE_IDLE: when any configured pair has had no good update for more than SAFE_IDLE_AFTER_S
      (60 s; counted from start-up for a pair that never had one), ``check_health`` raises the
      SAFE_IDLE condition, which refuses new orders on every pair. Stale data therefore enters
      SAFE_IDLE once it has stayed stale up to SAFE_IDLE_AFTER_S: per pair at 30 s, globally at
      60 s. When every pair is within SAFE_IDLE_AFTER_S again, the condition is cleared. Both
      transitions are audited by the ``SafetyController``.

Snapshots
    Every ticker whose quote (bid, ask, last, spread) differs from its pair's previous one is
    buffered as a ``SnapshotRow``; an unchanged quote is buffered again only once
    ``unchanged_every_s`` has passed since that pair's last row (so a calm pair still shows it
    was being watched). Rows are written in batches: one transaction per flush, every
    ``flush_interval_s`` (10 s) or at ``batch_rows`` rows, and at shutdown. Snapshots are a
    history of quotes, not records anything is decided on: a kill -9 loses the rows buffered
    since the last flush (at most ``flush_interval_s`` of quotes, at most ``batch_rows`` rows);
    what was flushed stays (``tests/trading/test_snapshot_crash.py``). Orders, fills, the audit
    and the journal are not batched: they commit before they count. The buffer is bounded
    (oldest rows dropped and counted if the database stalls). Retention: rows older than
    ``retention_days`` and rows beyond the newest ``keep_per_pair`` per pair are deleted every
    ``prune_every_s`` (both deletes walk an index).

Subscribers
    ``subscribe()`` gives an async iterator over bounded queues where the newest view wins (the
    oldest is dropped), so a slow subscriber never blocks the feed. ``add_listener`` is a sync
    hook called on every change. A failing listener is logged, never propagated.

Failures
    Every fetch error is caught, logged (code and message only: no secrets exist in them) and
    counted in ``stats``; each loop of ``run()`` restarts after an unexpected error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Protocol, TypeVar

from storage.snapshots import SnapshotRepository, SnapshotRow
from valr_tui.config import Settings
from valr_tui.errors import UnknownPairError, ValrTuiError
from valr_tui.exchange.models import OrderBook, TickerData, Trade
from valr_tui.exchange.stream import StreamState
from valr_tui.trading.clock import Clock, epoch_ms, system_clock
from valr_tui.trading.market_rules import is_stale
from valr_tui.trading.safety import SafetyController, SafetyState
from valr_tui.trading.views import ConnectionState, MarketView

T = TypeVar("T")

log = logging.getLogger(__name__)

MarketUpdate = TickerData | OrderBook | Trade
CROSS_CHECK_EVERY = 6  # with the stream up, poll every 6th interval as a cross-check
# VALR allows /v1/public/* 30 calls a minute per IP in all; market-data polling keeps a few for
# the rest of the app (the pair list at start-up). /v1/public/time has its own limit.
PUBLIC_POLL_BUDGET_PER_MINUTE = 26
STREAM_RESTART_S = 1.0  # pause before building a new stream after one ended or failed


# --- what this service needs from the exchange layer ---------------------------------------------
class BucketLike(Protocol):
    @property
    def essential_only(self) -> bool: ...


class TickerSource(Protocol):
    """The REST side (``VALRClient``)."""

    @property
    def bucket(self) -> BucketLike: ...

    @property
    def has_credentials(self) -> bool: ...

    async def get_market_summaries(self, *, essential: bool = False) -> list[TickerData]: ...

    async def get_orderbook(self, pair: str, *, essential: bool = False) -> OrderBook: ...


class MarketStreamLike(Protocol):
    """The WS side (``MarketStream``)."""

    @property
    def state(self) -> StreamState: ...

    def updates(self) -> AsyncIterator[MarketUpdate]: ...

    def more_waiting(self) -> bool:
        """Whether more updates are already waiting behind the one just yielded."""
        ...

    async def close(self) -> None: ...


StreamFactory = Callable[[], MarketStreamLike]


@dataclass(frozen=True, slots=True)
class SnapshotPolicy:
    batch_rows: int = 100  # flush early once this many rows are buffered
    # A flush is three trips to the database thread (BEGIN, the rows, COMMIT) whatever its size;
    # a kill -9 loses at most this long of quotes (the module docstring).
    flush_interval_s: float = 10.0
    unchanged_every_s: float = 60.0  # an unchanged quote is stored again after this long
    max_buffered: int = 10_000  # beyond this (database stalled) the oldest rows are dropped
    retention_days: int = 7
    keep_per_pair: int = 200_000
    prune_every_s: float = 300.0

    @property
    def retention_ms(self) -> int:
        return self.retention_days * 86_400_000


@dataclass
class MarketDataStats:
    """Counters for the status line and the tests."""

    poll_rounds: int = 0
    polls_skipped_essential: int = 0
    polls_refused_overlap: int = 0
    polls_skipped_public_budget: int = 0  # fetches left out to stay inside VALR's 30 public/min
    fetch_failures: int = 0
    stream_failures: int = 0
    loop_restarts: int = 0
    updates_applied: int = 0
    updates_ignored: int = 0  # unknown pair or unknown type
    crossed_updates: int = 0
    snapshots_written: int = 0
    snapshots_unchanged: int = 0  # tickers not buffered: the pair's quote had not changed
    snapshots_dropped: int = 0
    snapshot_failures: int = 0
    subscriber_drops: int = 0
    listener_errors: int = 0


TAPE_LEN = 50  # public trades kept per pair for the market-trades tape


class _PairState:
    __slots__ = ("_history", "_history_view", "_trades", "_trades_view", "book", "ticker",
                 "updated_at", "was_stale")

    def __init__(self, history_len: int) -> None:
        self.ticker: TickerData | None = None
        self.book: OrderBook | None = None
        self.updated_at: float | None = None
        self._history: deque[Decimal] = deque(maxlen=history_len)
        self._trades: deque[Trade] = deque(maxlen=TAPE_LEN)  # newest first
        # the tuples views hand out, built once per change: most updates (books) change neither
        self._history_view: tuple[Decimal, ...] | None = ()
        self._trades_view: tuple[Trade, ...] | None = ()
        self.was_stale = True

    def add_price(self, price: Decimal) -> None:
        self._history.append(price)
        self._history_view = None

    def add_trade(self, trade: Trade) -> None:
        self._trades.appendleft(trade)
        self._trades_view = None

    @property
    def history(self) -> tuple[Decimal, ...]:
        if self._history_view is None:
            self._history_view = tuple(self._history)
        return self._history_view

    @property
    def trades(self) -> tuple[Trade, ...]:
        if self._trades_view is None:
            self._trades_view = tuple(self._trades)
        return self._trades_view


class MarketSubscription:
    """An async iterator of ``MarketView``s over a bounded queue where the newest value wins."""

    def __init__(self, maxsize: int, on_close: Callable[[MarketSubscription], None]) -> None:
        if maxsize < 1:
            raise ValueError("a subscription needs room for at least one view")
        self._queue: asyncio.Queue[MarketView | None] = asyncio.Queue(maxsize)
        self._on_close = on_close
        self.closed = False
        self.dropped = 0

    def push(self, view: MarketView) -> bool:
        """Offer ``view``; return False when an older view had to be dropped for it."""
        if self.closed:
            return True
        dropped = False
        while self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
            dropped = True
        self._queue.put_nowait(view)
        return not dropped

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._on_close(self)
        while self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(None)  # wakes a waiting consumer, which then stops

    def __aiter__(self) -> MarketSubscription:
        return self

    async def __anext__(self) -> MarketView:
        if self.closed and self._queue.empty():
            raise StopAsyncIteration
        view = await self._queue.get()
        if view is None:
            raise StopAsyncIteration
        return view

    async def __aenter__(self) -> MarketSubscription:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class MarketDataClient:
    def __init__(
        self,
        source: TickerSource,
        settings: Settings,
        safety: SafetyController,
        snapshots: SnapshotRepository | None = None,
        clock: Clock = system_clock,
        stream_factory: Callable[[], MarketStreamLike] | None = None,
        history_len: int = 120,
        *,
        tick_s: float = 1.0,
        snapshot_policy: SnapshotPolicy | None = None,
    ) -> None:
        self._source = source
        self._settings = settings
        self._safety = safety
        self._snapshots = snapshots
        self._clock = clock
        self._stream_factory = stream_factory
        self._tick_s = tick_s  # how often the loops look at the clock (real seconds)
        self._policy = snapshot_policy or SnapshotPolicy()
        self.pairs: tuple[str, ...] = settings.market_pairs  # PAIRS and their ZAR rate pairs
        self._state = {pair: _PairState(history_len) for pair in self.pairs}
        self._started_at = clock()
        self._stream: MarketStreamLike | None = None
        self._stream_was_up = False
        self._polling = False
        self._last_poll_at: float | None = None
        self._rest_ok: bool | None = None  # outcome of the last REST round; None before the first
        self._failure_streak = 0
        self._public_minute = -1
        self._public_used = 0
        self._safe_idle_raised = False
        self._buffer: deque[SnapshotRow] = deque()
        self._last_row: dict[str, SnapshotRow] = {}  # each pair's newest row buffered
        self._flush_wanted = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._last_prune_at: float | None = None
        self._subscribers: list[MarketSubscription] = []
        self._listeners: list[Callable[[MarketView], None]] = []
        self._trade_listeners: list[Callable[[Trade], object]] = []
        self.stats = MarketDataStats()

    # -- reading --------------------------------------------------------------------------------
    def market(self, pair: str) -> MarketView:
        state = self._state.get(pair)
        if state is None:
            raise UnknownPairError(f"{pair} is not one of the configured pairs", pair=pair)
        return self._view(pair, state, self._clock())

    def connection_state(self) -> ConnectionState:
        if self._stream_up():
            return ConnectionState.WS
        if self._rest_ok is None:
            return ConnectionState.CONNECTING
        return ConnectionState.REST if self._rest_ok else ConnectionState.DOWN

    @property
    def buffered_snapshots(self) -> int:
        return len(self._buffer)

    # -- updates --------------------------------------------------------------------------------
    def apply_update(self, update: MarketUpdate) -> None:
        """Fold one update (from the stream, a poll or a test) into the pair's state."""
        state = self._state.get(update.pair)
        if state is None or not isinstance(update, (TickerData, OrderBook, Trade)):
            self.stats.updates_ignored += 1
            return
        now = self._clock()
        if isinstance(update, TickerData):
            state.ticker = update
            self._buffer_snapshot(update, now)
            if update.crossed:
                self._note_crossed(update.pair, update.bid, update.ask)
            else:
                state.updated_at = now
                if update.last > 0:
                    state.add_price(update.last)
        elif isinstance(update, OrderBook):
            state.book = update
            if update.crossed:
                self._note_crossed(update.pair, update.best_bid, update.best_ask)
            else:
                state.updated_at = now
        else:
            state.add_price(update.price)
            state.add_trade(update)
            self._notify_trade(update)
        self.stats.updates_applied += 1
        view = self._view(update.pair, state, now)
        state.was_stale = view.stale
        self._publish(view)

    def _note_crossed(self, pair: str, bid: Decimal | None, ask: Decimal | None) -> None:
        self.stats.crossed_updates += 1
        log.warning("crossed quote for %s (bid %s, ask %s): not trusted", pair, bid, ask)

    # -- REST polling ---------------------------------------------------------------------------
    async def poll_once(self, *, force: bool = False) -> bool:
        """One REST round (ticker + book per pair) if one is due (or ``force``).

        Returns True when the round ran and at least one fetch succeeded; False when it was not
        due, was skipped (bucket in essential-only mode, another round running) or all failed.
        """
        if self._polling:
            self.stats.polls_refused_overlap += 1
            return False
        now = self._clock()
        if not force and not self._poll_due(now):
            return False
        self._last_poll_at = now
        if self._source.bucket.essential_only:
            self.stats.polls_skipped_essential += 1
            return False
        self._polling = True
        successes = failures = 0
        try:
            # One public market-summary call serves every pair (VALR has no signed twin); books
            # come from the signed twin with a key, else from the public route within budget.
            fetches: list[tuple[str, str, Callable[[], Awaitable[list[MarketUpdate]]]]] = [
                ("*", "tickers", self._fetch_tickers),
                *[(pair, "orderbook", self._book_fetch(pair)) for pair in self.pairs],
            ]
            for pair, what, fetch in fetches:
                if self._source.bucket.essential_only:
                    self.stats.polls_skipped_essential += 1
                    break  # the rest of the round waits for the next interval
                if (what == "tickers" or not self._source.has_credentials) and not self._spend_public(now):
                    self.stats.polls_skipped_public_budget += 1
                    continue
                try:
                    updates = await fetch()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    failures += 1
                    self._record_fetch_failure(pair, what, exc)
                    continue
                successes += 1
                for update in updates:
                    self.apply_update(update)
        finally:
            self._polling = False
        self.stats.poll_rounds += 1
        if successes or failures:
            self._rest_ok = successes > 0
        if successes:
            if self._failure_streak:
                log.info("market data REST polling recovered after %d failures", self._failure_streak)
            self._failure_streak = 0
        return successes > 0

    async def _fetch_tickers(self) -> list[MarketUpdate]:
        wanted = set(self.pairs)
        return [t for t in await self._source.get_market_summaries(essential=False) if t.pair in wanted]

    def _book_fetch(self, pair: str) -> Callable[[], Awaitable[list[MarketUpdate]]]:
        async def fetch() -> list[MarketUpdate]:
            return [await self._source.get_orderbook(pair, essential=False)]

        return fetch

    def _spend_public(self, now: float) -> bool:
        """Count one public call in this calendar minute; False once the budget is spent."""
        minute = int(now // 60)
        if minute != self._public_minute:
            self._public_minute, self._public_used = minute, 0
        if self._public_used >= PUBLIC_POLL_BUDGET_PER_MINUTE:
            return False
        self._public_used += 1
        return True

    def _poll_due(self, now: float) -> bool:
        stream_up = self._stream_up()
        if self._stream_was_up and not stream_up:
            self._last_poll_at = None  # the stream just dropped: fall back to REST at once
        self._stream_was_up = stream_up
        if self._last_poll_at is None:
            return True
        since = now - self._last_poll_at
        interval = float(self._settings.poll_interval_s)
        if since < interval:
            return False
        if not stream_up or since >= interval * CROSS_CHECK_EVERY:
            return True
        quiet_after = float(self._settings.stale_after_s) / 2
        return any(
            s.updated_at is None or now - s.updated_at >= quiet_after for s in self._state.values()
        )

    def _record_fetch_failure(self, pair: str, what: str, exc: Exception) -> None:
        self.stats.fetch_failures += 1
        self._failure_streak += 1
        level = logging.WARNING if self._failure_streak == 1 else logging.DEBUG
        log.log(level, "market data: %s %s fetch failed: %s", pair, what, _describe(exc))

    def _stream_up(self) -> bool:
        return self._stream is not None and self._stream.state == StreamState.CONNECTED

    # -- health ---------------------------------------------------------------------------------
    async def check_health(self) -> None:
        """Evaluate staleness and the SAFE_IDLE condition at ``clock()``."""
        now = self._clock()
        limit = float(self._settings.safe_idle_after_s)
        overdue: list[str] = []
        for pair, state in self._state.items():
            last = state.updated_at if state.updated_at is not None else self._started_at
            if now - last > limit:
                overdue.append(f"{pair} {now - last:.1f} s")
            stale = is_stale(state.updated_at, now, self._settings)
            if stale != state.was_stale:
                state.was_stale = stale
                self._publish(self._view(pair, state, now))  # the screen must show the change
        if overdue:
            reason = (
                f"market data unreachable: no update for {', '.join(overdue)}"
                f" (limit {self._settings.safe_idle_after_s} s)"
            )
            await self._safety.raise_condition(SafetyState.SAFE_IDLE, reason)
            self._safe_idle_raised = True
        elif self._safe_idle_raised:
            await self._safety.clear_condition(SafetyState.SAFE_IDLE, "fresh market data for every pair")
            self._safe_idle_raised = False

    # -- snapshots ------------------------------------------------------------------------------
    def _buffer_snapshot(self, ticker: TickerData, now: float) -> None:
        if self._snapshots is None:
            return
        captured_at = int(now * 1000)
        last = self._last_row.get(ticker.pair)
        if (
            last is not None
            and (last.bid, last.ask, last.last, last.spread_pct)
            == (ticker.bid, ticker.ask, ticker.last, ticker.spread_pct)
            and captured_at - last.captured_at < self._policy.unchanged_every_s * 1000
        ):
            self.stats.snapshots_unchanged += 1
            return
        if len(self._buffer) >= self._policy.max_buffered:
            self._buffer.popleft()
            self.stats.snapshots_dropped += 1
        row = SnapshotRow(
            ticker.pair, ticker.bid, ticker.ask, ticker.last, ticker.spread_pct, ticker.source,
            captured_at,
        )
        self._buffer.append(row)
        self._last_row[ticker.pair] = row
        if len(self._buffer) >= self._policy.batch_rows:
            self._flush_wanted.set()

    async def flush_snapshots(self) -> int:
        """Write every buffered snapshot in one transaction; return how many were written.

        On a database error the rows go back to the buffer (bounded) and 0 is returned.
        """
        if self._snapshots is None:
            return 0
        async with self._flush_lock:
            if not self._buffer:
                return 0
            batch = list(self._buffer)
            self._buffer.clear()
            try:
                written = await self._snapshots.insert_many(batch)
            except Exception as exc:
                self.stats.snapshot_failures += 1
                log.warning("market snapshots not stored (%s); will retry", _describe(exc))
                keep = (batch + list(self._buffer))[-self._policy.max_buffered :]
                self.stats.snapshots_dropped += len(batch) + len(self._buffer) - len(keep)
                self._buffer = deque(keep)
                return 0
            self.stats.snapshots_written += written
            return written

    async def enforce_retention(self) -> int:
        """Delete snapshots older than the retention window or beyond the per-pair cap."""
        if self._snapshots is None:
            return 0
        self._last_prune_at = self._clock()
        cutoff = epoch_ms(self._clock) - self._policy.retention_ms
        deleted = await self._snapshots.prune(
            older_than_ms=cutoff, keep_per_pair=self._policy.keep_per_pair
        )
        if deleted:
            log.info("market snapshots: %d old rows deleted", deleted)
        return deleted

    # -- subscribers ----------------------------------------------------------------------------
    def subscribe(self, maxsize: int = 1) -> MarketSubscription:
        subscription = MarketSubscription(maxsize, self._subscribers.remove)
        self._subscribers.append(subscription)
        return subscription

    def add_listener(self, callback: Callable[[MarketView], None]) -> Callable[[], None]:
        self._listeners.append(callback)

        def remove() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(callback)

        return remove

    def add_trade_listener(self, callback: Callable[[Trade], object]) -> None:
        """``callback`` gets every public trade of a configured pair (the chart's live candles)."""
        self._trade_listeners.append(callback)

    def _notify_trade(self, trade: Trade) -> None:
        self._notify(self._trade_listeners, trade, "trade")

    def _publish(self, view: MarketView) -> None:
        for subscription in list(self._subscribers):
            if not subscription.push(view):
                self.stats.subscriber_drops += 1
        self._notify(self._listeners, view, "market")

    def _notify(self, listeners: Sequence[Callable[[T], object]], item: T, what: str) -> None:
        """Call each listener with ``item``; one that fails is counted and logged, never raised
        into the stream (the others still get the item)."""
        for listener in list(listeners):
            try:
                listener(item)
            except Exception:
                self.stats.listener_errors += 1
                log.exception("%s listener failed", what)

    def _view(self, pair: str, state: _PairState, now: float) -> MarketView:
        return MarketView(
            pair=pair,
            ticker=state.ticker,
            book=state.book,
            updated_at=state.updated_at,
            stale=is_stale(state.updated_at, now, self._settings),
            history=state.history,
            trades=state.trades,
        )

    # -- the loops ------------------------------------------------------------------------------
    async def run(self) -> None:
        """Run the stream consumer, poll loop, health loop and snapshot flusher until cancelled."""
        loops: dict[str, Callable[[], Awaitable[None]]] = {
            "poll": self._poll_loop,
            "health": self._health_loop,
            "snapshots": self._snapshot_loop,
        }
        if self._stream_factory is not None:
            loops["stream"] = self._stream_loop
        tasks = [
            asyncio.create_task(self._guarded(name, loop), name=f"market-data:{name}")
            for name, loop in loops.items()
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self.flush_snapshots()

    async def _guarded(self, name: str, loop: Callable[[], Awaitable[None]]) -> None:
        while True:
            try:
                await loop()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.stats.loop_restarts += 1
                log.error("market-data %s loop failed (%s); restarting", name, _describe(exc))
                await asyncio.sleep(self._tick_s)

    async def _poll_loop(self) -> None:
        while True:
            await self.poll_once()
            await asyncio.sleep(self._tick_s)

    async def _health_loop(self) -> None:
        while True:
            await self.check_health()
            await asyncio.sleep(self._tick_s)

    async def _snapshot_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._flush_wanted.wait(), self._policy.flush_interval_s)
            self._flush_wanted.clear()
            await self.flush_snapshots()
            now = self._clock()
            if self._last_prune_at is None or now - self._last_prune_at >= self._policy.prune_every_s:
                await self.enforce_retention()

    async def _stream_loop(self) -> None:
        assert self._stream_factory is not None
        while True:
            stream = self._stream_factory()
            self._stream = stream
            try:
                async for update in stream.updates():
                    self.apply_update(update)
                    # Let subscribers run now when more is waiting: those frames would otherwise
                    # be parsed first (a 40-level book costs milliseconds) before anyone sees this
                    # update. With nothing waiting the next update waits on the socket anyway: a
                    # sleep(0) would only cost the loop one more turn per update.
                    if stream.more_waiting():
                        await asyncio.sleep(0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.stats.stream_failures += 1
                log.warning("market stream failed (%s); starting a new one", _describe(exc))
            finally:
                self._stream = None
                with contextlib.suppress(Exception):
                    await stream.close()
            await asyncio.sleep(STREAM_RESTART_S)


def _describe(exc: BaseException) -> str:
    """A loggable description: our coded errors carry public facts only; others give their type."""
    if isinstance(exc, ValrTuiError):
        return f"{exc.code} {exc.message}"
    return type(exc).__name__
