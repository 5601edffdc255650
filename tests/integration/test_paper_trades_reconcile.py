"""A thousand random paper trades through the real engine reconcile with zero false lockdowns."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from tests.integration.test_engine_e2e import KEY, SECRET, settings_for, started
from valr_tui.errors import InsufficientBalanceError, OrderRejected
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.safety import SafetyState
from valr_tui.trading.views import OrderRequest

TRADES = 1000
RECONCILE_EVERY = 50


async def test_a_thousand_random_paper_trades_never_lock_down(tmp_path: Path) -> None:
    rng = random.Random(20261124)
    async with SimulatorServer(KEY, SECRET, seed=5, tick_interval=None) as sim:
        settings = settings_for(
            sim, tmp_path,
            dry_run_wallet_zar=Decimal("1000000"), dry_run_wallet_btc=Decimal("1"),
            dry_run_wallet_eth=Decimal("20"), max_order_zar=Decimal("50000"),
        )
        engine = await started(settings)
        try:
            placed = refused = reconciled = 0
            while placed < TRADES:
                pair = rng.choice(settings.pairs)
                ticker = engine.market(pair).ticker
                assert ticker is not None
                side = rng.choice(("BUY", "SELL"))
                # mostly crossing (fills at once, partially when the book is thin), some resting
                offset = Decimal(rng.choice((-2, -1, 0, 1, 2, 3))) / 1000
                touch = ticker.ask if side == "BUY" else ticker.bid
                price = (touch * (1 + offset if side == "BUY" else 1 - offset)).quantize(Decimal(1))
                quantity = Decimal(rng.choice(("0.0005", "0.001", "0.002") if pair == "BTCZAR"
                                              else ("0.01", "0.05", "0.1")))
                try:
                    await engine.submit(OrderRequest(pair, side, str(price), str(quantity)))
                    placed += 1
                except (InsufficientBalanceError, OrderRejected):
                    refused += 1  # a coded refusal is fine; it must not disturb the books
                if placed % 10 == 0:
                    sim.exchange.step(1)  # the market moves: resting orders fill
                if placed % RECONCILE_EVERY == 0:
                    report = await engine.reconcile_now()
                    reconciled += 1
                    assert report.ok, report.message
            report = await engine.reconcile_now()
            assert report.completed and report.ok, report.message
            assert engine.safety_status().state is not SafetyState.LOCKDOWN
            assert reconciled >= TRADES // RECONCILE_EVERY
            lockdowns = [e for e in await engine.audit(limit=5000) if e.state_after == "LOCKDOWN"]
            assert lockdowns == []
            assert engine.db is not None
            row = await engine.db.fetchone("SELECT COUNT(*) FROM order_fills")
            fills = row[0] if row else 0
            print(f"{placed} placed, {refused} refused, {fills} fills, {reconciled} reconciliations")
            assert fills > TRADES // 2  # the books really moved
        finally:
            await engine.stop()
