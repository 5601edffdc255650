"""Order options and amend with the real engine against the simulator, LIVE (VALR's endpoints, test
credentials) and DRY_RUN (the paper venue over the simulator's market): the same outcomes, the
books and reconciliation agreeing after every amend (no false LOCKDOWN), refusals leaving the order
as it was with a code."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from tests.integration.test_books_never_lie import live_overrides, lockdowns, settle_orders
from tests.integration.test_engine_e2e import KEY, SECRET, settings_for, started
from valr_tui.errors import AmendRefusedError, InsufficientBalanceError
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.matching import FOK_NOT_FILLED, POST_ONLY_WOULD_MATCH
from valr_tui.trading.safety import SafetyState
from valr_tui.trading.views import OrderRequest, OrderState

D = Decimal
MODES = ("LIVE", "DRY_RUN")


def overrides(mode: str) -> dict[str, object]:
    wallet = {"dry_run_wallet_zar": D("20000"), "dry_run_wallet_btc": D("0.1"), "max_order_zar": D("50000")}
    return {**wallet, **(live_overrides() if mode == "LIVE" else {})}


async def audit_story(engine: TradingEngine, correlation_id: str) -> list[str]:
    return [f"{e.event_type} {e.message}" for e in await engine.audit(limit=10_000)
            if e.correlation_id == correlation_id]


async def engine_for(sim: SimulatorServer, tmp_path: Path, mode: str) -> TradingEngine:
    """A started engine that has seen the BTCZAR book (the paper venue fills against it)."""
    if mode == "LIVE":
        sim.exchange.adjust_balance("ZAR", D(20_000) - sim.exchange.balances()["ZAR"].total)
    engine = await started(settings_for(sim, tmp_path, recon_interval_s=D(3600), **overrides(mode)))
    for _ in range(200):
        if engine.market("BTCZAR").book is not None:
            return engine
        await asyncio.sleep(0.025)
    await engine.stop()
    raise AssertionError("no BTCZAR book within 5 s")


@pytest.mark.parametrize("mode", MODES)
async def test_options_give_valr_outcomes_on_both_venues(tmp_path: Path, mode: str) -> None:
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None) as sim:
        sim.exchange.markets["BTCZAR"].asks[0].quantity = D("0.002")  # a thin best ask
        engine = await engine_for(sim, tmp_path, mode)
        try:
            book = engine.market("BTCZAR").book
            assert book is not None
            ask, at_touch = str(book.asks[0].price), book.asks[0].quantity
            beyond = str(at_touch + D("0.001"))  # more than the best ask offers
            post = await engine.submit(OrderRequest("BTCZAR", "BUY", ask, "0.001", post_only=True))
            fok = await engine.submit(OrderRequest("BTCZAR", "BUY", ask, beyond, time_in_force="FOK"))
            ioc = await engine.submit(OrderRequest("BTCZAR", "BUY", ask, beyond, time_in_force="IOC"))
            await settle_orders(engine)
            orders = {o.correlation_id: o for o in await engine.orders()}
            assert orders[post.correlation_id].state is OrderState.FAILED
            assert orders[fok.correlation_id].state is OrderState.FAILED
            assert orders[ioc.correlation_id].state is OrderState.CANCELLED
            assert orders[ioc.correlation_id].filled_quantity == at_touch
            assert (orders[ioc.correlation_id].time_in_force, orders[post.correlation_id].post_only) == (
                "IOC", True)
            post_story = await audit_story(engine, post.correlation_id)
            assert any(POST_ONLY_WOULD_MATCH in line for line in post_story)
            assert any(FOK_NOT_FILLED in line for line in await audit_story(engine, fok.correlation_id))
            if mode == "LIVE":  # what VALR was sent and did
                on_sim = sim.exchange.order("BTCZAR", customer_order_id=ioc.correlation_id)
                assert (on_sim.time_in_force, on_sim.status) == ("IOC", "Cancelled")
            report = await engine.reconcile_now()
            assert report.completed and report.ok, report.message
        finally:
            await engine.stop()


@pytest.mark.parametrize("mode", MODES)
async def test_amend_moves_price_and_quantity_and_the_books_keep_agreeing(tmp_path: Path, mode: str) -> None:
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None) as sim:
        engine = await engine_for(sim, tmp_path, mode)
        try:
            assert (await engine.reconcile_now()).ok  # the baseline
            ticker = engine.market("BTCZAR").ticker
            assert ticker is not None
            low = (ticker.bid * D("0.98")).quantize(D(1))
            placed = await engine.submit(OrderRequest("BTCZAR", "BUY", str(low), "0.002"))
            assert placed.state is OrderState.OPEN
            higher = low + 500
            amended = await engine.amend(placed.correlation_id, str(higher), "0.003")
            assert (amended.price, amended.quantity, amended.state) == (higher, D("0.003"), OrderState.OPEN)
            story = await audit_story(engine, placed.correlation_id)
            assert any(line.startswith("ORDER_AMEND_REQUESTED") for line in story)
            assert any(line.startswith("ORDER_AMENDED") for line in story)
            if mode == "LIVE":
                on_sim = sim.exchange.order("BTCZAR", customer_order_id=placed.correlation_id)
                assert (on_sim.price, on_sim.original_quantity, on_sim.status) == (
                    higher, D("0.003"), "Order Modified")
            report = await engine.reconcile_now()
            assert report.completed and report.ok, report.message
            # a price across the spread is refused (RETAIN_ORIGINAL): the order is as it was
            ask = engine.market("BTCZAR").ticker.ask  # type: ignore[union-attr]
            with pytest.raises(AmendRefusedError):
                await engine.amend(placed.correlation_id, str(ask), "0.003")
            # more than the account holds: refused with the balance code, nothing moved
            with pytest.raises(InsufficientBalanceError):
                await engine.amend(placed.correlation_id, str(higher), "0.02")
            [order] = await engine.orders()
            assert (order.price, order.quantity) == (higher, D("0.003"))
            # the market trades through the amended price: it fills at it, and the books agree
            sim.exchange.set_price("BTCZAR", higher - 5000)
            if mode == "LIVE":  # VALR filled it at once; the app may not know yet: refused either way
                with pytest.raises(AmendRefusedError):
                    await engine.amend(placed.correlation_id, str(higher - 1000), "0.003")
            for _ in range(100):  # LIVE: the next poll; paper: the next market update
                await settle_orders(engine)
                [order] = await engine.orders()
                if order.state is OrderState.FILLED:
                    break
                await asyncio.sleep(0.05)
            assert order.state is OrderState.FILLED and order.filled_quantity == D("0.003")
            with pytest.raises(AmendRefusedError, match="FILLED"):
                await engine.amend(placed.correlation_id, str(higher), "0.004")
            report = await engine.reconcile_now()
            assert report.completed and report.ok, report.message
            assert engine.safety_status().state is not SafetyState.LOCKDOWN
            assert await lockdowns(engine) == []
        finally:
            await engine.stop()


async def test_a_modify_valr_does_not_apply_is_refused_and_leaves_the_order_and_funds_as_they_were(
    tmp_path: Path,
) -> None:
    """The venue's own word (past the app's checks): VALR answers 202 but does not apply a modify
    that would match (RETAIN_ORIGINAL); the amend is refused with its code, nothing moved."""
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None) as sim:
        engine = await engine_for(sim, tmp_path, "LIVE")
        try:
            ticker = engine.market("BTCZAR").ticker
            assert ticker is not None
            low = (ticker.bid * D("0.98")).quantize(D(1))
            placed = await engine.submit(OrderRequest("BTCZAR", "BUY", str(low), "0.002"))
            [record] = await engine.orders()
            venue = engine.venue
            assert venue is not None and record.state is OrderState.OPEN
            await settle_orders(engine)
            await asyncio.sleep(0.2)  # the placement's balance update has arrived on the socket
            free_before = venue.available("ZAR")
            crossing = sim.exchange.markets["BTCZAR"].asks[0].price
            with pytest.raises(AmendRefusedError, match="did not apply"):
                await venue.amend(record, crossing, D("0.002"))
            on_sim = sim.exchange.order("BTCZAR", customer_order_id=placed.correlation_id)
            assert (on_sim.price, on_sim.status) == (low, "Placed")
            [after] = await engine.orders()
            assert (after.price, after.quantity, after.state) == (low, D("0.002"), OrderState.OPEN)
            assert venue.available("ZAR") == free_before
        finally:
            await engine.stop()
