"""MarketStream against a scripted loopback WebSocket server (websockets' asyncio server)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve

from tests.exchange import valr_responses as R
from tests.exchange.fakes import API_KEY, API_SECRET
from valr_tui.errors import MalformedResponseError
from valr_tui.exchange import stream as stream_module
from valr_tui.exchange.hmac_signer import VALRSigner, compute_signature
from valr_tui.exchange.models import OrderBook, TickerData, Trade
from valr_tui.exchange.stream import (
    MarketStream,
    StreamState,
    StreamUpdate,
    parse_message,
    websocket_url,
)

SUMMARY = json.loads(R.MARKET_SUMMARY)
BOOK = json.loads(R.ORDERBOOK)
TRADE = {"price": "1234567", "quantity": "0.001", "currencyPair": "BTCZAR",
         "tradedAt": "2026-11-24T19:00:00Z", "takerSide": "buy", "id": "t-1"}


def envelope(kind: str, data: Any, pair: str = "BTCZAR") -> str:
    return json.dumps({"type": kind, "currencyPairSymbol": pair, "data": data})


class FakeValr:
    """Records handshakes and client messages; each connection runs ``script``."""

    def __init__(self, script: Callable[[ServerConnection, int], Awaitable[None]]) -> None:
        self.script = script
        self.handshakes: list[dict[str, str]] = []
        self.paths: list[str] = []
        self.received: list[dict[str, Any]] = []
        self.server: Server | None = None

    async def handler(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        self.handshakes.append(dict(ws.request.headers.raw_items()))
        self.paths.append(ws.request.path)
        self.received.append(json.loads(await ws.recv()))  # VALR pushes data after SUBSCRIBE
        reader = asyncio.create_task(self._read(ws))
        try:
            await self.script(ws, len(self.handshakes))
        finally:
            reader.cancel()

    async def _read(self, ws: ServerConnection) -> None:
        async for message in ws:
            self.received.append(json.loads(message))

    @property
    def url(self) -> str:
        assert self.server is not None
        port = next(iter(self.server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}"


async def running(fake: FakeValr) -> AsyncIterator[FakeValr]:
    async with serve(fake.handler, "127.0.0.1", 0) as server:
        fake.server = server
        yield fake


async def collect(stream: MarketStream, count: int, limit_s: float = 5.0) -> list[StreamUpdate]:
    out: list[StreamUpdate] = []

    async def run() -> None:
        async for update in stream.updates():
            out.append(update)
            if len(out) >= count:
                return

    await asyncio.wait_for(run(), limit_s)
    return out


async def send_all_then_hold(ws: ServerConnection, _n: int) -> None:
    await ws.send(json.dumps({"type": "AUTHENTICATED"}))
    await ws.send(envelope("MARKET_SUMMARY_UPDATE", SUMMARY))
    await ws.send("{not json")
    await ws.send(envelope("AGGREGATED_ORDERBOOK_UPDATE", {"Asks": "nope"}))
    await ws.send(envelope("AGGREGATED_ORDERBOOK_UPDATE", BOOK))
    await ws.send(json.dumps({"type": "PONG"}))
    await ws.send(envelope("NEW_TRADE", TRADE))
    await ws.wait_closed()


async def test_subscribes_signs_and_parses_skipping_malformed_frames() -> None:
    signer = VALRSigner(API_KEY, API_SECRET, clock_ms=lambda: 1_764_010_800_000)
    states: list[StreamState] = []
    async for fake in running(FakeValr(send_all_then_hold)):
        stream = MarketStream(fake.url, ["BTCZAR", "ETHZAR"], signer=signer, on_state=states.append)
        updates = await collect(stream, 3)
        await stream.close()
    ticker, book, trade = updates
    assert isinstance(ticker, TickerData) and ticker.source == "ws" and ticker.bid == Decimal("1234567")
    assert isinstance(book, OrderBook) and book.pair == "BTCZAR" and book.sequence == 90071992547409931
    assert isinstance(trade, Trade) and trade.taker_side == "BUY" and trade.price == Decimal("1234567")
    assert fake.paths == ["/ws/trade"]
    headers = {k.lower(): v for k, v in fake.handshakes[0].items()}
    assert headers["x-valr-api-key"] == API_KEY
    assert headers["x-valr-signature"] == compute_signature(
        API_SECRET, headers["x-valr-timestamp"], "GET", "/ws/trade", ""
    )
    subscribe = fake.received[0]
    assert subscribe["type"] == "SUBSCRIBE"
    assert {s["event"] for s in subscribe["subscriptions"]} == {
        "MARKET_SUMMARY_UPDATE", "AGGREGATED_ORDERBOOK_UPDATE", "NEW_TRADE"
    }
    assert all(s["pairs"] == ["BTCZAR", "ETHZAR"] for s in subscribe["subscriptions"])
    assert states[:2] == [StreamState.CONNECTING, StreamState.CONNECTED]
    assert states[-1] == StreamState.DOWN and stream.state == StreamState.DOWN


async def test_unsigned_stream_sends_no_credentials() -> None:
    async for fake in running(FakeValr(send_all_then_hold)):
        stream = MarketStream(fake.url, ["BTCZAR"])
        await collect(stream, 1)
        await stream.close()
    assert not any(k.lower().startswith("x-valr") for k in fake.handshakes[0])


async def test_the_handshake_offers_no_compression() -> None:
    # permessage-deflate would cost an inflate per frame here and a deflate per frame per socket
    # on the server (the demo's simulator runs in the same process)
    async for fake in running(FakeValr(send_all_then_hold)):
        stream = MarketStream(fake.url, ["BTCZAR"])
        await collect(stream, 1)
        await stream.close()
    assert not any(k.lower() == "sec-websocket-extensions" for k in fake.handshakes[0])


async def test_reconnects_after_drops_with_growing_backoff() -> None:
    async def drop_twice(ws: ServerConnection, n: int) -> None:
        await ws.send(envelope("MARKET_SUMMARY_UPDATE", {**SUMMARY, "lastTradedPrice": str(n)}))
        if n < 3:
            await ws.close()  # a drop right after data: not healthy, so the backoff grows
        else:
            await ws.wait_closed()

    states: list[StreamState] = []
    loop = asyncio.get_running_loop()
    async for fake in running(FakeValr(drop_twice)):
        stream = MarketStream(fake.url, ["BTCZAR"], backoff_initial=0.05, backoff_max=1.0,
                              on_state=states.append)
        started = loop.time()
        updates = await collect(stream, 3)
        elapsed = loop.time() - started
        await stream.close()
    assert [u.last for u in updates if isinstance(u, TickerData)] == [Decimal(1), Decimal(2), Decimal(3)]
    assert stream.connections == 3
    assert states.count(StreamState.DOWN) >= 2
    assert elapsed >= 0.05 * 0.8 + 0.1 * 0.8  # waited 0.05 then 0.1 (jittered)


async def test_a_healthy_connection_resets_the_backoff() -> None:
    async def data_then_drop(ws: ServerConnection, n: int) -> None:
        await ws.send(envelope("MARKET_SUMMARY_UPDATE", {**SUMMARY, "lastTradedPrice": str(n)}))
        await asyncio.sleep(0.05)
        await ws.close()

    ticks = iter(range(0, 10_000, 10))  # every clock reading is 10 s later: each link lived long
    waits: list[float] = []
    stream: MarketStream | None = None

    def on_state(state: StreamState) -> None:
        if state == StreamState.DOWN and stream is not None and stream.reconnect_in:
            waits.append(stream.reconnect_in)

    async for fake in running(FakeValr(data_then_drop)):
        stream = MarketStream(fake.url, ["BTCZAR"], backoff_initial=0.05, backoff_max=5,
                              clock=lambda: float(next(ticks)), on_state=on_state)
        await collect(stream, 4)
        await stream.close()
    assert len(waits) >= 3
    assert all(0.04 <= w <= 0.06 for w in waits)  # never doubled


async def test_unhealthy_drops_double_the_backoff_up_to_the_cap() -> None:
    async def data_then_drop(ws: ServerConnection, n: int) -> None:
        await ws.send(envelope("MARKET_SUMMARY_UPDATE", {**SUMMARY, "lastTradedPrice": str(n)}))
        await ws.close()

    waits: list[float] = []
    stream: MarketStream | None = None

    def on_state(state: StreamState) -> None:
        if state == StreamState.DOWN and stream is not None and stream.reconnect_in:
            waits.append(stream.reconnect_in)

    async for fake in running(FakeValr(data_then_drop)):
        stream = MarketStream(fake.url, ["BTCZAR"], backoff_initial=0.02, backoff_max=0.08,
                              clock=lambda: 0.0, on_state=on_state)
        await collect(stream, 5)
        await stream.close()
    nominal = [0.02, 0.04, 0.08, 0.08]
    assert len(waits) >= 4
    for wait, expected in zip(waits, nominal, strict=False):
        assert expected * 0.8 <= wait <= expected * 1.2


async def test_reconnects_when_the_server_refuses_for_a_while() -> None:
    async with serve(lambda ws: ws.wait_closed(), "127.0.0.1", 0) as probe:
        port = next(iter(probe.sockets)).getsockname()[1]
    # Nothing listens on the port now: connection refused, then a server appears.
    stream = MarketStream(f"ws://127.0.0.1:{port}", ["BTCZAR"], backoff_initial=0.05, backoff_max=0.1)

    async def start_later() -> None:
        await asyncio.sleep(0.3)
        fake = FakeValr(send_all_then_hold)
        async with serve(fake.handler, "127.0.0.1", port):
            await asyncio.sleep(3)

    server_task = asyncio.create_task(start_later())
    try:
        updates = await collect(stream, 1)
    finally:
        await stream.close()
        server_task.cancel()
    assert isinstance(updates[0], TickerData)


async def test_sends_ping_every_interval() -> None:
    async def hold(ws: ServerConnection, _n: int) -> None:
        await ws.send(envelope("MARKET_SUMMARY_UPDATE", SUMMARY))
        await asyncio.sleep(0.35)
        await ws.send(envelope("NEW_TRADE", TRADE))
        await ws.wait_closed()

    async for fake in running(FakeValr(hold)):
        stream = MarketStream(fake.url, ["BTCZAR"], ping_interval=0.1)
        await collect(stream, 2)
        await stream.close()
    pings = [m for m in fake.received if m == {"type": "PING"}]
    assert len(pings) >= 2
    assert stream.pings_sent == len(pings)


async def test_close_while_waiting_for_data_ends_the_iterator() -> None:
    async def quiet(ws: ServerConnection, _n: int) -> None:
        await ws.wait_closed()

    connected = asyncio.Event()

    def on_state(state: StreamState) -> None:
        if state == StreamState.CONNECTED:
            connected.set()

    async for fake in running(FakeValr(quiet)):
        stream = MarketStream(fake.url, ["BTCZAR"], on_state=on_state)
        consumer = asyncio.create_task(collect(stream, 1))
        await asyncio.wait_for(connected.wait(), 5)
        await stream.close()
        assert await asyncio.wait_for(consumer, 2) == []
        assert stream.state == StreamState.DOWN


def test_crossed_book_is_flagged_and_passed_on() -> None:
    update = parse_message(envelope("AGGREGATED_ORDERBOOK_UPDATE", json.loads(R.CROSSED_ORDERBOOK)), 1.0)
    assert isinstance(update, OrderBook) and update.crossed


@pytest.mark.parametrize(
    "frame",
    [
        "[]", "null", "{", '{"type":"MARKET_SUMMARY_UPDATE"}',
        envelope("MARKET_SUMMARY_UPDATE", {"bidPrice": "1"}),
        envelope("MARKET_SUMMARY_UPDATE", {**SUMMARY, "bidPrice": 1e400}),
        envelope("AGGREGATED_ORDERBOOK_UPDATE", BOOK, pair=None),  # type: ignore[arg-type]
        envelope("NEW_TRADE", {**TRADE, "takerSide": "sideways"}),
        envelope("NEW_TRADE", [1, 2]),
        '{"type":"NEW_TRADE","data":{"price":NaN}}',
    ],
)
def test_malformed_frames_raise_only_malformed_response(frame: str) -> None:
    with pytest.raises(MalformedResponseError):
        parse_message(frame, 1.0)


def test_control_messages_are_not_updates() -> None:
    for kind in ("PONG", "AUTHENTICATED", "SUBSCRIBED", "SOMETHING_NEW"):
        assert parse_message(json.dumps({"type": kind}), 1.0) is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("wss://api.valr.com", "wss://api.valr.com"),
        ("wss://api.valr.com/", "wss://api.valr.com"),
        ("https://api.valr.com", "wss://api.valr.com"),
        ("http://127.0.0.1:8765/", "ws://127.0.0.1:8765"),
        ("ws://127.0.0.1:8765", "ws://127.0.0.1:8765"),
    ],
)
def test_websocket_url_accepts_http_style_settings(given: str, expected: str) -> None:
    assert websocket_url(given) == expected


async def test_every_frame_is_decoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[object] = []
    real_loads = stream_module.loads

    def counting_loads(raw: str | bytes) -> Any:
        decoded.append(raw)
        return real_loads(raw)

    monkeypatch.setattr(stream_module, "loads", counting_loads)
    stream = MarketStream("ws://127.0.0.1:1", ["BTCZAR"])
    updates = list(stream._batch_updates([json.dumps({"type": "PONG"}),
                                          envelope("AGGREGATED_ORDERBOOK_UPDATE", BOOK)]))
    assert stream.pongs_received == 1
    assert [type(update) for update in updates] == [OrderBook]
    assert len(decoded) == 2  # every frame was decoded twice: once to ask "PONG?", once to parse


# --- superseded state frames -----------------------------------------------------------------------
def book_frame(sequence: int, pair: str = "BTCZAR", best_ask: str = "1234568") -> str:
    asks = [{**BOOK["Asks"][0], "price": best_ask}, *BOOK["Asks"][1:]]
    return envelope("AGGREGATED_ORDERBOOK_UPDATE", {**BOOK, "Asks": asks, "SequenceNumber": sequence}, pair)


def summary_frame(bid: str, pair: str = "BTCZAR") -> str:
    return envelope("MARKET_SUMMARY_UPDATE", {**SUMMARY, "currencyPair": pair, "bidPrice": bid}, pair)


def trade_frame(trade_id: str, pair: str = "BTCZAR") -> str:
    return envelope("NEW_TRADE", {**TRADE, "id": trade_id, "currencyPair": pair}, pair)


def describe(update: StreamUpdate) -> tuple[str, str, object]:
    if isinstance(update, OrderBook):
        return ("book", update.pair, update.sequence)
    if isinstance(update, TickerData):
        return ("summary", update.pair, update.bid)
    return ("trade", update.pair, update.trade_id)


async def test_a_state_frame_with_a_newer_one_of_its_pair_waiting_is_not_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    books_parsed: list[object] = []
    real_from_valr = OrderBook.from_valr

    def counting(raw: object, pair: str) -> OrderBook:
        books_parsed.append(raw)
        return real_from_valr(raw, pair)

    monkeypatch.setattr(OrderBook, "from_valr", counting)
    stream = MarketStream("ws://127.0.0.1:1", ["BTCZAR", "ETHZAR"])
    frames = [book_frame(1), trade_frame("t-1"), summary_frame("100"), book_frame(2),
              book_frame(7, "ETHZAR"), trade_frame("t-2"), summary_frame("101"), book_frame(3),
              trade_frame("t-3", "ETHZAR")]
    updates = [describe(update) for update in stream._batch_updates(frames)]
    # the newest book and summary of each pair, every trade, in the order they arrived
    assert updates == [("trade", "BTCZAR", "t-1"), ("book", "ETHZAR", 7), ("trade", "BTCZAR", "t-2"),
                       ("summary", "BTCZAR", Decimal("101")), ("book", "BTCZAR", 3),
                       ("trade", "ETHZAR", "t-3")]
    assert len(books_parsed) == 2 and stream.superseded == 3


async def test_models_are_built_one_per_update_taken() -> None:
    stream = MarketStream("ws://127.0.0.1:1", ["BTCZAR", "ETHZAR"])
    parsed: list[object] = []
    real = stream._parse

    def counting(message: Any) -> Any:
        parsed.append(message)
        return real(message)

    stream._parse = counting  # type: ignore[method-assign]
    updates = stream._batch_updates([book_frame(1), book_frame(2, "ETHZAR"), trade_frame("t-1")])
    assert describe(next(updates)) == ("book", "BTCZAR", 1)
    assert len(parsed) == 1  # the rest waits until the consumer asks (the loop runs in between)
    assert [describe(update) for update in updates] == [("book", "ETHZAR", 2), ("trade", "BTCZAR", "t-1")]


async def test_more_waiting_while_the_batch_or_the_inbox_holds_more() -> None:
    stream = MarketStream("ws://127.0.0.1:1", ["BTCZAR"])
    assert not stream.more_waiting()  # not connected: nothing read ahead
    # book 1 is superseded by book 2: after the trade only book 2 is still to come
    updates = stream._batch_updates([book_frame(1), trade_frame("t-1"), book_frame(2)])
    assert describe(next(updates)) == ("trade", "BTCZAR", "t-1") and stream.more_waiting()
    assert describe(next(updates)) == ("book", "BTCZAR", 2) and not stream.more_waiting()
    assert list(updates) == [] and not stream.more_waiting()
    inbox: stream_module.Inbox = asyncio.Queue()
    stream._inbox = inbox
    assert not stream.more_waiting()
    inbox.put_nowait(trade_frame("t-2"))  # read ahead, not yet taken by the parser
    assert stream.more_waiting()


async def test_more_waiting_is_false_after_the_last_update_of_a_connection() -> None:
    async for fake in running(FakeValr(send_all_then_hold)):
        stream = MarketStream(fake.url, ["BTCZAR"])
        updates = await collect(stream, 3)
        await asyncio.sleep(0.05)  # every frame the server sent has arrived
        assert len(updates) == 3 and not stream.more_waiting()
        await stream.close()


async def test_a_malformed_newest_state_frame_gives_way_to_the_newest_good_one() -> None:
    stream = MarketStream("ws://127.0.0.1:1", ["BTCZAR"])
    broken = envelope("AGGREGATED_ORDERBOOK_UPDATE", {"Asks": "nope"})
    frames = [book_frame(1), book_frame(2), trade_frame("t"), broken]
    updates = [describe(update) for update in stream._batch_updates(frames)]
    assert updates == [("trade", "BTCZAR", "t"), ("book", "BTCZAR", 2)]


async def burst_then_hold(ws: ServerConnection, _n: int) -> None:
    """60 changes of BTCZAR (book, summary, trade each) written in one go, then a marker trade."""
    for n in range(60):
        await ws.send(book_frame(n + 1, best_ask=str(1_234_568 + n)))
        await ws.send(summary_frame(str(1_000 + n)))
        await ws.send(trade_frame(f"t-{n}"))
    await ws.send(trade_frame("last", "ETHZAR"))
    await ws.wait_closed()


async def consume_slowly(stream: MarketStream) -> list[StreamUpdate]:
    """Every update up to the marker trade, busy for a while after the first one."""
    seen: list[StreamUpdate] = []
    async for update in stream.updates():
        if not seen:
            await asyncio.sleep(0.3)  # busy elsewhere: the burst piles up on the socket
        seen.append(update)
        if describe(update) == ("trade", "ETHZAR", "last"):
            break
    return seen


async def test_a_burst_read_by_a_slow_consumer_keeps_every_trade_and_the_newest_state() -> None:
    async for fake in running(FakeValr(burst_then_hold)):
        stream = MarketStream(fake.url, ["BTCZAR", "ETHZAR"])
        seen = await asyncio.wait_for(consume_slowly(stream), 5)
        await stream.close()
    trades = [update.trade_id for update in seen if isinstance(update, Trade)]
    assert trades == [f"t-{n}" for n in range(60)] + ["last"]  # never dropped, in order
    books = [update for update in seen if isinstance(update, OrderBook)]
    assert books[-1].sequence == 60 and books[-1].best_ask == Decimal(1_234_627)
    assert [book.sequence for book in books] == sorted({book.sequence for book in books})
    assert [update.bid for update in seen if isinstance(update, TickerData)][-1] == Decimal(1_059)
    assert stream.superseded > 0 and len(books) < 30  # most of the piled-up books were not parsed
