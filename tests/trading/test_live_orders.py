"""LIVE orders through the VALR venue against a fake VALR client: commit-before-send, ack, definite
and ambiguous failures (UNKNOWN until proven), restart recovery by customerOrderId, fills, real
cancels (CANCEL_REQUESTED until VALR says so), fills that race a cancel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
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


async def live(client: FakeClient | None = None, db: Database | None = None,
               clock: ManualClock | None = None) -> Harness:
    return await build(live_settings(), client=client, db=db, clock=clock)


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
    assert audit_then == ["ORDER_PENDING_SUBMIT"]
    assert spy.order_calls == [("place_limit_order", ("BTCZAR", "BUY", D("0.001"), D("999000"),
                                                     result.correlation_id))]
    # accepted (SUBMITTED), then the first look at VALR saw it placed
    assert result.execution_mode == "LIVE" and result.state is OrderState.OPEN
    now = await row(db, result.correlation_id)
    assert now["status"] == "OPEN" and now["valr_order_id"] == result.order_id == "valr-1"
    assert json.loads(now["valr_response"]) == {"id": "valr-1", "customerOrderId": result.correlation_id}
    assert now["execution_mode"] == "LIVE" and now["customer_order_id"] == result.correlation_id
    assert await events(db, result.correlation_id) == [
        "ORDER_PENDING_SUBMIT", "ORDER_ACCEPTED", "ORDER_OPEN"]


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
    await h.venue.balances()
    result = await h.manager.submit(OrderRequest("BTCZAR", "SELL", "1001000", "0.004"))
    assert result.state is OrderState.OPEN
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


async def test_an_ambiguous_order_is_unknown_blocks_its_pair_and_is_adopted_when_found() -> None:
    clock = ManualClock()
    client = FakeClient(place_error=ExchangeUnavailableError("504", status=504, order_state="unknown"),
                        place_error_after_placing=True)
    h = await live(client, clock=clock)
    result = await h.manager.submit(REQUEST)
    assert result.state is OrderState.UNKNOWN and "never resent" in result.message
    assert (await row(h.db, result.correlation_id))["status"] == "UNKNOWN"
    # new orders on that pair wait; the other pair is free
    assert "VALR-ORD-020" in [p.code for p in h.manager.preview(REQUEST).problems]
    assert "VALR-ORD-020" not in [p.code for p in h.manager.preview(
        OrderRequest("ETHZAR", "BUY", "50000", "0.01")).problems]
    assert await h.manager.resolve_unknown() == []  # inside the settle window: not asked yet
    clock.advance(3)
    [resolved] = await h.manager.resolve_unknown()
    assert resolved.state is OrderState.OPEN and resolved.valr_order_id == "valr-1"
    assert len(client.order_calls) == 1  # never placed twice
    assert await h.manager.resolve_unknown() == []  # idempotent
    assert h.manager.preview(REQUEST).ok  # the pair is free again
    assert await events(h.db, result.correlation_id) == [
        "ORDER_PENDING_SUBMIT", "ORDER_UNKNOWN", "ORDER_RESOLVED"]


async def test_an_ambiguous_order_is_failed_only_when_proven_absent_three_times() -> None:
    clock = ManualClock()
    client = FakeClient(place_error=ExchangeUnavailableError("timeout", order_state="unknown"))
    h = await live(client, clock=clock)
    result = await h.manager.submit(REQUEST)
    client.get_error = ExchangeUnavailableError("still down")
    clock.advance(3)
    assert await h.manager.resolve_unknown() == []  # cannot tell: stays UNKNOWN
    client.get_error = None
    for _ in range(2):
        clock.advance(3)
        assert await h.manager.resolve_unknown() == []  # not found once, twice: still UNKNOWN
        assert (await row(h.db, result.correlation_id))["status"] == "UNKNOWN"
    clock.advance(3)
    [failed] = await h.manager.resolve_unknown()
    assert failed.state is OrderState.FAILED
    assert (await row(h.db, result.correlation_id))["error_code"] == "VALR-ORD-009"
    assert len(client.order_calls) == 1  # proven absent, and still not resent
    assert (await events(h.db, result.correlation_id)).count("ORDER_LOOKUP_ABSENT") == 2


async def test_unexpected_exception_is_treated_as_ambiguous() -> None:
    h = await live(FakeClient())

    async def explode(*args: Any, **kwargs: Any) -> OrderAck:
        raise OSError("connection reset")

    h.client.place_limit_order = explode  # type: ignore[method-assign]
    result = await h.manager.submit(REQUEST)
    assert result.state is OrderState.UNKNOWN


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
    clock = ManualClock()
    h2 = await build(live_settings(), client=restarted, db=await open_db(path), clock=clock)
    [record] = await h2.manager.orders()
    assert record.state is OrderState.UNKNOWN  # a restart proves nothing
    clock.advance(3)
    [recovered] = await h2.manager.resolve_unknown()
    assert recovered.state is OrderState.OPEN and recovered.valr_order_id == "valr-1"
    assert len(restarted.order_calls) == 1


async def test_sync_records_each_fill_once_and_follows_the_status() -> None:
    client = FakeClient()
    h = await live(client)
    result = await h.manager.submit(REQUEST)
    cid = result.correlation_id
    fill_on_exchange(client, cid, "0.0004", "999000", "t-1")
    await h.manager.sync()
    await h.manager.sync()  # the same trade again: still one fill row
    [record] = await h.manager.orders()
    assert record.state is OrderState.PARTIALLY_FILLED and record.filled_quantity == D("0.0004")
    fill_on_exchange(client, cid, "0.0006", "999000", "t-2")
    await h.manager.sync()
    [record] = await h.manager.orders()
    assert record.state is OrderState.FILLED and record.filled_quantity == D("0.001")
    assert record.fee_total == D("0.000002")
    fills = await stored_fills(h.db, cid, "LIVE")
    assert [f.trade_id for f in fills] == ["t-1", "t-2"]
    assert fills[0].traded_at == 1795514400123  # VALR's tradedAt, not the time we saw it
    assert (await events(h.db, cid)).count("ORDER_FILL") == 2


async def test_a_cancel_is_requested_until_valr_says_cancelled() -> None:
    client = FakeClient(cancel_lags=True)
    h = await live(client)
    result = await h.manager.submit(REQUEST)
    record = await h.manager.cancel(result.correlation_id)
    assert record.state is OrderState.CANCEL_REQUESTED  # 202 is not "cancelled"
    assert client.order_calls[-1] == ("cancel_order", ("BTCZAR", result.correlation_id))
    await h.manager.sync()
    [record] = await h.manager.orders()
    assert record.state is OrderState.CANCEL_REQUESTED  # VALR still lists it as placed
    status = client.orders[result.correlation_id]
    client.orders[result.correlation_id] = replace(status, status="Cancelled")  # VALR got to it
    await h.manager.sync()
    [record] = await h.manager.orders()
    assert record.state is OrderState.CANCELLED
    assert (await events(h.db, result.correlation_id))[-2:] == [
        "ORDER_CANCEL_REQUESTED", "ORDER_CANCELLED"]


async def test_a_fill_that_races_the_cancel_is_recorded_and_the_order_ends_filled() -> None:
    client = FakeClient(cancel_lags=True)
    h = await live(client)
    result = await h.manager.submit(REQUEST)
    cid = result.correlation_id
    record = await h.manager.cancel(cid)
    assert record.state is OrderState.CANCEL_REQUESTED
    fill_on_exchange(client, cid, "0.001", "999000", "t-race")  # it filled before VALR cancelled
    await h.manager.sync()
    [record] = await h.manager.orders()
    assert record.state is OrderState.FILLED and record.filled_quantity == D("0.001")
    assert [f.trade_id for f in await stored_fills(h.db, cid, "LIVE")] == ["t-race"]


async def test_a_refused_cancel_restores_the_state_and_a_failed_send_stays_requested() -> None:
    client = FakeClient()
    h = await live(client)
    result = await h.manager.submit(REQUEST)
    client.cancel_error = ExchangeError("order not open", status=400, valr_code=-5)
    with pytest.raises(ExchangeError):
        await h.manager.cancel(result.correlation_id)
    [record] = await h.manager.orders()
    assert record.state is OrderState.OPEN  # refused: back to what it was
    client.cancel_error = ExchangeUnavailableError("timeout", order_state="unknown")
    with pytest.raises(ExchangeUnavailableError):
        await h.manager.cancel(result.correlation_id)
    [record] = await h.manager.orders()
    assert record.state is OrderState.CANCEL_REQUESTED  # maybe sent: revisited until final
    client.cancel_error = None
    await h.manager.sync()  # the cancel is asked again, VALR cancels it
    await h.manager.sync()
    [record] = await h.manager.orders()
    assert record.state is OrderState.CANCELLED


async def test_dry_run_manager_sync_sends_nothing() -> None:
    h = await build()
    await h.manager.sync()
    assert h.client.calls == []


# --- against the simulator with the real VALRClient ---------------------------------------------
async def test_live_round_trip_against_the_simulator() -> None:
    from tests.trading.order_fakes import SIM_KEY, SIM_SECRET, SimMarket
    from valr_tui.exchange.valr_client import VALRClient
    from valr_tui.simulator.server import SimulatorServer
    from valr_tui.trading.order_manager import OrderManager
    from valr_tui.trading.safety import SafetyController
    from valr_tui.trading.valr_venue import ValrVenue

    async with SimulatorServer(SIM_KEY, SIM_SECRET, seed=1, tick_interval=None) as sim:
        cfg = live_settings(api_key=Secret(SIM_KEY), api_secret=Secret(SIM_SECRET),
                            base_url=sim.base_url, max_order_zar=D("100000"))
        async with VALRClient.from_settings(cfg) as client:
            pairs = {p.symbol: p for p in await client.get_pairs()}
            market = SimMarket(client)
            quote = await market.refresh("BTCZAR")
            assert quote.ticker is not None
            db = await open_db()
            venue = ValrVenue(client, cfg, pairs=pairs)
            manager = await OrderManager.create(cfg, db, SafetyController(db), market, pairs, venue)
            bid = quote.ticker.bid
            resting = await manager.submit(OrderRequest("BTCZAR", "BUY", str(bid - 20000), "0.001"))
            assert resting.state is OrderState.OPEN and resting.order_id
            [record] = await manager.orders()
            assert record.valr_order_id == resting.order_id
            cancelled = await manager.cancel(resting.correlation_id)
            assert cancelled.state is OrderState.CANCELLED
            status = await client.get_order("BTCZAR", customer_order_id=resting.correlation_id)
            assert status.status == "Cancelled"
            ask = quote.ticker.ask
            taker = await manager.submit(OrderRequest("BTCZAR", "BUY", str(ask + 1000), "0.001"))
            await manager.sync()
            record = next(o for o in await manager.orders() if o.correlation_id == taker.correlation_id)
            assert record.state is OrderState.FILLED and record.filled_quantity == D("0.001")
            fills = await stored_fills(db, taker.correlation_id, "LIVE")
            assert sum(f.quantity for f in fills) == D("0.001") and all(f.fee >= 0 for f in fills)
            posts = [p for m, p in sim.exchange.request_log if m == "POST"]
            assert posts.count("/v1/orders/limit") == 2  # each order sent exactly once
