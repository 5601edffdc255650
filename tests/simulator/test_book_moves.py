"""The simulated book moves as a real one: levels keep their prices and a tick changes a few."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valr_tui.simulator import market as market_module
from valr_tui.simulator.catalogue import CATALOGUE
from valr_tui.simulator.exchange import SimExchange
from valr_tui.simulator.market import BOOK_LEVELS, MAX_RESIZED_PER_TICK, Level, PairMarket
from valr_tui.trading.clock import ManualClock

from .conftest import START

Side = dict[Decimal, tuple[Decimal, int]]


def sides(market: PairMarket) -> tuple[Side, Side]:
    def side(levels: list[Level]) -> Side:
        return {level.price: (level.quantity, level.order_count) for level in levels}

    return side(market.asks), side(market.bids)


def changed(before: Side, after: Side) -> int:
    """Levels of ``after`` that are new or resized since ``before``."""
    return sum(1 for price, size in after.items() if before.get(price) != size)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), pair=st.sampled_from(sorted(CATALOGUE)))
def test_a_tick_moves_a_few_levels_and_keeps_the_book_sound(seed: int, pair: str) -> None:
    ex = SimExchange("key", seed=seed, pairs=(pair,), clock=ManualClock(START))
    market = ex.markets[pair]
    tick = market.info.tick_size
    for _ in range(30):
        before, mid_before, step = sides(market), market.mid, market.grid_step
        ex.step()
        after = sides(market)
        asks, bids = [level.price for level in market.asks], [level.price for level in market.bids]
        assert len(asks) == BOOK_LEVELS and 0 < len(bids) <= BOOK_LEVELS
        assert asks == sorted(asks) and bids == sorted(bids, reverse=True)
        assert bids[0] < market.mid < asks[0]  # never crossed, the mid inside
        assert all(price % tick == 0 and price > 0 for price in asks + bids)
        half = market.mid * market.spread_pct / 200
        assert asks[0] - market.mid >= half - tick and market.mid - bids[0] >= half - tick
        assert asks[0] - market.mid <= half + step + tick and market.mid - bids[0] <= half + step + tick
        if market.grid_step == step:  # same grid: levels kept their prices
            moved = abs(market.mid - mid_before) / step + 2  # grid prices the mid passed, a side
            for old, new in zip(before, after, strict=True):
                assert changed(old, new) <= moved + MAX_RESIZED_PER_TICK


def test_levels_keep_their_prices_and_sizes_across_ticks() -> None:
    ex = SimExchange("key", seed=5, clock=ManualClock(START))
    market = ex.markets["BTCZAR"]
    kept = []
    for _ in range(50):
        (asks, bids) = sides(market)
        ex.step()
        new_asks, new_bids = sides(market)
        kept.append(sum(1 for p in asks if new_asks.get(p) == asks[p]) + sum(
            1 for p in bids if new_bids.get(p) == bids[p]))
    # a walk of up to 15 bps on a 2 bps grid: most of the 80 levels stay exactly as they were
    assert sum(kept) / len(kept) > 55


def test_a_taken_level_stays_taken_and_an_emptied_one_is_refilled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(market_module, "MAX_RESIZED_PER_TICK", 0)  # no random resizes in this test
    ex = SimExchange("key", seed=5, clock=ManualClock(START))
    market = ex.markets["BTCZAR"]
    monkeypatch.setattr(market, "walk", lambda: None)  # hold the mid: only the book moves
    best, second = market.asks[0], market.asks[1]
    market.take("BUY", second.price, best.quantity + second.quantity / 2)
    left = second.quantity
    assert market.asks[0] is second and left > 0
    ex.step()
    asks = {level.price: level.quantity for level in market.asks}
    assert asks[second.price] == left  # taken liquidity is not handed back
    assert best.price in asks and market.asks[0].price == best.price  # the emptied level refilled
    assert len(asks) == BOOK_LEVELS
