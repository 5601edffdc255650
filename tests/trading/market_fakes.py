"""Fakes and builders for the market-data, market-rules and snapshot tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from storage.db import Database
from valr_tui.config import Settings
from valr_tui.exchange.models import BookLevel, OrderBook, TickerData, Trade
from valr_tui.exchange.stream import StreamState
from valr_tui.trading.clock import ManualClock
from valr_tui.trading.market_data import MarketDataClient, MarketUpdate, SnapshotPolicy
from valr_tui.trading.safety import SafetyController

D = Decimal
PAIRS = ("BTCZAR", "ETHZAR")
SETTINGS = Settings(pairs=PAIRS, db_path=":memory:")


def ticker(
    pair: str = "BTCZAR",
    bid: str = "1000000",
    ask: str = "1001000",
    last: str | None = None,
    source: Literal["rest", "ws"] = "ws",
) -> TickerData:
    return TickerData(
        pair, D(bid), D(ask), D(last or bid), D(0), D(0), D(0), D(0), D(0), D(0), "", 0.0, source
    )


def book(pair: str = "BTCZAR", bid: str = "1000000", ask: str = "1001000", seq: int = 1) -> OrderBook:
    return OrderBook(pair, (BookLevel(D(ask), D("0.5")),), (BookLevel(D(bid), D("0.5")),), seq)


def trade(pair: str = "BTCZAR", price: str = "1000500") -> Trade:
    return Trade(pair, D(price), D("0.01"), "BUY", "", "t1")


@dataclass
class FakeBucket:
    essential_only: bool = False


@dataclass
class FakeSource:
    """Answers like VALRClient; can fail, or hold every fetch until ``gate`` opens."""

    bucket: FakeBucket = field(default_factory=FakeBucket)
    calls: list[tuple[str, str, bool]] = field(default_factory=list)
    error: Exception | None = None
    gate: asyncio.Event | None = None
    bid: str = "1000000"
    ask: str = "1001000"

    async def _answer(self, kind: str, pair: str, essential: bool) -> None:
        self.calls.append((kind, pair, essential))
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error

    has_credentials: bool = True
    pairs: tuple[str, ...] = ("BTCZAR", "ETHZAR")

    async def get_market_summaries(self, *, essential: bool = False) -> list[TickerData]:
        await self._answer("tickers", "*", essential)
        return [ticker(pair, self.bid, self.ask, source="rest") for pair in self.pairs]

    async def get_orderbook(self, pair: str, *, essential: bool = False) -> OrderBook:
        await self._answer("orderbook", pair, essential)
        return book(pair, self.bid, self.ask)


class FakeStream:
    """A stream whose state and updates the test controls."""

    def __init__(self, state: StreamState = StreamState.CONNECTED, error: Exception | None = None):
        self.state = state
        self.error = error
        self.queue: asyncio.Queue[MarketUpdate] = asyncio.Queue()
        self.closed = False
        self.report_waiting = True  # False: more_waiting() says no even with updates queued

    def more_waiting(self) -> bool:
        return self.report_waiting and not self.queue.empty()

    async def updates(self) -> AsyncIterator[MarketUpdate]:
        if self.error is not None:
            raise self.error
        while not self.closed:
            yield await self.queue.get()

    async def close(self) -> None:
        self.closed = True
        self.state = StreamState.DOWN


@dataclass
class Rig:
    client: MarketDataClient
    source: FakeSource
    safety: SafetyController
    clock: ManualClock
    db: Database


async def make_rig(
    db: Database,
    *,
    stream: FakeStream | None = None,
    settings: Settings = SETTINGS,
    snapshots: bool = True,
    policy: SnapshotPolicy | None = None,
    source: FakeSource | None = None,
) -> Rig:
    from storage.snapshots import SnapshotRepository

    clock = ManualClock()
    safety = SafetyController(db, clock)
    source = source or FakeSource()
    client = MarketDataClient(
        source,
        settings,
        safety,
        SnapshotRepository(db) if snapshots else None,
        clock=clock,
        stream_factory=(lambda: stream) if stream is not None else None,
        snapshot_policy=policy,
    )
    if stream is not None:
        client._stream = stream  # as run()'s stream loop would after building it
    return Rig(client, source, safety, clock, db)
