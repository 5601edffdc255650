"""MarketDataClient with a fake REST source and a fake stream; time is a ManualClock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from storage.audit import AuditRepository
from storage.db import Database
from storage.snapshots import SnapshotRepository, SnapshotRow
from valr_tui.errors import (
    ExchangeUnavailableError,
    MalformedResponseError,
    RateLimitedError,
    SpreadTooWideError,
    StorageError,
    UnknownPairError,
)
from valr_tui.exchange.stream import StreamState
from valr_tui.trading.market_data import MarketDataClient, SnapshotPolicy
from valr_tui.trading.market_rules import check_market
from valr_tui.trading.safety import SafetyState
from valr_tui.trading.views import ConnectionState, MarketView

from .market_fakes import (
    PAIRS,
    SETTINGS,
    FakeSource,
    FakeStream,
    book,
    make_rig,
    ticker,
    trade,
)


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    database = await Database.open(":memory:")
    yield database
    await database.close()


# --- views -----------------------------------------------------------------------------------
async def test_views_before_and_after_data(db: Database) -> None:
    rig = await make_rig(db)
    empty = rig.client.market("BTCZAR")
    assert (empty.ticker, empty.book, empty.updated_at, empty.stale) == (None, None, None, True)
    assert rig.client.pairs == PAIRS

    rig.client.apply_update(ticker("BTCZAR", last="1000500"))
    rig.client.apply_update(book("BTCZAR"))
    rig.client.apply_update(trade("BTCZAR", "1000700"))
    view = rig.client.market("BTCZAR")
    assert view.ticker is not None and view.ticker.last == Decimal("1000500")
    assert view.book is not None and view.book.best_ask == Decimal("1001000")
    assert view.updated_at == rig.clock.now and not view.stale
    assert view.history == (Decimal("1000500"), Decimal("1000700"))
    assert rig.client.market("ETHZAR").ticker is None  # pairs are independent


async def test_a_book_update_hands_out_the_same_history_and_tape_it_did_not_change(db: Database) -> None:
    rig = await make_rig(db)
    rig.client.apply_update(ticker("BTCZAR", last="1000500"))
    rig.client.apply_update(trade("BTCZAR", "1000700"))
    before = rig.client.market("BTCZAR")
    rig.client.apply_update(book("BTCZAR"))
    after = rig.client.market("BTCZAR")
    # built once per change, not copied for every update (120 prices and 50 trades a view)
    assert after.history is before.history and after.trades is before.trades
    rig.client.apply_update(trade("BTCZAR", "1000800"))
    moved = rig.client.market("BTCZAR")
    assert moved.history == (Decimal("1000500"), Decimal("1000700"), Decimal("1000800"))
    assert [t.price for t in moved.trades] == [Decimal("1000800"), Decimal("1000700")]
    assert before.history == (Decimal("1000500"), Decimal("1000700"))  # a view handed out stays as it was


async def test_unknown_pair_is_a_coded_error_and_foreign_updates_are_ignored(db: Database) -> None:
    rig = await make_rig(db)
    with pytest.raises(UnknownPairError):
        rig.client.market("DOGEZAR")
    rig.client.apply_update(ticker("DOGEZAR"))
    assert rig.client.stats.updates_ignored == 1


async def test_stale_exactly_after_stale_after_s(db: Database) -> None:
    rig = await make_rig(db)
    rig.client.apply_update(ticker())
    rig.clock.advance(30)
    assert not rig.client.market("BTCZAR").stale
    rig.clock.advance(0.001)
    assert rig.client.market("BTCZAR").stale


async def test_history_is_bounded_oldest_first(db: Database) -> None:
    rig = await make_rig(db)
    client = MarketDataClient(rig.source, SETTINGS, rig.safety, clock=rig.clock, history_len=3)
    for price in ("1", "2", "3", "4", "5"):
        client.apply_update(ticker(bid=price, ask=price, last=price))
    assert client.market("BTCZAR").history == (Decimal(3), Decimal(4), Decimal(5))


async def test_crossed_quote_is_flagged_not_fresh(db: Database) -> None:
    rig = await make_rig(db)
    rig.client.apply_update(ticker())
    first = rig.clock.now
    rig.clock.advance(10)
    rig.client.apply_update(ticker(bid="1002000", ask="1001000"))  # ask < bid
    view = rig.client.market("BTCZAR")
    assert view.ticker is not None and view.ticker.crossed
    assert view.updated_at == first  # not counted as fresh data
    assert rig.client.stats.crossed_updates == 1
    problems = check_market(view, rig.clock.now, SETTINGS)
    assert [type(p) for p in problems] == [SpreadTooWideError]
    assert "crossed book" in problems[0].message

    rig.client.apply_update(book(bid="1002000", ask="1001000"))
    assert rig.client.market("BTCZAR").updated_at == first
    rig.client.apply_update(ticker())
    rig.client.apply_update(book())
    assert rig.client.market("BTCZAR").updated_at == rig.clock.now


# --- polling ---------------------------------------------------------------------------------
async def test_polls_every_interval_without_a_stream(db: Database) -> None:
    rig = await make_rig(db)
    assert rig.client.connection_state() is ConnectionState.CONNECTING
    assert await rig.client.poll_once()
    # Non-essential: one market-summary call for every pair, then a book per pair.
    assert rig.source.calls == [("tickers", "*", False)] + [("orderbook", pair, False) for pair in PAIRS]
    assert rig.client.connection_state() is ConnectionState.REST
    view = rig.client.market("ETHZAR")
    assert view.ticker is not None and view.ticker.source == "rest" and view.book is not None

    rig.clock.advance(4.9)
    assert not await rig.client.poll_once()
    assert len(rig.source.calls) == 3
    rig.clock.advance(0.1)
    assert await rig.client.poll_once()
    assert len(rig.source.calls) == 6


async def test_stream_up_polls_only_as_cross_check(db: Database) -> None:
    stream = FakeStream(StreamState.CONNECTED)
    rig = await make_rig(db, stream=stream)
    assert rig.client.connection_state() is ConnectionState.WS
    assert await rig.client.poll_once()  # the first round always runs
    calls = len(rig.source.calls)
    for _ in range(5):  # fresh WS data every interval: no polling until the 6th interval
        rig.clock.advance(5)
        for pair in PAIRS:
            rig.client.apply_update(ticker(pair))
        assert not await rig.client.poll_once()
    assert len(rig.source.calls) == calls
    rig.clock.advance(5)
    assert await rig.client.poll_once()
    assert len(rig.source.calls) == calls + 3
    assert rig.client.connection_state() is ConnectionState.WS


async def test_quiet_pair_on_a_live_stream_is_refreshed_by_rest(db: Database) -> None:
    stream = FakeStream(StreamState.CONNECTED)
    rig = await make_rig(db, stream=stream)
    await rig.client.poll_once()
    rig.clock.advance(10)
    rig.client.apply_update(ticker("BTCZAR"))
    rig.client.apply_update(ticker("ETHZAR"))
    rig.clock.advance(10)  # both pairs 10 s old: not quiet yet
    assert not await rig.client.poll_once()
    rig.clock.advance(5)  # 15 s = STALE_AFTER_S / 2: refresh before it goes stale
    assert await rig.client.poll_once()


async def test_stream_drop_falls_back_to_rest_at_once_and_back(db: Database) -> None:
    stream = FakeStream(StreamState.CONNECTED)
    rig = await make_rig(db, stream=stream)
    await rig.client.poll_once()
    rig.clock.advance(1)
    assert not await rig.client.poll_once()
    stream.state = StreamState.DOWN
    assert await rig.client.poll_once()  # no waiting for the interval
    assert rig.client.connection_state() is ConnectionState.REST
    rig.clock.advance(5)
    assert await rig.client.poll_once()  # every interval while down
    stream.state = StreamState.CONNECTED
    assert rig.client.connection_state() is ConnectionState.WS
    rig.clock.advance(5)
    for pair in PAIRS:
        rig.client.apply_update(ticker(pair))
    assert not await rig.client.poll_once()


async def test_no_polling_while_bucket_is_essential_only(db: Database) -> None:
    rig = await make_rig(db)
    rig.source.bucket.essential_only = True
    assert not await rig.client.poll_once()
    assert not await rig.client.poll_once(force=True)
    assert rig.source.calls == []
    assert rig.client.stats.polls_skipped_essential == 2
    rig.clock.advance(1)
    rig.source.bucket.essential_only = False
    assert not await rig.client.poll_once()  # skipped, not queued: waits for the next interval
    rig.clock.advance(4)
    assert await rig.client.poll_once()


async def test_bucket_entering_essential_only_stops_the_round(db: Database) -> None:
    source = FakeSource()
    rig = await make_rig(db, source=source)

    async def get_market_summaries(*, essential: bool = False):  # type: ignore[no-untyped-def]
        source.calls.append(("tickers", "*", essential))
        source.bucket.essential_only = True  # the bucket ran low during the round
        return [ticker(pair, source="rest") for pair in PAIRS]

    source.get_market_summaries = get_market_summaries  # type: ignore[method-assign]
    assert await rig.client.poll_once()
    assert source.calls == [("tickers", "*", False)]


async def test_polls_never_overlap(db: Database) -> None:
    source = FakeSource(gate=asyncio.Event())
    rig = await make_rig(db, source=source)
    first = asyncio.create_task(rig.client.poll_once())
    await asyncio.sleep(0)
    assert len(source.calls) == 1  # holding inside the first fetch
    assert not await rig.client.poll_once(force=True)
    assert rig.client.stats.polls_refused_overlap == 1
    assert len(source.calls) == 1
    assert source.gate is not None
    source.gate.set()
    assert await first
    assert len(source.calls) == 3


@pytest.mark.parametrize(
    "error",
    [
        ExchangeUnavailableError("connect timeout"),
        MalformedResponseError("market summary: missing field 'askPrice'"),
        RateLimitedError("429"),
        RuntimeError("something unexpected"),
    ],
)
async def test_fetch_failures_are_counted_never_raised(db: Database, error: Exception) -> None:
    rig = await make_rig(db)
    rig.source.error = error
    assert not await rig.client.poll_once()
    assert rig.client.stats.fetch_failures == 3  # the all-pairs summary and two books
    assert rig.client.connection_state() is ConnectionState.DOWN
    rig.source.error = None
    rig.clock.advance(5)
    assert await rig.client.poll_once()
    assert rig.client.connection_state() is ConnectionState.REST


async def test_failure_logs_carry_code_only_for_unknown_errors(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    rig = await make_rig(db)
    rig.source.error = RuntimeError("token=super-secret-value")
    with caplog.at_level("DEBUG"):
        await rig.client.poll_once()
    assert "RuntimeError" in caplog.text
    assert "super-secret-value" not in caplog.text


# --- safety ----------------------------------------------------------------------------------
async def test_safe_idle_after_60s_without_data_and_cleared_by_fresh_data(db: Database) -> None:
    rig = await make_rig(db)
    for pair in PAIRS:
        rig.client.apply_update(ticker(pair))
    rig.clock.advance(60)
    await rig.client.check_health()
    assert rig.safety.state is SafetyState.NORMAL  # stale (60 > 30) but not yet 60 s
    rig.clock.advance(0.5)
    await rig.client.check_health()
    assert rig.safety.state is SafetyState.SAFE_IDLE
    assert "market data unreachable" in rig.safety.reason
    await rig.client.check_health()  # idempotent: one audit row per transition

    rig.client.apply_update(ticker("BTCZAR"))
    await rig.client.check_health()
    assert rig.safety.state is SafetyState.SAFE_IDLE  # ETHZAR is still without data
    rig.client.apply_update(ticker("ETHZAR"))
    await rig.client.check_health()
    assert rig.safety.state is SafetyState.NORMAL

    events = [e.event_type for e in await AuditRepository(db).query(newest_first=False)]
    assert events == ["SAFETY_ENTER", "SAFETY_LEAVE"]


async def test_safe_idle_counts_from_start_when_no_data_ever_came(db: Database) -> None:
    rig = await make_rig(db)
    rig.clock.advance(60)
    await rig.client.check_health()
    assert rig.safety.state is SafetyState.NORMAL
    rig.clock.advance(1)
    await rig.client.check_health()
    assert rig.safety.state is SafetyState.SAFE_IDLE


async def test_health_check_publishes_a_view_when_a_pair_goes_stale(db: Database) -> None:
    rig = await make_rig(db)
    seen: list[MarketView] = []
    rig.client.apply_update(ticker())
    rig.client.add_listener(seen.append)
    await rig.client.check_health()
    assert seen == []
    rig.clock.advance(31)
    await rig.client.check_health()
    assert [(v.pair, v.stale) for v in seen] == [("BTCZAR", True)]


# --- snapshots -------------------------------------------------------------------------------
class CountingRepository(SnapshotRepository):
    def __init__(self, db: Database, fail: bool = False) -> None:
        super().__init__(db)
        self.batches: list[int] = []
        self.fail = fail

    async def insert_many(self, rows):  # type: ignore[no-untyped-def]
        if self.fail:
            raise StorageError("disk I/O error")
        self.batches.append(len(rows))
        return await super().insert_many(rows)


async def test_snapshots_are_batched_into_one_insert(db: Database) -> None:
    rig = await make_rig(db)
    repo = CountingRepository(db)
    client = MarketDataClient(rig.source, SETTINGS, rig.safety, repo, clock=rig.clock)
    for i in range(250):
        client.apply_update(ticker("BTCZAR" if i % 2 else "ETHZAR", last=str(1000 + i)))
    client.apply_update(book())  # books and trades are not snapshotted
    client.apply_update(trade())
    assert await repo.count() == 0  # buffered, not yet written
    assert await client.flush_snapshots() == 250
    assert repo.batches == [250]
    assert await client.flush_snapshots() == 0
    newest = (await repo.last_n("BTCZAR", 1))[0]
    assert newest.last == Decimal(1249) and newest.source == "ws"
    assert newest.captured_at == int(rig.clock.now * 1000)


async def test_an_unchanged_quote_is_stored_again_only_after_unchanged_every_s(db: Database) -> None:
    rig = await make_rig(db, policy=SnapshotPolicy(unchanged_every_s=60))
    client = rig.client
    client.apply_update(ticker(last="100"))
    rig.clock.advance(1)
    client.apply_update(ticker(last="100", source="rest"))  # the same quote (a cross-check poll)
    client.apply_update(ticker("ETHZAR", last="100"))  # another pair's first: stored
    rig.clock.advance(1)
    client.apply_update(ticker(last="101"))  # changed: stored
    rig.clock.advance(1)
    client.apply_update(ticker(last="100"))  # changed back: stored
    rig.clock.advance(59.9)
    client.apply_update(ticker(last="100"))  # unchanged, 59.9 s after its row
    rig.clock.advance(0.1)
    client.apply_update(ticker(last="100"))  # unchanged, 60 s after: stored again
    assert client.stats.snapshots_unchanged == 2
    assert await client.flush_snapshots() == 5
    rows = list(reversed(await SnapshotRepository(db).last_n("BTCZAR", 10)))
    assert [row.last for row in rows] == [Decimal(v) for v in (100, 101, 100, 100)]
    assert rows[-1].captured_at - rows[-2].captured_at == 60_000


async def test_snapshot_failure_keeps_rows_for_the_next_flush(db: Database) -> None:
    rig = await make_rig(db)
    repo = CountingRepository(db, fail=True)
    policy = SnapshotPolicy(max_buffered=5)
    client = MarketDataClient(
        rig.source, SETTINGS, rig.safety, repo, clock=rig.clock, snapshot_policy=policy
    )
    for i in range(4):
        client.apply_update(ticker(last=str(100 + i)))
    assert await client.flush_snapshots() == 0
    assert client.stats.snapshot_failures == 1
    for i in range(3):
        client.apply_update(ticker(last=str(200 + i)))
    assert client.buffered_snapshots == 5  # bounded: the two oldest went
    assert client.stats.snapshots_dropped == 2
    repo.fail = False
    assert await client.flush_snapshots() == 5
    kept = [row.last for row in reversed(await repo.last_n("BTCZAR", 10))]
    assert kept == [Decimal(v) for v in (102, 103, 200, 201, 202)]


async def test_retention_keeps_newest_rows_per_pair_and_drops_old_ones(db: Database) -> None:
    policy = SnapshotPolicy(retention_days=1, keep_per_pair=3)
    rig = await make_rig(db, policy=policy)
    repo = SnapshotRepository(db)
    now_ms = int(rig.clock.now * 1000)
    old = now_ms - 2 * 86_400_000
    rows = [SnapshotRow("ETHZAR", Decimal(1), Decimal(2), Decimal(1), Decimal(1), "rest", old)]
    rows += [
        SnapshotRow("BTCZAR", Decimal(1), Decimal(2), Decimal(i), Decimal(1), "ws", now_ms - i)
        for i in range(10)
    ]
    await repo.insert_many(rows)
    assert await rig.client.enforce_retention() == 8
    assert await repo.count("ETHZAR") == 0
    assert [r.last for r in await repo.last_n("BTCZAR", 10)] == [Decimal(0), Decimal(1), Decimal(2)]


# --- subscribers -----------------------------------------------------------------------------
async def test_slow_subscriber_gets_the_newest_and_never_blocks(db: Database) -> None:
    rig = await make_rig(db)
    newest_only = rig.client.subscribe()
    last_three = rig.client.subscribe(maxsize=3)
    for i in range(10):
        rig.client.apply_update(ticker(last=str(100 + i)))  # nobody reads: must not block
    got = await asyncio.wait_for(anext(newest_only), 1)
    assert got.ticker is not None and got.ticker.last == Decimal(109)
    assert newest_only.dropped == 9
    lasts = [(await anext(last_three)).history[-1] for _ in range(3)]
    assert lasts == [Decimal(107), Decimal(108), Decimal(109)]
    assert rig.client.stats.subscriber_drops == 9 + 7


async def test_subscription_close_ends_iteration_and_unsubscribes(db: Database) -> None:
    rig = await make_rig(db)
    received: list[MarketView] = []

    subscription = rig.client.subscribe()

    async def consume() -> None:
        async with subscription:
            async for view in subscription:
                received.append(view)
                if len(received) == 2:
                    break

    task = asyncio.create_task(consume())
    for price in ("1", "2"):
        rig.client.apply_update(ticker(last=price))
        await asyncio.sleep(0)
    await asyncio.wait_for(task, 1)
    assert [v.history[-1] for v in received] == [Decimal(1), Decimal(2)]
    rig.client.apply_update(ticker(last="3"))  # no subscriber left: nothing queued anywhere
    assert rig.client.stats.subscriber_drops == 0

    waiting = rig.client.subscribe()
    reader = asyncio.create_task(anext(waiting))
    await asyncio.sleep(0)
    waiting.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(reader, 1)


async def applied_counts_seen_by_another_task(db: Database, *, report_waiting: bool) -> set[int]:
    """Three updates queued before the stream loop starts; the counts of applied updates another
    task sees at each of its turns meanwhile."""
    stream = FakeStream(StreamState.CONNECTED)
    stream.report_waiting = report_waiting
    rig = await make_rig(db, stream=stream)
    for price in ("1", "2", "3"):
        stream.queue.put_nowait(ticker(last=price))
    seen: set[int] = set()
    consumer = asyncio.create_task(rig.client._stream_loop())
    for _ in range(20):
        await asyncio.sleep(0)
        seen.add(rig.client.stats.updates_applied)
    assert rig.client.stats.updates_applied == 3 and stream.queue.empty()
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    return seen


async def test_stream_loop_lets_others_run_between_updates_while_more_are_waiting(db: Database) -> None:
    seen = await applied_counts_seen_by_another_task(db, report_waiting=True)
    assert {1, 2} <= seen  # each update was seen before the next was applied


async def test_stream_loop_costs_no_extra_loop_turn_when_nothing_is_waiting(db: Database) -> None:
    # the stream says nothing is waiting (as after the last frame of a burst): no sleep(0) after
    # an update, so no other task runs between them here
    seen = await applied_counts_seen_by_another_task(db, report_waiting=False)
    assert seen <= {0, 3}


async def test_failing_listener_does_not_break_the_feed(db: Database) -> None:
    rig = await make_rig(db)
    seen: list[str] = []

    def broken(_view: MarketView) -> None:
        raise ValueError("listener bug")

    rig.client.add_listener(broken)
    remove = rig.client.add_listener(lambda v: seen.append(v.pair))
    rig.client.apply_update(ticker("ETHZAR"))
    assert seen == ["ETHZAR"] and rig.client.stats.listener_errors == 1
    remove()
    rig.client.apply_update(ticker("ETHZAR"))
    assert seen == ["ETHZAR"]


# --- run() -----------------------------------------------------------------------------------
FAST = SETTINGS.with_overrides(poll_interval_s=Decimal("0.02"))


async def test_run_survives_every_kind_of_failure(db: Database) -> None:
    source = FakeSource(error=ExchangeUnavailableError("down"))
    streams_built = 0

    def broken_stream() -> FakeStream:
        nonlocal streams_built
        streams_built += 1
        if streams_built % 2:
            raise OSError("cannot build")
        return FakeStream(StreamState.CONNECTING, error=ConnectionResetError("dropped"))

    from valr_tui.trading.clock import system_clock
    from valr_tui.trading.safety import SafetyController

    client = MarketDataClient(
        source, FAST, SafetyController(db), CountingRepository(db, fail=True),
        clock=system_clock, stream_factory=broken_stream, tick_s=0.01,
        snapshot_policy=SnapshotPolicy(flush_interval_s=0.01),
    )
    client.apply_update(ticker())  # something to (fail to) flush
    task = asyncio.create_task(client.run())
    await asyncio.sleep(1.2)  # long enough for a stream rebuild (STREAM_RESTART_S)
    assert not task.done()
    assert client.stats.fetch_failures >= 4
    assert client.stats.snapshot_failures >= 1
    assert client.stats.loop_restarts >= 1  # the stream factory raised
    assert client.stats.stream_failures >= 1  # the stream's updates() raised
    assert client.connection_state() is ConnectionState.DOWN
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_run_delivers_stream_updates_and_flushes_snapshots(db: Database) -> None:
    stream = FakeStream(StreamState.CONNECTED)
    repo = SnapshotRepository(db)
    from valr_tui.trading.clock import system_clock
    from valr_tui.trading.safety import SafetyController

    client = MarketDataClient(
        FakeSource(), FAST, SafetyController(db), repo, clock=system_clock,
        stream_factory=lambda: stream, tick_s=0.01,
        snapshot_policy=SnapshotPolicy(flush_interval_s=0.05),
    )
    subscription = client.subscribe(maxsize=10)
    task = asyncio.create_task(client.run())
    try:
        await stream.queue.put(ticker("ETHZAR", "50000", "50050", "50020"))
        while True:  # REST round(s) and the WS update arrive in some order
            view = await asyncio.wait_for(anext(subscription), 2)
            if view.ticker is not None and view.ticker.source == "ws":
                break
        assert view.pair == "ETHZAR" and view.ticker is not None
        assert view.ticker.last == Decimal("50020")
        assert client.connection_state() is ConnectionState.WS
        for _ in range(100):
            if await repo.count("ETHZAR"):
                break
            await asyncio.sleep(0.02)
        assert await repo.count("ETHZAR") >= 1
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert stream.closed


async def test_without_a_key_polling_stays_inside_valr_s_30_public_calls_a_minute(db: Database) -> None:
    # A 1 s poll interval and no stream: unbudgeted, a round of 1 summary + 2 books a second
    # would be 180 public calls a minute against VALR's 30 per IP.
    settings = SETTINGS.with_overrides(poll_interval_s=Decimal("1"))
    rig = await make_rig(db, settings=settings, source=FakeSource(has_credentials=False))
    rig.clock.now = 1_760_000_040.0  # the start of a calendar minute
    for _ in range(60):
        await rig.client.poll_once()
        rig.clock.advance(1)
    public_calls = len(rig.source.calls)  # every call is public without a key
    assert 20 <= public_calls <= 30
    # Tickers come first: every round that ran fetched the one all-pairs summary.
    assert [kind for kind, _pair, _ in rig.source.calls].count("tickers") >= 8
    assert rig.client.stats.polls_skipped_public_budget > 0


async def test_with_a_key_books_do_not_spend_the_public_budget(db: Database) -> None:
    settings = SETTINGS.with_overrides(poll_interval_s=Decimal("1"))
    rig = await make_rig(db, settings=settings, source=FakeSource(has_credentials=True))
    rig.clock.now = 1_760_000_040.0
    for _ in range(60):
        await rig.client.poll_once()
        rig.clock.advance(1)
    kinds = [kind for kind, _pair, _ in rig.source.calls]
    assert kinds.count("tickers") <= 30  # public: budgeted
    assert kinds.count("orderbook") == 2 * 60  # signed twin: every round, both pairs
