"""AccountStream against the simulator's /ws/account, with VALR's asynchronous order processing
(202 first, the order placed and its events afterwards), the history-summary switch, modify,
failed cancels and fills; and the trade socket's keep-alive and 15-minute anonymous limit."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from websockets.asyncio.server import ServerConnection, serve

from tests.exchange.fakes import StreamConsumer as Events
from valr_tui.errors import OrderNotFoundError
from valr_tui.exchange.account_stream import (
    AccountStream,
    AccountTradeEvent,
    BalanceEvent,
    FailedCancelEvent,
    ModifyOutcomeEvent,
    OpenOrdersEvent,
    OrderProcessedEvent,
    OrderStatusEvent,
)
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.models import StatusClass, TickerData
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.exchange.stream import MarketStream, StreamState
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.simulator.server import SimulatorServer

KEY = "sim-api-key-0123456789"
SECRET = "sim-api-secret-0123456789abcdef"
BTC = "BTCZAR"


def client(sim: SimulatorServer) -> VALRClient:
    bucket = TokenBucket(capacity=10_000, refill_per_second=10_000)
    return VALRClient(sim.base_url, signer=VALRSigner(KEY, SECRET), bucket=bucket, timeout=5.0)


@pytest.fixture
async def sim() -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(
        KEY, SECRET, seed=1, tick_interval=None, order_processing_delay_s=0.05
    ) as server:
        yield server


@pytest.fixture
async def events(sim: SimulatorServer) -> AsyncIterator[Events]:
    consumer = Events(AccountStream(sim.ws_url, signer=VALRSigner(KEY, SECRET)))
    await consumer.until(lambda: bool(consumer.of(OpenOrdersEvent)))
    yield consumer
    await consumer.close()


async def test_connect_sends_every_balance_then_the_open_orders(events: Events) -> None:
    balances = {event.balance.currency: event.balance for event in events.of(BalanceEvent)}
    assert set(balances) >= {"ZAR", "BTC", "ETH"} and balances["ZAR"].available == Decimal("1000000")
    assert events.of(OpenOrdersEvent) == [OpenOrdersEvent(())]
    assert isinstance(events.updates[-1], OpenOrdersEvent)  # after the balances, as VALR sends them


async def test_an_order_is_accepted_first_and_its_events_follow(sim: SimulatorServer, events: Events) -> None:
    async with client(sim) as valr:
        price = Decimal(sim.exchange.market_summary(BTC)["bidPrice"]) - 1000
        ack = await valr.place_limit_order(BTC, "BUY", Decimal("0.001"), price, "acc-1", post_only=True)
        # VALR's 202 window: accepted, not yet on the book, so the lookup does not find it yet.
        with pytest.raises(OrderNotFoundError):
            await valr.get_order(BTC, customer_order_id="acc-1")
        await events.until(lambda: any(e.order_id == ack.order_id for e in events.of(OrderProcessedEvent)))
        placed = [e.status for e in events.of(OrderStatusEvent) if e.status.order_id == ack.order_id]
        assert placed[0].status == "Placed" and placed[0].order_type == "post-only limit"
        assert placed[0].status_class is StatusClass.OPEN and placed[0].customer_order_id == "acc-1"
        await events.until(lambda: any(e.orders for e in events.of(OpenOrdersEvent)))
        (open_order,) = events.of(OpenOrdersEvent)[-1].orders
        assert open_order.remaining_quantity == Decimal("0.001")  # read from VALR's "quantity"
        assert (await valr.get_order(BTC, customer_order_id="acc-1")).status == "Placed"

        # An amend: 202 with the modify request's id, then its outcome and "Order Modified".
        modify_id = await valr.modify_order(BTC, ack.order_id, new_price=price - 1000)
        await events.until(
            lambda: any(e.modify_request_id == modify_id for e in events.of(ModifyOutcomeEvent))
        )
        (outcome,) = events.of(ModifyOutcomeEvent)
        assert outcome.success and outcome.order_id == ack.order_id
        modified = events.of(OrderStatusEvent)[-1].status
        assert modified.status == "Order Modified" and modified.price == price - 1000

        # A cancel of an unknown order is accepted, then reported as failed.
        await valr.cancel_order(BTC, order_id="no-such-order")
        await events.until(lambda: bool(events.of(FailedCancelEvent)))
        assert events.of(FailedCancelEvent)[0].order_id == "no-such-order"


async def test_a_fill_arrives_as_an_account_trade(sim: SimulatorServer, events: Events) -> None:
    async with client(sim) as valr:
        ask = Decimal(sim.exchange.market_summary(BTC)["askPrice"])
        ack = await valr.place_limit_order(BTC, "BUY", Decimal("0.001"), ask, "acc-2", time_in_force="IOC")
    await events.until(lambda: bool(events.of(AccountTradeEvent)))
    trade = events.of(AccountTradeEvent)[0].trade
    assert trade.order_id == ack.order_id and trade.side == "BUY" and trade.quantity > 0
    assert trade.sequence_id is None  # VALR's NEW_ACCOUNT_TRADE has none: never a made-up 0
    statuses = [e for e in events.of(OrderStatusEvent) if e.status.order_id == ack.order_id]
    assert statuses[-1].status.status_class.is_final
    assert any(e.executed_quantity and e.executed_quantity > 0 for e in statuses)


@pytest.mark.parametrize("finished_in_active_lookup", [True, False])
async def test_finished_orders_are_found_either_way(finished_in_active_lookup: bool) -> None:
    async with SimulatorServer(
        KEY, SECRET, seed=1, tick_interval=None, finished_orders_in_active_lookup=finished_in_active_lookup
    ) as sim, client(sim) as valr:
        bid = Decimal(sim.exchange.market_summary(BTC)["bidPrice"])
        ack = await valr.place_limit_order(BTC, "BUY", Decimal("0.001"), bid - 1000, "fin-1")
        await valr.cancel_order(BTC, order_id=ack.order_id)
        sim.exchange.request_log.clear()
        status = await valr.get_order(BTC, order_id=ack.order_id)
        paths = [path for _method, path in sim.exchange.request_log]
    assert status.status == "Cancelled" and status.status_class is StatusClass.CANCELLED
    if finished_in_active_lookup:  # the collection's behaviour: the active lookup answers
        assert paths == [f"/v1/orders/{BTC}/orderid/{ack.order_id}"]
        assert status.average_price is None
    else:  # the agent skill's: a 404, then the history summary
        assert paths == [f"/v1/orders/{BTC}/orderid/{ack.order_id}",
                         f"/v1/orders/history/summary/orderid/{ack.order_id}"]
        assert status.average_price == Decimal(0) and status.total_fee == Decimal(0)


async def test_anonymous_trade_sockets_are_closed_and_the_stream_reconnects_at_once() -> None:
    async with SimulatorServer(KEY, SECRET, seed=1, tick_interval=0.05, anonymous_ws_lifetime_s=0.4) as sim:
        stream = MarketStream(sim.ws_url, [BTC], backoff_initial=0.05)
        arrivals: list[float] = []
        third_connection = asyncio.Event()

        async def consume() -> None:
            async for update in stream.updates():
                if isinstance(update, TickerData):
                    arrivals.append(asyncio.get_running_loop().time())
                if stream.connections >= 3:
                    third_connection.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(third_connection.wait(), 10)
        await stream.close()
        await asyncio.wait_for(task, 5)
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert stream.connections >= 3  # closed after 0.4 s each time, and back each time
    assert max(gaps) < 1.0  # far below one poll interval (POLL_INTERVAL_S, 5 s by default)


async def test_a_socket_without_pongs_is_treated_as_dead_and_reconnected() -> None:
    connections = 0
    reconnected = asyncio.Event()

    async def silent(ws: ServerConnection) -> None:  # accepts, never answers a PING
        nonlocal connections
        connections += 1
        if connections >= 2:
            reconnected.set()
        async for _message in ws:
            pass

    async with serve(silent, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        states: list[StreamState] = []
        stream = MarketStream(f"ws://127.0.0.1:{port}", [BTC], ping_interval=0.05, pong_timeout=0.1,
                              backoff_initial=0.02, on_state=states.append)
        task = asyncio.create_task(anext(stream.updates(), None))
        await asyncio.wait_for(reconnected.wait(), 5)
        await stream.close()
        task.cancel()
    assert stream.pong_timeouts >= 1 and StreamState.DOWN in states


def test_default_keep_alive_is_strictly_more_often_than_valr_s_30_seconds() -> None:
    stream = MarketStream("ws://127.0.0.1:1", [BTC])
    assert stream.ping_interval < 30 and stream.pong_timeout <= 10
