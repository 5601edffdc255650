"""LIVE reconciliation against the simulator with the real VALRClient: a trade made through the
exchange and stored as fills keeps the three views in agreement; money leaving the account outside
the app (a balance drift) is a LOCKDOWN within one reconciliation run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from storage.db import Database, to_text
from tests.trading.test_reconciliation import add_fill, add_order
from valr_tui.config import Settings
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.models import Balance
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.secrets import Secret
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.reconciliation import ReconciliationEngine
from valr_tui.trading.safety import SafetyController, SafetyState

KEY = "recon-key"
SECRET = "recon-secret-0123456789abcdef"


@pytest.fixture
async def sim() -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(KEY, SECRET, seed=3, tick_interval=None) as server:
        yield server


@pytest.fixture
async def client(sim: SimulatorServer) -> AsyncIterator[VALRClient]:
    bucket = TokenBucket(capacity=10_000, refill_per_second=10_000)
    async with VALRClient(sim.base_url, signer=VALRSigner(KEY, SECRET), bucket=bucket, timeout=2.0,
                          max_retries=0) as valr:
        yield valr


def iso_to_ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


async def test_live_drift_on_the_exchange_locks_down_within_one_run(
    sim: SimulatorServer, client: VALRClient, tmp_path: Path
) -> None:
    settings = Settings(
        api_key=Secret(KEY), api_secret=Secret(SECRET), base_url=sim.base_url,
        execution_mode="LIVE", live_trading_confirmed=True, db_path=str(tmp_path / "valr.db"),
    )
    db = await Database.open(settings.db_path)
    safety = await SafetyController.load(db)
    seen: dict[str, Balance] = {}  # the app's in-memory balances, refreshed by each fetch
    lockdowns: list[str] = []

    async def exchange_view() -> dict[str, Decimal]:
        balances = await client.get_balances()
        seen.clear()
        seen.update({b.currency: b for b in balances})
        return {b.currency: b.total for b in balances}

    async def on_lockdown(reason: str) -> None:
        lockdowns.append(reason)

    engine = ReconciliationEngine(
        settings, db, safety, exchange_view=exchange_view,
        state_view=lambda: {c: b.total for c, b in seen.items()}, on_lockdown=on_lockdown,
    )
    first = await engine.run_once()
    assert first.ok and first.views["exchange"]["ZAR"] == Decimal("1000000")

    # A crossing BUY fills at once on the simulator; the fills land in the database as LIVE fills.
    ticker = await client.get_ticker("BTCZAR")
    price = (ticker.ask * Decimal("1.01")).to_integral_value()
    await client.place_limit_order("BTCZAR", "BUY", Decimal("0.01"), price, "cid-live-1")
    order_id = await add_order(db, "cid-live-1", price=to_text(price), quantity="0.01", mode="LIVE")
    trades = await client.get_trade_history("BTCZAR")
    assert trades, "the crossing order should have filled"
    for t in trades:
        await add_fill(
            db, order_id, "cid-live-1", side=t.side, price=to_text(t.price), quantity=to_text(t.quantity),
            fee=to_text(t.fee), fee_currency=t.fee_currency, mode="LIVE", trade_id=t.trade_id,
            at=iso_to_ms(t.traded_at),
        )
    second = await engine.run_once()
    assert second.ok, second.message
    assert second.max_deviation_pct < Decimal("0.0001")  # only cent rounding of the ZAR paid
    assert second.views["database"]["BTC"] == second.views["exchange"]["BTC"]

    sim.exchange.adjust_balance("ZAR", Decimal("-50000"))  # money leaves outside the app
    third = await engine.run_once()
    assert not third.ok and third.worst_currency == "ZAR"
    assert safety.state is SafetyState.LOCKDOWN
    assert len(lockdowns) == 1 and "ZAR" in lockdowns[0]
    row = await db.fetchone(
        "SELECT state FROM safety_state WHERE id = 1"
    )
    assert row is not None and row["state"] == "LOCKDOWN"
    await db.close()
