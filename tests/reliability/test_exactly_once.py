"""Exactly once: LIVE placements and cancels through a proxy that loses the simulator's answers
after the simulator acted on them (delays past the client's deadline, resets, 504 pages).

Every order ends on the exchange at most once, in the database exactly once, FAILED only when the
exchange never had it, and otherwise in the exchange's own final state with every fill stored.
Marketable orders are in the mix: a resend after "not found" would fill them twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from tests.reliability.helpers import KEY, SECRET, settings_for, wait_trading_ready
from tests.reliability.lossy_proxy import FAULTS, LATE, LossyProxy
from valr_tui.errors import OrderRejected, ValrTuiError
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.models import classify_status
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.secrets import Secret
from valr_tui.simulator.limits import RateLimits
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.valr_venue import CLASS_STATE
from valr_tui.trading.views import OrderRequest, OrderState

D = Decimal
ORDERS = 40
CLIENT_TIMEOUT_S = 0.4  # the proxy's delay is longer: a delayed answer is a timeout
LATE_S = 1.0  # a request that reaches the simulator this long after it was sent
SETTLE_S = 0.5  # three look-ups one settle window apart outlast a late request
UNLIMITED = RateLimits(per_key_per_minute=1_000_000, per_ip_per_minute=1_000_000,
                       public_per_minute=1_000_000)
SPOILED = (("POST", "/v1/orders/limit"), ("DELETE", "/v1/orders/order"))


async def settle_everything(engine: TradingEngine, rounds: int = 40) -> None:
    """Follow orders until none is UNKNOWN or waiting for a cancel (settle windows apart)."""
    manager = engine.order_manager
    assert manager is not None
    waiting = (OrderState.UNKNOWN.value, OrderState.PENDING_SUBMIT.value, OrderState.SUBMITTED.value,
               OrderState.CANCEL_REQUESTED.value)
    for _ in range(rounds):
        await manager.sync()
        if not await manager.repo.with_status("LIVE", waiting):
            return
        await asyncio.sleep(SETTLE_S)
    left = await manager.repo.with_status("LIVE", waiting)
    raise AssertionError(f"orders never settled: {[(o.correlation_id, o.state) for o in left]}")


@pytest.mark.parametrize("finished_in_active_lookup", [True, False],
                         ids=["finished-orders-listed", "finished-orders-404-as-on-valr"])
async def test_lost_answers_never_place_an_order_twice_nor_fail_a_resting_one(
    tmp_path: Path, finished_in_active_lookup: bool
) -> None:
    rng = random.Random(20261201)
    async with SimulatorServer(KEY, SECRET, seed=11, tick_interval=None, limits=UNLIMITED) as sim, \
            LossyProxy(sim.base_url, spoil=SPOILED, probability=0.45, delay_s=CLIENT_TIMEOUT_S * 3,
                       late_s=LATE_S, faults=(*FAULTS, LATE), seed=7) as proxy:
        # VALR's agent skill: the active-order lookup can 404 for a finished order (then only
        # the order history knows it); VALR's collection shows it listed. Both are tested.
        sim.exchange.finished_orders_in_active_lookup = finished_in_active_lookup
        settings = settings_for(proxy.base_url, sim.ws_url, tmp_path / "once.db",
                                execution_mode="LIVE", live_trading_confirmed=True,
                                recon_interval_s=D(3600), max_order_zar=D("100000"))
        client = VALRClient(proxy.base_url, signer=VALRSigner(Secret(KEY), Secret(SECRET)),
                            bucket=TokenBucket(capacity=100_000, refill_per_second=100_000.0),
                            timeout=CLIENT_TIMEOUT_S)
        engine = TradingEngine(settings, client=client, order_settle_s=SETTLE_S)
        await engine.start()
        try:
            await wait_trading_ready(engine)
            results = []
            for n in range(ORDERS):
                ticker = engine.market("BTCZAR").ticker
                assert ticker is not None
                marketable = rng.random() < 0.5
                price = ticker.ask + 2000 if marketable else (ticker.bid * D("0.97")).quantize(D(1))
                try:
                    result = await engine.submit(OrderRequest("BTCZAR", "BUY", str(price), "0.001"))
                except OrderRejected:
                    await settle_everything(engine)  # e.g. an UNKNOWN order blocks the pair
                    continue
                except ValrTuiError:
                    continue  # a refusal is a FAILED row, checked below
                results.append(result)
                if result.state is OrderState.UNKNOWN:
                    await settle_everything(engine)
                if not marketable and rng.random() < 0.5:
                    # an unconfirmed cancel stays CANCEL_REQUESTED and is revisited
                    with contextlib.suppress(ValrTuiError):
                        await engine.cancel(result.correlation_id)
                if n % 8 == 0:
                    sim.exchange.step(1)
            await settle_everything(engine)
            stored = await engine.orders(limit=1000)
            assert engine.db is not None
            fills = Counter[str]()
            fill_quantity: dict[str, Decimal] = {}
            for row in await engine.db.fetchall("SELECT correlation_id, quantity FROM order_fills"):
                fills[row["correlation_id"]] += 1
                fill_quantity[row["correlation_id"]] = (
                    fill_quantity.get(row["correlation_id"], D(0)) + D(row["quantity"]))
        finally:
            await engine.stop()

        on_exchange = Counter(o.customer_order_id for o in sim.exchange._orders.values()
                              if o.customer_order_id)
        assert set(proxy.spoiled) == {"delay", "drop", "504", "late"}, proxy.spoiled
        assert sum(proxy.spoiled.values()) >= 8, proxy.spoiled
        assert not [c for c, n in on_exchange.items() if n > 1], "placed twice on the exchange"
        rows = Counter(o.correlation_id for o in stored)
        assert not [c for c, n in rows.items() if n > 1]
        assert set(on_exchange) <= set(rows), "on the exchange but not in the database"
        by_cid = {o.correlation_id: o for o in stored}
        for cid, order in by_cid.items():
            venue = sim.exchange.order("BTCZAR", customer_order_id=cid) if cid in on_exchange else None
            if venue is None:
                assert order.state is OrderState.FAILED, f"{cid}: {order.state} but VALR never had it"
                continue
            assert order.state is not OrderState.FAILED, f"{cid}: FAILED while VALR has it ({venue.status})"
            assert order.state is CLASS_STATE[classify_status(venue.status)], (cid, order.state, venue.status)
            assert fill_quantity.get(cid, D(0)) == venue.filled_quantity, (cid, venue.status)
        filled = [o for o in stored if o.state is OrderState.FILLED]
        assert filled, "no marketable order filled: the test proves nothing about resends"
        print(f"\nexactly once: {len(stored)} orders, {len(on_exchange)} on the exchange,"
              f" {len(filled)} filled, spoiled answers {dict(proxy.spoiled)}")
