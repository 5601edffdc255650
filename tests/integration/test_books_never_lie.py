"""Books that never lie: the real engine against the simulator, reconciling while it trades.

- random trades with partial fills and cancels, reconciliation every 0.5 s: zero lockdowns
  (paper, and LIVE against the simulator);
- money withdrawn behind the app while an order rests: LOCKDOWN at the next run, and LOCKDOWN
  cancels the open orders on the venue that holds them;
- the exchange clock 20 s behind ours: no false LOCKDOWN;
- a paper unlock re-baselines the books (audited with the figures) and sticks; the drift's
  evidence is never rewritten;
- a second instance on the same database is refused and writes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from storage.db import Database
from tests.integration.test_engine_e2e import KEY, SECRET, settings_for, started
from valr_tui.config import Settings
from valr_tui.errors import DatabaseInUseError, OrderNotFoundError, OrderRejected, ValrTuiError
from valr_tui.simulator.limits import RateLimits
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.safety import SafetyState
from valr_tui.trading.views import OrderRequest, OrderState

D = Decimal
LIVE_TRADES = 1000
UNLIMITED = RateLimits(per_key_per_minute=1_000_000, per_ip_per_minute=1_000_000,
                       public_per_minute=1_000_000)


def live_overrides(**more: object) -> dict[str, object]:
    return {"execution_mode": "LIVE", "live_trading_confirmed": True,
            "rate_limit_capacity": 10_000, "rate_limit_refill_per_s": D(10_000), **more}


async def lockdowns(engine: TradingEngine) -> list[str]:
    return [e.message for e in await engine.audit(limit=100_000) if e.state_after == "LOCKDOWN"]


async def trade_randomly(
    engine: TradingEngine, sim: SimulatorServer, trades: int, seed: int
) -> dict[str, int]:
    """``trades`` random LIMIT orders: most cross (filling at once, partly when the book is thin),
    some rest and fill as the market moves, some are cancelled, some race their fill."""
    rng = random.Random(seed)
    counts = {"placed": 0, "refused": 0, "cancelled": 0, "cancel_lost_race": 0}
    resting: list[str] = []
    while counts["placed"] < trades:
        pair = rng.choice(engine.pairs)
        ticker = engine.market(pair).ticker
        assert ticker is not None
        side = rng.choice(("BUY", "SELL"))
        offset = D(rng.choice((-3, -2, -1, 0, 1, 2, 3))) / 1000
        touch = ticker.ask if side == "BUY" else ticker.bid
        price = (touch * (1 + offset if side == "BUY" else 1 - offset)).quantize(D(1))
        sizes = ("0.0005", "0.001", "0.002") if pair == "BTCZAR" else ("0.01", "0.05", "0.1")
        quantity = D(rng.choice(sizes))
        try:
            result = await engine.submit(OrderRequest(pair, side, str(price), str(quantity)))
            counts["placed"] += 1
            if result.state in (OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.SUBMITTED):
                resting.append(result.correlation_id)
        except OrderRejected:
            counts["refused"] += 1  # a coded refusal is fine; it must not disturb the books
            await asyncio.sleep(0.01)
        if counts["placed"] % 10 == 0:
            sim.exchange.step(1)  # the market moves: resting orders fill, some partly
        if resting and rng.random() < 0.2:
            cid = resting.pop(rng.randrange(len(resting)))
            try:
                record = await engine.cancel(cid)
                counts["cancelled" if record.state is not OrderState.FILLED else "cancel_lost_race"] += 1
            except OrderNotFoundError:
                counts["cancel_lost_race"] += 1  # it filled first: the fill is what counts
            except ValrTuiError:
                counts["cancel_lost_race"] += 1
        await asyncio.sleep(0)
    return counts


async def settle_orders(engine: TradingEngine) -> None:
    """Let the order follower see every order's final word (LIVE polls; paper is immediate)."""
    assert engine.order_manager is not None
    for _ in range(3):
        await engine.order_manager.sync()


async def reconcile_every_half_second(engine: TradingEngine) -> None:
    """On top of the engine's own loop (RECON_INTERVAL_S is at least 1 s): a run every 0.5 s."""
    while True:
        await asyncio.sleep(0.5)
        await engine.reconcile_now()


async def run_soak(sim: SimulatorServer, settings: Settings, trades: int) -> None:
    engine = await started(settings)
    reconciling = asyncio.create_task(reconcile_every_half_second(engine))
    try:
        counts = await trade_randomly(engine, sim, trades, seed=20261201)
        reconciling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reconciling
        await settle_orders(engine)
        report = await engine.reconcile_now()
        assert report.completed and report.ok, report.message
        assert set(report.views) == {"database", "state", "exchange"}
        assert engine.safety_status().state is not SafetyState.LOCKDOWN
        assert await lockdowns(engine) == []
        assert engine.db is not None
        runs = await engine.db.fetchone(
            "SELECT COUNT(*) FROM institutional_audit WHERE event_type = 'RECONCILIATION'")
        fills = await engine.db.fetchone("SELECT COUNT(*) FROM order_fills")
        assert runs is not None and fills is not None
        print(f"\n{settings.execution_mode}: {counts}, {fills[0]} fills, {runs[0]} reconciliations")
        assert runs[0] >= 5, "reconciliation did not run while trading"
        assert fills[0] > trades // 3  # the books really moved
        assert counts["cancelled"] + counts["cancel_lost_race"] > 0
    finally:
        reconciling.cancel()
        await engine.stop()


@pytest.mark.slow
async def test_a_thousand_random_paper_trades_reconciling_every_half_second(tmp_path: Path) -> None:
    async with SimulatorServer(KEY, SECRET, seed=5, tick_interval=None) as sim:
        settings = settings_for(
            sim, tmp_path, recon_interval_s=D(1), dry_run_wallet_zar=D("1000000"),
            dry_run_wallet_btc=D("1"), dry_run_wallet_eth=D("20"), max_order_zar=D("50000"),
        )
        await run_soak(sim, settings, 1000)


@pytest.mark.slow
async def test_a_thousand_random_live_trades_on_the_simulator_reconciling_every_half_second(
    tmp_path: Path,
) -> None:
    async with SimulatorServer(KEY, SECRET, seed=5, tick_interval=None, limits=UNLIMITED) as sim:
        settings = settings_for(sim, tmp_path, recon_interval_s=D(1), max_order_zar=D("50000"),
                                **live_overrides())
        await run_soak(sim, settings, 1000)


def set_balance(sim: SimulatorServer, currency: str, total: Decimal) -> None:
    sim.exchange.adjust_balance(currency, total - sim.exchange.balances()[currency].total)


async def test_live_withdrawal_beside_a_resting_order_locks_down_and_cancels_it(tmp_path: Path) -> None:
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None) as sim:
        set_balance(sim, "ZAR", D(10_000))  # a small account: R 4,000 is 40 % of it
        engine = await started(settings_for(sim, tmp_path, recon_interval_s=D(3600), **live_overrides()))
        try:
            assert (await engine.reconcile_now()).ok  # the baseline
            bid = engine.market("BTCZAR").ticker.bid  # type: ignore[union-attr]
            price = (bid * D("0.97")).quantize(D(1))
            quantity = (D(4300) / price).quantize(D("0.00001"))  # ~R 4,300 resting, reserved
            resting = await engine.submit(OrderRequest("BTCZAR", "BUY", str(price), str(quantity)))
            assert resting.state is OrderState.OPEN
            assert (await engine.reconcile_now()).ok  # an untouched order is no drift
            sim.exchange.adjust_balance("ZAR", D(-4000))  # withdrawn behind the app's back
            report = await engine.reconcile_now()
            assert not report.ok and report.worst_currency == "ZAR", report.message
            assert engine.safety_status().state is SafetyState.LOCKDOWN
            # LOCKDOWN asked VALR to cancel the open order; VALR says it is cancelled
            await settle_orders(engine)
            [order] = await engine.orders()
            assert order.state is OrderState.CANCELLED
            on_exchange = sim.exchange.order("BTCZAR", customer_order_id=resting.correlation_id)
            assert on_exchange is not None and on_exchange.status == "Cancelled"
        finally:
            await engine.stop()


async def test_a_fill_that_beats_the_cancel_is_recorded_and_trips_no_lockdown(tmp_path: Path) -> None:
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None) as sim:
        set_balance(sim, "ZAR", D(10_000))
        engine = await started(settings_for(sim, tmp_path, recon_interval_s=D(3600), **live_overrides()))
        try:
            assert (await engine.reconcile_now()).ok  # the baseline
            ticker = engine.market("BTCZAR").ticker
            assert ticker is not None
            price = (ticker.bid * D("0.99")).quantize(D(1))
            quantity = (D(4300) / price).quantize(D("0.00001"))
            resting = await engine.submit(OrderRequest("BTCZAR", "BUY", str(price), str(quantity)))
            assert resting.state is OrderState.OPEN
            sim.exchange.set_price("BTCZAR", price - 5000)  # the market trades through: it fills
            # the app has not seen the fill yet; VALR accepts the cancel (202) of a filled order
            record = await engine.cancel(resting.correlation_id)
            await settle_orders(engine)
            [order] = await engine.orders()
            assert order.state is OrderState.FILLED, record
            assert order.filled_quantity == quantity  # the fill was recorded
            report = await engine.reconcile_now()
            assert report.ok, report.message
            assert await lockdowns(engine) == []
        finally:
            await engine.stop()


async def test_the_account_socket_delivers_a_fill_before_any_poll(tmp_path: Path) -> None:
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None) as sim:
        engine = await started(settings_for(sim, tmp_path, recon_interval_s=D(3600), **live_overrides()))
        try:
            ticker = engine.market("BTCZAR").ticker
            assert ticker is not None
            price = (ticker.bid * D("0.99")).quantize(D(1))
            resting = await engine.submit(OrderRequest("BTCZAR", "BUY", str(price), "0.001"))
            assert resting.state is OrderState.OPEN
            await asyncio.sleep(0.5)  # the account socket is connected and authenticated
            sim.exchange.set_price("BTCZAR", price - 5000)  # it fills on the exchange
            deadline = time.monotonic() + 3  # well inside the 5 s polling round
            while time.monotonic() < deadline:
                [order] = await engine.orders()
                if order.state is OrderState.FILLED:
                    break
                await asyncio.sleep(0.05)
            assert order.state is OrderState.FILLED and order.filled_quantity == D("0.001")
            assert any(e.event_type == "ORDER_FILL" for e in await engine.audit(resting.correlation_id))
        finally:
            await engine.stop()


async def test_an_exchange_clock_twenty_seconds_behind_trips_no_false_lockdown(tmp_path: Path) -> None:
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None,
                               clock=lambda: time.time() - 20) as sim:
        set_balance(sim, "ZAR", D(10_000))  # small balances: three fills left out are a LOCKDOWN
        set_balance(sim, "BTC", D("0.01"))
        engine = await started(settings_for(sim, tmp_path, recon_interval_s=D(3600), **live_overrides()))
        try:
            assert (await engine.reconcile_now()).ok  # the baseline, on the exchange's clock
            for _ in range(3):  # taker fills stamped 20 s "before" the baseline by our clock
                ask = engine.market("BTCZAR").ticker.ask  # type: ignore[union-attr]
                await engine.submit(OrderRequest("BTCZAR", "BUY", str(ask + 1000), "0.001"))
            await settle_orders(engine)
            report = await engine.reconcile_now()
            assert report.ok, report.message
            assert await lockdowns(engine) == []
        finally:
            await engine.stop()


async def test_a_fill_just_after_the_baseline_counts_however_far_off_the_measured_clock_is(
    tmp_path: Path,
) -> None:
    """The baseline is bounded by the fills, not by a clock: the exchange's time as measured at
    start is a second ahead (a time read whose answer was stamped late in a slow round trip, or
    a clock the exchange then steps back); a fill moments after the baseline is still counted."""
    ahead = [1.0]  # seconds the exchange's clock reads ahead while the engine measures it
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None,
                               clock=lambda: time.time() + ahead[0]) as sim:
        set_balance(sim, "ZAR", D(10_000))
        set_balance(sim, "BTC", D("0.01"))
        engine = await started(settings_for(sim, tmp_path, recon_interval_s=D(3600), **live_overrides()))
        try:
            assert (await engine.reconcile_now()).ok  # the baseline, on the clock as measured
            ahead[0] = 0.0  # the measurement was a second off: the exchange's real time
            ask = engine.market("BTCZAR").ticker.ask  # type: ignore[union-attr]
            await engine.submit(OrderRequest("BTCZAR", "BUY", str(ask + 1000), "0.001"))
            await settle_orders(engine)
            [order] = await engine.orders()
            assert order.state is OrderState.FILLED and order.filled_quantity == D("0.001")
            report = await engine.reconcile_now()
            assert report.ok, report.message
            assert await lockdowns(engine) == []
        finally:
            await engine.stop()


async def test_a_fill_during_the_baselines_balance_read_is_not_lost(tmp_path: Path) -> None:
    """After an unlock the next run takes a new baseline; a resting order fills just after that
    run reads VALR's balances (a fault injected at that moment; polling only, so the app learns
    of the fill later). No baseline is taken from figures a fill may have missed: the next
    quiet run takes it, and the books agree."""
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None) as sim:
        set_balance(sim, "ZAR", D(10_000))
        set_balance(sim, "BTC", D("0.01"))
        settings = settings_for(sim, tmp_path, recon_interval_s=D(3600), **live_overrides())
        engine = TradingEngine(settings, use_stream=False)
        await engine.start()
        try:
            await engine.wait_until_trading_ready(within_s=10)
            assert (await engine.reconcile_now()).ok  # the baseline
            sim.exchange.adjust_balance("ZAR", D(-4000))  # withdrawn: LOCKDOWN, then accepted
            assert not (await engine.reconcile_now()).ok
            await engine.unlock("ops", "withdrawal confirmed", "UNLOCK")
            bid = engine.market("BTCZAR").ticker.bid  # type: ignore[union-attr]
            price = (bid * D("0.97")).quantize(D(1))
            resting = await engine.submit(OrderRequest("BTCZAR", "BUY", str(price), "0.002"))
            assert resting.state is OrderState.OPEN
            client = engine.client
            read_balances = client.get_balances

            async def read_then_fill() -> list[Any]:
                balances = await read_balances()
                client.get_balances = read_balances  # type: ignore[method-assign]
                sim.exchange.set_price("BTCZAR", price - 5000)  # it fills just after the read
                return balances

            client.get_balances = read_then_fill  # type: ignore[method-assign]
            first = await engine.reconcile_now()  # the run due to take the new baseline
            assert first.ok, first.message
            assert client.get_balances == read_balances  # the fault fired
            await settle_orders(engine)
            [order] = await engine.orders()
            assert order.state is OrderState.FILLED and order.filled_quantity == D("0.002")
            for _ in range(2):
                report = await engine.reconcile_now()
                assert report.ok, report.message
            ask = engine.market("BTCZAR").ticker.ask  # type: ignore[union-attr]
            await engine.submit(OrderRequest("BTCZAR", "BUY", str(ask + 1000), "0.001"))  # a later fill
            await settle_orders(engine)
            report = await engine.reconcile_now()
            assert report.ok, report.message
            assert engine.safety_status().state is SafetyState.NORMAL
        finally:
            await engine.stop()


async def drift_paper_wallet(db_path: str, delta: Decimal) -> None:
    """Move paper money behind the app's back (a second connection, as the demo's drift does)."""
    from storage.db import to_text

    db = await Database.open(db_path, exclusive=False)
    try:
        async with db.transaction() as tx:
            async with tx.execute("SELECT total FROM paper_wallet WHERE currency = 'ZAR'") as cursor:
                row = await cursor.fetchone()
            assert row is not None
            await tx.execute("UPDATE paper_wallet SET total = ? WHERE currency = 'ZAR'",
                             (to_text(D(row[0]) + delta),))
    finally:
        await db.close()


async def test_paper_drift_locks_down_cancels_paper_orders_and_an_unlock_rebaselines(tmp_path: Path) -> None:
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None) as sim:
        settings = settings_for(sim, tmp_path, recon_interval_s=D(3600))
        engine = await started(settings)
        try:
            bid = engine.market("BTCZAR").ticker.bid  # type: ignore[union-attr]
            resting = await engine.submit(OrderRequest("BTCZAR", "BUY", str(bid - 5000), "0.001"))
            assert resting.state is OrderState.OPEN
            assert (await engine.reconcile_now()).ok
            await drift_paper_wallet(settings.db_path, D(-4000))
            report = await engine.reconcile_now()
            assert not report.ok and engine.safety_status().state is SafetyState.LOCKDOWN
            [order] = await engine.orders()
            assert order.state is OrderState.CANCELLED  # LOCKDOWN cancelled the paper order too
            # the cancel released the reservation by a delta: the drift is still in the wallet
            assert not (await engine.reconcile_now()).ok
            await engine.unlock("ops", "drift investigated: accepted", "UNLOCK")
            assert engine.safety_status().state is SafetyState.NORMAL
            [rebaseline] = [e for e in await engine.audit(limit=500) if e.event_type == "PAPER_REBASELINED"]
            assert rebaseline.details["figures"]["ZAR"]["accepted_difference"] == "-4000"
            report = await engine.reconcile_now()  # the unlock sticks
            assert report.ok, report.message
            assert engine.safety_status().state is SafetyState.NORMAL
            assert engine.db is not None
            funding = await engine.db.fetchall("SELECT reason, amount FROM paper_wallet_funding"
                                               " WHERE currency = 'ZAR' ORDER BY id")
            assert [r["amount"] for r in funding][-1] == "-4000"  # the drift, kept as its own row
            await drift_paper_wallet(settings.db_path, D(-4000))  # a new drift: LOCKDOWN again
            assert not (await engine.reconcile_now()).ok
        finally:
            await engine.stop()


async def test_a_second_instance_on_the_same_database_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None) as sim:
        settings = settings_for(sim, tmp_path, recon_interval_s=D(3600))
        first = await started(settings)
        try:
            assert first.db is not None
            # the first engine's start-up reconciliation audits in the background: let it land,
            # so the counts below can change only by what the refused instance wrote
            for _ in range(1000):  # 10 s at most
                if await first.db.fetchone(
                        "SELECT 1 FROM institutional_audit WHERE event_type = 'RECONCILIATION'"):
                    break
                await asyncio.sleep(0.01)
            before = await first.db.fetchall(
                "SELECT (SELECT COUNT(*) FROM institutional_audit), (SELECT COUNT(*) FROM"
                " paper_wallet_funding), (SELECT COUNT(*) FROM trading_orders)")
            second = TradingEngine(settings)
            with pytest.raises(DatabaseInUseError) as refused:
                await second.start()
            assert refused.value.code == "VALR-DB-010" and "pid" in refused.value.message
            after = await first.db.fetchall(
                "SELECT (SELECT COUNT(*) FROM institutional_audit), (SELECT COUNT(*) FROM"
                " paper_wallet_funding), (SELECT COUNT(*) FROM trading_orders)")
            assert tuple(before[0]) == tuple(after[0])  # not funded twice, nothing audited
            await second.stop()
        finally:
            await first.stop()
