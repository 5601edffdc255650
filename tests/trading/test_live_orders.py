"""LIVE orders against a fake VALR client: commit-before-send, ack, definite and ambiguous
failures, crash recovery by customerOrderId, fills sync, cancel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from storage.audit import AuditRepository
from storage.db import Database
from storage.orders import OrderState
from tests.trading.order_fakes import (
    FakeClient,
    Harness,
    build,
    close_dbs,
    fill_on_exchange,
    live_settings,
    open_db,
    stored_fills,
)
from valr_tui.errors import (
    ExchangeError,
    ExchangeUnavailableError,
    InsufficientBalanceError,
    RateLimitedError,
    ValrTuiError,
)
from valr_tui.exchange.models import OrderAck
from valr_tui.secrets import Secret
from valr_tui.trading.clock import ManualClock
from valr_tui.trading.views import OrderRequest

D = Decimal
REQUEST = OrderRequest("BTCZAR", "BUY", "999000", "0.001")


@pytest.fixture(autouse=True)
async def _close_dbs() -> AsyncIterator[None]:
    yield
    await close_dbs()


async def live(client: FakeClient | None = None, db: Database | None = None) -> Harness:
    h = await build(live_settings(), client=client, db=db)
    await h.manager.refresh_balances()
    return h


async def events(db: Database, cid: str) -> list[str]:
    return [e.event_type for e in await AuditRepository(db).query(correlation_id=cid, newest_first=False)]


async def row(db: Database, cid: str) -> Any:
    return await db.fetchone("SELECT * FROM trading_orders WHERE correlation_id = ?", (cid,))


@dataclass
class SpyClient(FakeClient):
    """Looks at the database at the moment the request leaves."""

    db: Database | None = None
    seen_at_send: Any = None

    async def place_limit_order(self, pair: str, side: Any, quantity: Decimal, price: Decimal,
                                customer_order_id: str, *, post_only: bool = False,
                                time_in_force: str = "GTC") -> OrderAck:
        assert self.db is not None
        self.seen_at_send = (await row(self.db, customer_order_id),
                             await events(self.db, customer_order_id))
        return await super().place_limit_order(pair, side, quantity, price, customer_order_id)


async def test_row_and_audit_commit_before_the_request_leaves_then_the_ack_is_stored() -> None:
    db = await open_db()
    spy = SpyClient(db=db)
    h = await live(spy, db)
    result = await h.manager.submit(REQUEST)
    stored_then, audit_then = spy.seen_at_send
    assert stored_then["status"] == "PENDING_SUBMIT" and stored_then["is_simulated"] == 0
    assert audit_then == ["ORDER_ACCEPTED", "ORDER_SUBMITTED"]
    assert spy.order_calls == [("place_limit_order", ("BTCZAR", "BUY", D("0.001"), D("999000"),
                                                     result.correlation_id))]
    assert result.execution_mode == "LIVE" and result.state is OrderState.SUBMITTED
    now = await row(db, result.correlation_id)
    assert now["status"] == "SUBMITTED" and now["valr_order_id"] == result.order_id == "valr-1"
    assert json.loads(now["valr_response"]) == {"id": "valr-1", "customerOrderId": result.correlation_id}
    assert now["execution_mode"] == "LIVE" and now["customer_order_id"] == result.correlation_id
    assert await events(db, result.correlation_id) == [
        "ORDER_ACCEPTED", "ORDER_SUBMITTED", "ORDER_ACKNOWLEDGED"]


async def test_no_credentials_in_the_database() -> None:
    h = await live()
    await h.manager.submit(REQUEST)
    dump = ""
    for table in ("trading_orders", "institutional_audit"):
        dump += "".join(str(tuple(r)) for r in await h.db.fetchall(f"SELECT * FROM {table}"))
    assert "valr-1" in dump  # the dump is real
    assert "key-123456" not in dump and "secret-abcdef" not in dump


async def test_live_balance_check_uses_last_known_exchange_balances() -> None:
    client = FakeClient(balance_error=ExchangeUnavailableError("down"))
    h = await build(live_settings(), client=client)  # start-up could not load the balances
    with pytest.raises(InsufficientBalanceError, match="not known yet"):
        await h.manager.submit(REQUEST)
    client.balance_error = None
    await h.manager.refresh_balances()
    result = await h.manager.submit(OrderRequest("BTCZAR", "SELL", "1001000", "0.004"))
    assert result.state is OrderState.SUBMITTED
    # 1 BTC known, 0.004 now held by the order just sent: 0.997 is too much until the next refresh
    assert [p.code for p in h.manager.preview(
        OrderRequest("BTCZAR", "SELL", "1001000", "0.997")).problems] == ["VALR-ORD-007",
                                                                          "VALR-ORD-008"]


async def test_a_definite_refusal_marks_the_order_failed_with_its_code() -> None:
    client = FakeClient(place_error=ExchangeError("Insufficient Balance", status=400, valr_code=-6))
    h = await live(client)
    with pytest.raises(ExchangeError) as caught:
        await h.manager.submit(REQUEST)
    [record] = await h.manager.orders()
    assert record.state is OrderState.FAILED
    stored = await row(h.db, record.correlation_id)
    assert stored["error_code"] == "VALR-EXC-001"
    [failed] = await AuditRepository(h.db).query(correlation_id=record.correlation_id,
                                                 event_types=("ORDER_FAILED",))
    assert failed.details["valr_code"] == -6
    assert caught.value.code == "VALR-EXC-001"


@pytest.mark.parametrize("error", [
    ExchangeUnavailableError("could not connect", order_state="not_sent"),
    ExchangeUnavailableError("gave up", order_state="not_placed"),
    RateLimitedError("client budget exhausted"),
])
async def test_errors_that_say_nothing_was_placed_fail_the_order(error: ValrTuiError) -> None:
    h = await live(FakeClient(place_error=error))
    with pytest.raises(ValrTuiError):
        await h.manager.submit(REQUEST)
    [record] = await h.manager.orders()
    assert record.state is OrderState.FAILED


async def test_ambiguous_failure_stays_pending_and_recovery_adopts_the_placed_order() -> None:
    client = FakeClient(place_error=ExchangeUnavailableError("timeout", order_state="unknown"),
                        place_error_after_placing=True)
    h = await live(client)
    result = await h.manager.submit(REQUEST)
    assert result.state is OrderState.PENDING_SUBMIT and "unknown" in result.message
    assert (await row(h.db, result.correlation_id))["status"] == "PENDING_SUBMIT"
    [recovered] = await h.manager.recover_pending()
    assert recovered.state is OrderState.OPEN and recovered.valr_order_id == "valr-1"
    assert len(client.order_calls) == 1  # never placed twice
    assert await h.manager.recover_pending() == []  # idempotent
    assert await events(h.db, result.correlation_id) == [
        "ORDER_ACCEPTED", "ORDER_SUBMITTED", "ORDER_UNKNOWN", "ORDER_RECOVERED"]


async def test_ambiguous_failure_that_never_landed_is_failed_by_recovery() -> None:
    client = FakeClient(place_error=ExchangeUnavailableError("timeout", order_state="unknown"))
    h = await live(client)
    result = await h.manager.submit(REQUEST)
    client.get_error = ExchangeUnavailableError("still down")
    assert await h.manager.recover_pending() == []  # cannot tell yet: stays pending
    assert (await row(h.db, result.correlation_id))["status"] == "PENDING_SUBMIT"
    client.get_error = None
    [failed] = await h.manager.recover_pending()
    assert failed.state is OrderState.FAILED and "never reached the exchange" in failed.note
    assert (await row(h.db, result.correlation_id))["error_code"] == "VALR-ORD-009"


async def test_unexpected_exception_is_treated_as_ambiguous() -> None:
    h = await live(FakeClient(place_error=ValrTuiError("boom"), place_error_after_placing=True))
    h.client.place_error = None

    async def explode(*args: Any, **kwargs: Any) -> OrderAck:
        raise OSError("connection reset")

    h.client.place_limit_order = explode  # type: ignore[method-assign]
    result = await h.manager.submit(REQUEST)
    assert result.state is OrderState.PENDING_SUBMIT


class CrashingClient(FakeClient):
    """The order reaches the exchange, then the process dies before the answer is read."""

    async def place_limit_order(self, *args: Any, **kwargs: Any) -> OrderAck:
        await super().place_limit_order(*args, **kwargs)
        raise asyncio.CancelledError


async def test_crash_after_sending_is_recovered_on_restart_without_placing_twice(tmp_path: Path) -> None:
    path = str(tmp_path / "live.db")
    exchange = CrashingClient()
    h = await live(exchange, await open_db(path))
    with pytest.raises(asyncio.CancelledError):
        await h.manager.submit(REQUEST)
    await close_dbs()
    # restart: a fresh manager over the same database and the same exchange
    restarted = FakeClient(orders=exchange.orders, calls=exchange.calls)
    h2 = await build(live_settings(), client=restarted, db=await open_db(path), clock=ManualClock())
    [recovered] = await h2.manager.recover_pending()
    assert recovered.state is OrderState.OPEN and recovered.valr_order_id == "valr-1"
    assert len(restarted.order_calls) == 1


async def test_sync_records_each_fill_once_and_follows_the_status() -> None:
    client = FakeClient()
    h = await live(client)
    result = await h.manager.submit(REQUEST)
    cid = result.correlation_id
    fill_on_exchange(client, cid, "0.0004", "999000", "t-1")
    await h.manager.sync_live_orders()
    await h.manager.sync_live_orders()  # the same trade again: still one fill row
    [record] = await h.manager.orders()
    assert record.state is OrderState.PARTIALLY_FILLED and record.filled_quantity == D("0.0004")
    fill_on_exchange(client, cid, "0.0006", "999000", "t-2")
    await h.manager.sync_live_orders()
    [record] = await h.manager.orders()
    assert record.state is OrderState.FILLED and record.filled_quantity == D("0.001")
    assert record.fee_total == D("0.000002")
    fills = await stored_fills(h.db, cid, "LIVE")
    assert [f.trade_id for f in fills] == ["t-1", "t-2"]
    assert fills[0].traded_at == 1795514400123  # VALR's tradedAt, not the time we saw it
    assert (await events(h.db, cid)).count("ORDER_FILL") == 2


async def test_live_cancel_goes_by_customer_order_id_and_a_failed_cancel_restores_the_state() -> None:
    client = FakeClient()
    h = await live(client)
    result = await h.manager.submit(REQUEST)
    client.cancel_error = ExchangeUnavailableError("down")
    with pytest.raises(ExchangeUnavailableError):
        await h.manager.cancel(result.correlation_id)
    [record] = await h.manager.orders()
    assert record.state is OrderState.SUBMITTED
    client.cancel_error = None
    record = await h.manager.cancel(result.correlation_id)
    assert record.state is OrderState.CANCELLED
    assert client.order_calls[-1] == ("cancel_order", ("BTCZAR", result.correlation_id))
    assert (await events(h.db, result.correlation_id))[-2:] == [
        "ORDER_CANCEL_REQUESTED", "ORDER_CANCELLED"]


async def test_dry_run_manager_syncs_and_recovers_nothing() -> None:
    h = await build()
    await h.manager.sync_live_orders()
    assert h.client.calls == []


# --- against the simulator with the real VALRClient ---------------------------------------------
async def test_live_round_trip_against_the_simulator() -> None:
    from tests.trading.order_fakes import SIM_KEY, SIM_SECRET, SimMarket
    from valr_tui.exchange.valr_client import VALRClient
    from valr_tui.simulator.server import SimulatorServer
    from valr_tui.trading.order_manager import OrderManager
    from valr_tui.trading.safety import SafetyController

    async with SimulatorServer(SIM_KEY, SIM_SECRET, seed=1, tick_interval=None) as sim:
        cfg = live_settings(api_key=Secret(SIM_KEY), api_secret=Secret(SIM_SECRET),
                            base_url=sim.base_url, max_order_zar=D("100000"))
        async with VALRClient.from_settings(cfg) as client:
            pairs = {p.symbol: p for p in await client.get_pairs()}
            market = SimMarket(client)
            quote = await market.refresh("BTCZAR")
            assert quote.ticker is not None
            db = await open_db()
            manager = await OrderManager.create(cfg, db, SafetyController(db), market, pairs, client,
                                                None)
            await manager.refresh_balances()
            bid = quote.ticker.bid
            resting = await manager.submit(OrderRequest("BTCZAR", "BUY", str(bid - 20000), "0.001"))
            assert resting.state is OrderState.SUBMITTED and resting.order_id
            await manager.sync_live_orders()
            [record] = await manager.orders()
            assert record.state is OrderState.OPEN and record.valr_order_id == resting.order_id
            cancelled = await manager.cancel(resting.correlation_id)
            assert cancelled.state is OrderState.CANCELLED
            status = await client.get_order("BTCZAR", customer_order_id=resting.correlation_id)
            assert status.status == "Cancelled"
            ask = quote.ticker.ask
            taker = await manager.submit(OrderRequest("BTCZAR", "BUY", str(ask + 1000), "0.001"))
            await manager.sync_live_orders()
            record = next(o for o in await manager.orders() if o.correlation_id == taker.correlation_id)
            assert record.state is OrderState.FILLED and record.filled_quantity == D("0.001")
            fills = await stored_fills(db, taker.correlation_id, "LIVE")
            assert sum(f.quantity for f in fills) == D("0.001") and all(f.fee >= 0 for f in fills)
            posts = [p for m, p in sim.exchange.request_log if m == "POST"]
            assert posts.count("/v1/orders/limit") == 2  # each order sent exactly once
