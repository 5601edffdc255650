"""Property 11 (market data staleness and Safe-Idle) and Property 12 (spread rejection)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from storage.db import Database
from tests.trading.market_fakes import FakeSource
from valr_tui.config import Settings
from valr_tui.errors import SpreadTooWideError
from valr_tui.exchange.models import BookLevel, OrderBook, TickerData, spread_pct
from valr_tui.trading.clock import ManualClock
from valr_tui.trading.market_data import MarketDataClient
from valr_tui.trading.market_rules import check_market
from valr_tui.trading.safety import SafetyController, SafetyState
from valr_tui.trading.views import MarketView

D = Decimal
ONE_PAIR = Settings(pairs=("BTCZAR",), db_path=":memory:")
START = 1_760_000_000.0


def _ticker(bid: Decimal, ask: Decimal) -> TickerData:
    return TickerData("BTCZAR", bid, ask, bid, D(0), D(0), D(0), D(0), D(0), D(0), "", 0.0, "ws")


# Offsets in seconds; the boundaries themselves are always in the mix.
offsets = st.one_of(
    st.floats(min_value=0, max_value=200, allow_nan=False),
    st.sampled_from([0.0, 29.999, 30.0, 30.001, 59.999, 60.0, 60.001, 120.0]),
)


@given(
    update_gaps=st.lists(offsets, max_size=5),
    wait=offsets,
)
def test_property_11_market_data_staleness(update_gaps: list[float], wait: float) -> None:
    """stale ⇔ age > STALE_AFTER_S; SAFE_IDLE ⇔ no good update for > SAFE_IDLE_AFTER_S (from start
    when none ever came); one fresh update leaves SAFE_IDLE."""

    async def scenario() -> None:
        db = await Database.open(":memory:")
        try:
            clock = ManualClock(START)
            safety = SafetyController(db, clock)
            client = MarketDataClient(FakeSource(), ONE_PAIR, safety, clock=clock)
            last_good = START  # SAFE_IDLE counts from start-up when nothing arrived yet
            for gap in update_gaps:
                clock.advance(gap)
                client.apply_update(_ticker(D(100), D(101)))
                last_good = clock.now
            clock.advance(wait)
            await client.check_health()

            age = clock.now - last_good
            view = client.market("BTCZAR")
            assert view.stale == (not update_gaps or age > float(ONE_PAIR.stale_after_s))
            expect_idle = age > float(ONE_PAIR.safe_idle_after_s)
            assert (safety.state is SafetyState.SAFE_IDLE) == expect_idle

            client.apply_update(_ticker(D(100), D(101)))
            await client.check_health()
            assert safety.state is SafetyState.NORMAL
            assert not client.market("BTCZAR").stale
        finally:
            await db.close()

    asyncio.run(scenario())


prices = st.decimals(min_value=D("0.00000001"), max_value=D("10000000"), places=8,
                     allow_nan=False, allow_infinity=False)
limits = st.decimals(min_value=D("0"), max_value=D("100"), places=3, allow_nan=False,
                     allow_infinity=False)


@given(bid=prices, ask=prices, limit=limits, with_book=st.booleans())
def test_property_12_spread_rejection(bid: Decimal, ask: Decimal, limit: Decimal, with_book: bool) -> None:
    """check_market rejects ⇔ crossed or spread_pct > MAX_SPREAD_PCT; accepted spreads are ≤ it."""
    settings = ONE_PAIR.with_overrides(max_spread_pct=limit)
    book = (
        OrderBook("BTCZAR", (BookLevel(ask, D(1)),), (BookLevel(bid, D(1)),)) if with_book else None
    )
    view = MarketView("BTCZAR", _ticker(bid, ask), book, START, False)
    problems = check_market(view, START, settings)
    spread_errors = [p for p in problems if isinstance(p, SpreadTooWideError)]
    assert len(problems) == len(spread_errors)  # fresh data: nothing else can be wrong

    crossed = ask < bid
    too_wide = not crossed and spread_pct(bid, ask) > limit
    assert bool(spread_errors) == (crossed or too_wide)
    if crossed:
        assert "crossed book" in spread_errors[0].message
    if not problems:
        assert ask >= bid and spread_pct(bid, ask) <= limit
