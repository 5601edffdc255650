"""Post-only and time in force: the paper venue and the simulator give the same outcome (state,
filled quantity, VALR's failure reason) for the same book and the same order, for every option
combination; the order form's refusals and the options' journey to storage and audit."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from storage.audit import AuditRepository
from storage.orders import OrderState
from tests.trading.order_fakes import build, close_dbs, settings, view
from valr_tui.errors import InvalidTimeInForceError
from valr_tui.simulator.exchange import SimExchange
from valr_tui.simulator.market import Level
from valr_tui.trading.clock import ManualClock
from valr_tui.trading.matching import FOK_NOT_FILLED, POST_ONLY_WOULD_MATCH
from valr_tui.trading.price_band import options_note
from valr_tui.trading.views import OrderRequest

D = Decimal
ASKS = (("1001000", "0.0005"), ("1002000", "0.0003"))
BIDS = (("1000000", "0.0004"), ("999000", "0.0006"))
SIM_STATE = {"Placed": OrderState.OPEN, "Partially Filled": OrderState.PARTIALLY_FILLED,
             "Filled": OrderState.FILLED, "Cancelled": OrderState.CANCELLED, "Failed": OrderState.FAILED}
# price: resting (does not reach the other side), one level across, two levels across
PRICES = {"BUY": ("999500", "1001000", "1002000"), "SELL": ("1000500", "1000000", "999000")}
QUANTITIES = ("0.0003", "0.002")  # fits in the first level / more than the book offers
OPTIONS = ((False, "GTC"), (False, "IOC"), (False, "FOK"), (True, "GTC"))

CASES = [
    (side, price, quantity, post_only, tif)
    for side in ("BUY", "SELL")
    for price, quantity, (post_only, tif) in itertools.product(PRICES[side], QUANTITIES, OPTIONS)
]


@pytest.fixture(autouse=True)
async def _close_dbs() -> AsyncIterator[None]:
    yield
    await close_dbs()


Outcome = tuple[OrderState, Decimal, str]


def simulated(side: str, price: str, quantity: str, post_only: bool, tif: str) -> Outcome:
    exchange = SimExchange("key", seed=1, clock=ManualClock(1_760_000_000.0))
    market = exchange.markets["BTCZAR"]
    market.asks = [Level(D(p), D(q), 1) for p, q in ASKS]
    market.bids = [Level(D(p), D(q), 1) for p, q in BIDS]
    order = exchange.place_limit_order({"pair": "BTCZAR", "side": side, "price": price,
                                        "quantity": quantity, "postOnly": post_only, "timeInForce": tif})
    return SIM_STATE[order.status], order.original_quantity - order.remaining_quantity, order.failed_reason


async def papered(side: str, price: str, quantity: str, post_only: bool, tif: str) -> Outcome:
    h = await build(settings(dry_run_wallet_btc=D("1")))
    h.market.views["BTCZAR"] = view("BTCZAR", BIDS[0][0], ASKS[0][0], "1000500", asks=ASKS, bids=BIDS)
    result = await h.manager.submit(OrderRequest("BTCZAR", side, price, quantity, post_only=post_only,
                                                 time_in_force=tif))
    record = await h.manager.repo.get(result.correlation_id, "DRY_RUN")
    assert record is not None and (record.post_only, record.time_in_force) == (post_only, tif)
    reason = ""
    if record.state is OrderState.FAILED:
        [failed] = await AuditRepository(h.db).query(correlation_id=result.correlation_id,
                                                     event_types=("ORDER_FAILED",))
        reason = next(r for r in (POST_ONLY_WOULD_MATCH, FOK_NOT_FILLED) if r in failed.message)
    return record.state, record.filled_quantity, reason


@pytest.mark.parametrize(("side", "price", "quantity", "post_only", "tif"), CASES)
async def test_paper_and_simulator_agree_on_every_option(
    side: str, price: str, quantity: str, post_only: bool, tif: str
) -> None:
    expected = simulated(side, price, quantity, post_only, tif)
    assert await papered(side, price, quantity, post_only, tif) == expected


def test_the_table_covers_every_outcome() -> None:
    """The cases reach each outcome at least once (a table that only rests proves nothing)."""
    outcomes = {simulated(*case)[0] for case in CASES}
    reasons = {simulated(*case)[2] for case in CASES}
    assert outcomes == {OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.FILLED,
                        OrderState.CANCELLED, OrderState.FAILED}
    assert reasons == {"", POST_ONLY_WOULD_MATCH, FOK_NOT_FILLED}


@pytest.mark.parametrize(("post_only", "tif"), [(True, "IOC"), (True, "FOK"), (False, "GTD"),
                                                (False, "")])
async def test_post_only_with_ioc_or_fok_and_unknown_tif_are_refused_with_a_code(
    post_only: bool, tif: str
) -> None:
    h = await build()
    request = OrderRequest("BTCZAR", "BUY", "999000", "0.001", post_only=post_only, time_in_force=tif)
    assert [p.code for p in h.manager.preview(request).problems] == [InvalidTimeInForceError.code]
    with pytest.raises(InvalidTimeInForceError):
        await h.manager.submit(request)
    assert await h.manager.orders() == []  # nothing stored, nothing sent


async def test_options_are_in_the_audit_story_and_ioc_rest_is_released() -> None:
    h = await build()
    h.market.views["BTCZAR"] = view("BTCZAR", BIDS[0][0], ASKS[0][0], "1000500", asks=ASKS, bids=BIDS)
    result = await h.manager.submit(OrderRequest("BTCZAR", "BUY", "1001000", "0.001", time_in_force="IOC"))
    assert result.state is OrderState.CANCELLED
    story = await AuditRepository(h.db).query(correlation_id=result.correlation_id, newest_first=False)
    assert "IOC" in story[0].message
    assert any("IOC: the part that did not fill at once is cancelled" in e.message for e in story)
    assert h.paper is not None
    assert {b.currency: b.reserved for b in h.paper.balances_now()}["ZAR"] == 0


@pytest.mark.parametrize(("side", "price", "quantity", "post_only", "tif", "note"), [
    ("BUY", "1001000", "0.001", False, "FOK", "FOK: book has only 0.0005 at this price → fails"),
    ("BUY", "1002000", "0.0008", False, "FOK", "FOK: fills 0.0008 in full now"),
    ("BUY", "1001000", "0.001", False, "IOC", "IOC: fills 0.0005 now, rest cancelled"),
    ("BUY", "999500", "0.001", False, "IOC", "IOC: nothing fills at this price → cancelled at once"),
    ("SELL", "1000000", "0.0004", False, "IOC", "IOC: fills 0.0004 in full now"),
    ("BUY", "1001000", "0.001", True, "GTC", "post-only: would cross → it fails (never placed as a taker)"),
    ("SELL", "1000500", "0.001", True, "GTC", "post-only: rests as maker (fails if it would match)"),
    ("BUY", "1001000", "0.001", False, "GTC", None),
])
def test_the_preview_says_what_the_options_mean_for_this_order(
    side: str, price: str, quantity: str, post_only: bool, tif: str, note: str | None
) -> None:
    market = view("BTCZAR", BIDS[0][0], ASKS[0][0], "1000500", asks=ASKS, bids=BIDS)
    assert options_note(side, D(price), D(quantity), market, post_only=post_only, time_in_force=tif) == note
