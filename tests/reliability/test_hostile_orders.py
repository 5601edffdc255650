"""Hostile input through the order manager (preview and submit, DRY_RUN and LIVE) and through the
dashboard's order form (the real engine on the simulator, typed with Pilot): every garbage amount
gets a coded VALR-... error and nothing is stored."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from textual.widgets import Input

from tests.reliability.helpers import KEY, SECRET, settings_for, wait_trading_ready
from tests.reliability.hostile import HOSTILE_AMOUNTS, hostile_amounts
from tests.trading.order_fakes import Harness, build, close_dbs, live_settings, settings
from tests.ui.fixtures import settle
from valr_tui.errors import ValrTuiError
from valr_tui.exchange.models import Balance
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.views import OrderRequest
from valr_tui.ui.app import ValrApp

T = TypeVar("T")
D = Decimal
VALID_PRICE, VALID_QUANTITY = "1000000", "0.001"  # R 1,000 against the fakes' BTCZAR market
WALLET = {"dry_run_wallet_zar": D("1000000"), "dry_run_wallet_btc": D("10")}


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop
        loop.run(close_dbs())


def run(loop: asyncio.Runner, make: Callable[[], Awaitable[T]]) -> T:
    return loop.run(make())  # type: ignore[arg-type]


async def harness(mode: str) -> Harness:
    h = await build(settings(**WALLET) if mode == "DRY_RUN" else live_settings())
    h.client.balances = [Balance("ZAR", D("1000000"), D(0), D("1000000")),
                         Balance("BTC", D("10"), D(0), D("10"))]
    await h.venue.balances()  # the venue's last known figures (LIVE's balance check)
    return h


async def stored_orders(h: Harness) -> int:
    row = await h.db.fetchone("SELECT COUNT(*) FROM trading_orders")
    assert row is not None
    return int(row[0])


async def assert_refused_and_not_stored(h: Harness, request: OrderRequest) -> str:
    problems = h.manager.preview(request).problems
    assert problems, f"garbage accepted by preview: {request}"
    assert all(p.code.startswith("VALR-") for p in problems)
    before, calls_before = await stored_orders(h), list(h.client.calls)
    with pytest.raises(ValrTuiError) as caught:
        await h.manager.submit(request)
    assert caught.value.code == problems[0].code
    assert caught.type is not ValrTuiError  # a specific coded class, not the bare base
    assert await stored_orders(h) == before
    assert h.client.calls == calls_before  # nothing reached the (fake) exchange
    return caught.value.code


@pytest.mark.parametrize("mode", ["DRY_RUN", "LIVE"])
def test_listed_garbage_amounts_are_refused_with_codes(runner: asyncio.Runner, mode: str) -> None:
    h = run(runner, lambda: harness(mode))
    assert not h.manager.preview(OrderRequest("BTCZAR", "BUY", VALID_PRICE, VALID_QUANTITY)).problems
    codes = set()
    for garbage in HOSTILE_AMOUNTS:
        for request in (OrderRequest("BTCZAR", "BUY", garbage, VALID_QUANTITY),
                        OrderRequest("BTCZAR", "SELL", VALID_PRICE, garbage)):
            codes.add(run(runner, lambda r=request: assert_refused_and_not_stored(h, r)))  # type: ignore[misc]
    assert codes <= {"VALR-ORD-004", "VALR-ORD-005", "VALR-ORD-006", "VALR-ORD-007"}, codes
    run(runner, close_dbs)


@hsettings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=hostile_amounts, where=st.sampled_from(["price", "quantity", "both"]),
       mode=st.sampled_from(["DRY_RUN", "LIVE"]),
       side=st.sampled_from(["BUY", "SELL"]), pair=st.sampled_from(["BTCZAR", "ETHZAR"]))
def test_property_51_hostile_amounts_get_coded_errors_and_store_nothing(
    runner: asyncio.Runner, garbage: str, where: str, mode: str, side: str, pair: str
) -> None:
    h = run(runner, lambda: harness(mode))
    price = garbage if where in ("price", "both") else ("1000000" if pair == "BTCZAR" else "50000")
    quantity = garbage if where in ("quantity", "both") else VALID_QUANTITY
    run(runner, lambda: assert_refused_and_not_stored(h, OrderRequest(pair, side, price, quantity)))
    run(runner, close_dbs)


# --- the order form, typed, against the real engine on the simulator ------------------------------
# Typed key by key (~0.15 s a key). Emoji are pasted only: Pilot cannot press them (their key
# names do not map back to a character).
TYPED = ("١٢٣", "１２３", "1e5", "NaN", "-0", "")


async def form_session(tmp_path: Path, typed: tuple[str, ...], pasted: list[tuple[str, str]]) -> list[str]:
    """Type ``typed`` (as prices) and paste ``pasted`` into the form, submitting each, then a valid
    order; return the notifications each submit showed."""
    async with SimulatorServer(KEY, SECRET, seed=3, tick_interval=None) as sim:
        engine = TradingEngine(settings_for(sim.base_url, sim.ws_url, tmp_path / "form.db"))
        app = ValrApp(engine)
        seen: list[str] = []
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            await wait_trading_ready(engine)
            ticker = engine.market("BTCZAR").ticker
            assert ticker is not None and engine.db is not None
            valid_price = str((ticker.bid * D("0.9")).quantize(D(1)))
            price_box = app.screen.query_one("#price", Input)
            quantity_box = app.screen.query_one("#quantity", Input)

            async def submit_and_read() -> None:
                app.clear_notifications()
                await pilot.press("ctrl+s")
                await settle(pilot)
                seen.append("\n".join(n.message for n in app._notifications))

            for text in typed:
                price_box.value = ""
                quantity_box.value = VALID_QUANTITY
                price_box.focus()
                if text:
                    await pilot.press(*text)
                assert price_box.value == text  # what was typed is what the form holds
                await submit_and_read()
            for price, quantity in pasted:
                price_box.value = valid_price if price == "VALID" else price
                quantity_box.value = VALID_QUANTITY if quantity == "VALID" else quantity
                await pilot.pause()
                await submit_and_read()
            row = await engine.db.fetchone("SELECT COUNT(*) FROM trading_orders")
            assert row is not None and row[0] == 0, "garbage from the form was stored"
            # The form still works: a valid order after all that garbage is accepted.
            price_box.value, quantity_box.value = valid_price, VALID_QUANTITY
            await pilot.pause()
            await submit_and_read()
            row = await engine.db.fetchone("SELECT COUNT(*) FROM trading_orders")
            assert row is not None and row[0] == 1
            assert app.is_running
    return seen


def assert_coded_refusals_then_accepted(seen: list[str], refused: int) -> None:
    *refusals, accepted = seen
    assert len(refusals) == refused
    for message in refusals:
        assert "VALR-" in message, f"no coded error shown: {message!r}"
        assert "VALR-GEN-001" not in message, f"an uncoded exception escaped: {message!r}"
    assert "DRY_" in accepted


def test_typed_garbage_in_the_order_form_is_refused_with_codes(
    runner: asyncio.Runner, tmp_path: Path
) -> None:
    seen = run(runner, lambda: form_session(tmp_path, TYPED, []))
    assert_coded_refusals_then_accepted(seen, len(TYPED))


@hsettings(max_examples=2, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pasted=st.lists(st.tuples(hostile_amounts, st.just("VALID")) | st.tuples(
    st.just("VALID"), hostile_amounts), min_size=6, max_size=10))
def test_property_52_order_form_refuses_pasted_garbage_with_codes(
    runner: asyncio.Runner, tmp_path_factory: pytest.TempPathFactory, pasted: list[tuple[str, str]]
) -> None:
    seen = run(runner, lambda: form_session(tmp_path_factory.mktemp("form"), (), pasted))
    assert_coded_refusals_then_accepted(seen, len(pasted))
