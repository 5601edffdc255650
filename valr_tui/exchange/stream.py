"""VALR's WebSockets: ``ValrSocket`` (connect, keep alive, reconnect) and on it the market-data
stream (``/ws/trade``): tickers, books and trades as typed models.

``MarketStream.updates()`` runs until ``close()``: it connects (signed when a signer exists),
subscribes, keeps the socket alive with VALR's ``{"type":"PING"}`` more often than VALR's "every
30 seconds", treats a socket whose PONG does not come back within ``pong_timeout`` as dead, and
reconnects with exponential backoff after any drop (VALR also closes unauthenticated trade
sockets after 15 minutes). A malformed message is logged and skipped; it never ends the stream.
A crossed book is passed on with ``OrderBook.crossed`` set: the consumer decides.

Superseded frames: a reader task takes frames off the socket as they arrive, and the parser
takes every frame waiting (up to MAX_BATCH) at once. A whole-state frame (a book or a market
summary: each is a full snapshot of its pair) followed in that batch by a newer one of the same
kind and pair is not parsed: only the newest of each is. Trades (and everything on the account
socket) are never skipped, and what is yielded keeps the order of arrival. Should the newest
state frame prove malformed, the newest skipped one that parses is yielded in its place. The
batch is decoded at once (JSON only); the models are built one per ``yield``, so a consumer that
lets the loop run between updates never waits behind a batch of parsing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Hashable, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Any, Final, Generic, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedOK, WebSocketException

from valr_tui.errors import DecimalError, MalformedResponseError
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.models import OrderBook, TickerData, Trade
from valr_tui.money.decimal_gateway import dumps, loads

log = logging.getLogger(__name__)

StreamUpdate = TickerData | OrderBook | Trade

TRADE_PATH: Final = "/ws/trade"
MARKET_SUMMARY_UPDATE: Final = "MARKET_SUMMARY_UPDATE"
AGGREGATED_ORDERBOOK_UPDATE: Final = "AGGREGATED_ORDERBOOK_UPDATE"
NEW_TRADE: Final = "NEW_TRADE"
SUBSCRIBED_EVENTS: Final = (MARKET_SUMMARY_UPDATE, AGGREGATED_ORDERBOOK_UPDATE, NEW_TRADE)
# A connection counts as healthy (and resets the backoff) once it has delivered data and lived
# this long; a server that accepts and drops at once must not be hammered.
HEALTHY_AFTER_S: Final = 5.0
OPEN_TIMEOUT_S: Final = 10.0
PING_INTERVAL_S: Final = 20.0  # strictly more often than VALR's "every 30 seconds"
PONG_TIMEOUT_S: Final = 5.0  # a PONG later than this: the socket is dead, reconnect
MAX_FRAME_BYTES: Final = 4 * 1024 * 1024
MAX_BATCH: Final = 16  # frames taken off the reader's queue at once (decoded together: ~1.5 ms of JSON)
MAX_READ_AHEAD: Final = 1024  # frames read ahead of the parser; beyond, the socket buffers
# No permessage-deflate: inflating every frame cost the client ~25 µs a book (and the in-process
# simulator as much again to deflate it) for bytes a trading screen's link does not miss
# (~30 KB/s uncompressed for two pairs). VALR sends plain frames to a client that offers none.
COMPRESSION: Final = None
U = TypeVar("U")
# frames read off a socket ahead of the parser; then None (closed normally) or what ended it
Inbox = asyncio.Queue[str | bytes | BaseException | None]


class StreamState(StrEnum):
    CONNECTING = "CONNECTING"
    CONNECTED = "CONNECTED"
    DOWN = "DOWN"


def websocket_url(base: str) -> str:
    """``VALR_WS_URL`` may be given as http(s)://; the handshake needs ws(s)://."""
    base = base.rstrip("/")
    for http, ws in (("https://", "wss://"), ("http://", "ws://")):
        if base.lower().startswith(http):
            return ws + base[len(http):]
    return base


def subscribe_message(pairs: Sequence[str]) -> str:
    return dumps(
        {
            "type": "SUBSCRIBE",
            "subscriptions": [{"event": event, "pairs": list(pairs)} for event in SUBSCRIBED_EVENTS],
        }
    )


def decode_frame(raw: str | bytes, what: str) -> Mapping[str, Any]:
    """A WS frame's JSON object (through the Decimal Gateway); MalformedResponseError if not."""
    try:
        message = loads(raw)
    except (ValueError, DecimalError, RecursionError):
        raise MalformedResponseError(f"{what}: frame is not valid JSON") from None
    if not isinstance(message, Mapping):
        raise MalformedResponseError(f"{what}: frame is not a JSON object")
    return message


def parse_message(raw: str | bytes, fetched_at: float) -> StreamUpdate | None:
    """One WS frame as a model; ``None`` for control messages (PONG, AUTHENTICATED, ...).

    Raises MalformedResponseError for a frame that is not the shape VALR documents.
    """
    return market_update(decode_frame(raw, "stream"), fetched_at)


def market_update(message: Mapping[str, Any], fetched_at: float) -> StreamUpdate | None:
    """``parse_message`` for a frame already decoded."""
    kind = message.get("type")
    if kind not in SUBSCRIBED_EVENTS:
        return None
    data = message.get("data")
    if not isinstance(data, Mapping):
        raise MalformedResponseError(f"stream: {kind} without a data object")
    envelope_pair = message.get("currencyPairSymbol")
    try:
        if kind == MARKET_SUMMARY_UPDATE:
            return TickerData.from_valr(_with_pair(data, envelope_pair, "currencyPairSymbol"),
                                        fetched_at=fetched_at, source="ws")
        if kind == AGGREGATED_ORDERBOOK_UPDATE:
            if not isinstance(envelope_pair, str) or not envelope_pair:
                raise MalformedResponseError("stream: orderbook update without currencyPairSymbol")
            return OrderBook.from_valr(data, envelope_pair)
        return Trade.from_valr(_with_pair(data, envelope_pair, "currencyPair"))
    except (KeyError, TypeError, ValueError, AttributeError, DecimalError):
        raise MalformedResponseError(f"stream: {kind} has an unexpected shape") from None


def _with_pair(data: Mapping[str, Any], pair: object, key: str) -> Mapping[str, Any]:
    """VALR puts the pair in the envelope; some payloads repeat it, some do not."""
    if key in data or not isinstance(pair, str):
        return data
    return {**data, key: pair}


class ValrSocket(Generic[U]):
    """One VALR WebSocket path, kept open: ``updates()`` yields parsed frames from every
    connection until ``close()``. Subclasses give the path, what to send on connect and the
    frame parser (``None`` for frames that carry no update)."""

    path: str = ""
    name: str = "stream"

    def __init__(
        self,
        ws_url: str,
        *,
        signer: VALRSigner | None = None,
        ping_interval: float = PING_INTERVAL_S,
        pong_timeout: float = PONG_TIMEOUT_S,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        clock: Callable[[], float] = time.time,
        on_state: Callable[[StreamState], None] | None = None,
    ) -> None:
        self._url = websocket_url(ws_url) + self.path
        self._signer = signer
        self.ping_interval = ping_interval
        self.pong_timeout = pong_timeout
        self._backoff_initial = backoff_initial
        self._backoff_max = max(backoff_max, backoff_initial)
        self._clock = clock
        self._on_state = on_state
        self._rng = random.Random()
        self._closed = asyncio.Event()
        self._socket: ClientConnection | None = None
        self._last_pong_at = float("-inf")  # event-loop time of the latest PONG
        self._dead_closer: asyncio.Future[None] | None = None
        self.state = StreamState.DOWN
        self.connections = 0  # successful handshakes so far (reconnects show up here)
        self.pings_sent = 0
        self.pongs_received = 0
        self.pong_timeouts = 0  # sockets given up on because their PONG did not come back
        self.superseded = 0  # state frames not parsed: a newer one of the same pair was waiting
        self._inbox: Inbox | None = None  # the current connection's frames read ahead
        self._batch_left = 0  # updates of the batch being yielded still to come after this one
        self.reconnect_in = 0.0  # seconds the current DOWN period waits before reconnecting

    # -- what a subclass provides ---------------------------------------------------------------
    async def _on_connected(self, socket: ClientConnection) -> None:
        """Called once per connection, before any frame is read."""

    def _parse_frame(self, message: Mapping[str, Any]) -> U | None:
        """The update a decoded frame carries; None for control frames."""
        raise NotImplementedError

    def _state_key(self, message: Mapping[str, Any]) -> Hashable | None:
        """For a frame that carries a whole state (a newer one with the same key makes it
        worthless), that key; None for a frame that must always be parsed."""
        return None

    # -- the loop -------------------------------------------------------------------------------
    async def updates(self) -> AsyncIterator[U]:
        """Every update from every connection, until ``close()``."""
        delay = self._backoff_initial
        while not self._closed.is_set():
            self.reconnect_in = 0.0
            self._set_state(StreamState.CONNECTING)
            connected_at: float | None = None
            delivered = 0
            try:
                async with connect(
                    self._url,
                    additional_headers=self._handshake_headers(),
                    open_timeout=OPEN_TIMEOUT_S,
                    max_size=MAX_FRAME_BYTES,
                    compression=COMPRESSION,
                ) as socket:
                    self._socket = socket
                    if self._closed.is_set():
                        break
                    await self._on_connected(socket)
                    connected_at = self._clock()
                    self.connections += 1
                    self._set_state(StreamState.CONNECTED)
                    pinger = asyncio.create_task(self._keep_alive(socket))
                    inbox: Inbox = asyncio.Queue(MAX_READ_AHEAD)
                    self._inbox = inbox
                    reader = asyncio.create_task(self._read(socket, inbox))
                    try:
                        while (frames := await self._next_batch(inbox)) is not None:
                            for update in self._batch_updates(frames):
                                delivered += 1
                                yield update
                    finally:
                        self._inbox, self._batch_left = None, 0
                        for task in (pinger, reader):
                            task.cancel()
                            with contextlib.suppress(asyncio.CancelledError):
                                await task
                log.info("%s closed by the server", self.name)
            except (OSError, WebSocketException, TimeoutError) as exc:
                log.warning("%s dropped: %s", self.name, type(exc).__name__)
            finally:
                self._socket = None
            if self._closed.is_set():
                break
            healthy = (
                connected_at is not None and delivered > 0
                and self._clock() - connected_at >= HEALTHY_AFTER_S
            )
            if healthy:
                delay = self._backoff_initial
            wait = delay * self._rng.uniform(0.8, 1.2)  # jitter: clients do not reconnect in lockstep
            self.reconnect_in = wait
            self._set_state(StreamState.DOWN)
            log.info("%s reconnecting in %.2f s", self.name, wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), timeout=wait)
            delay = min(delay * 2, self._backoff_max)
        self._set_state(StreamState.DOWN)

    def more_waiting(self) -> bool:
        """Whether more is already here behind the update just yielded (the rest of its batch,
        or frames read ahead): a consumer that wants others to run before it goes on yields to
        the loop then, and only then (otherwise the next ``__anext__`` waits on the socket anyway)."""
        return self._batch_left > 0 or (self._inbox is not None and not self._inbox.empty())

    async def close(self) -> None:
        self._closed.set()
        socket = self._socket
        if socket is not None:
            await socket.close()
        self._set_state(StreamState.DOWN)

    # -- internals ------------------------------------------------------------------------------
    def _handshake_headers(self) -> dict[str, str] | None:
        if self._signer is None:
            return None
        return self._signer.headers("GET", self.path, "")

    async def _keep_alive(self, socket: ClientConnection) -> None:
        """VALR's application-level keep-alive: ``{"type":"PING"}`` every ping_interval. A PING
        whose PONG has not come back within pong_timeout marks the socket dead: it is closed,
        so the receive loop ends and reconnects."""
        ping = dumps({"type": "PING"})
        loop = asyncio.get_running_loop()
        watchdogs: list[asyncio.TimerHandle] = []
        try:
            while True:
                await asyncio.sleep(self.ping_interval)
                sent_at = loop.time()
                await socket.send(ping)
                self.pings_sent += 1
                watchdogs = [w for w in watchdogs if not w.cancelled()][-4:]
                watchdogs.append(loop.call_later(self.pong_timeout, self._check_pong, socket, sent_at))
        except WebSocketException:
            return  # the receive loop sees the drop and reconnects
        finally:
            for watchdog in watchdogs:
                watchdog.cancel()

    def _check_pong(self, socket: ClientConnection, ping_sent_at: float) -> None:
        if self._last_pong_at >= ping_sent_at or self._socket is not socket:
            return
        self.pong_timeouts += 1
        log.warning("%s: no PONG within %.1f s; reconnecting", self.name, self.pong_timeout)
        self._dead_closer = asyncio.ensure_future(socket.close())

    @staticmethod
    async def _read(socket: ClientConnection, inbox: Inbox) -> None:
        """Every frame of ``socket`` into ``inbox`` as it arrives, then None (closed normally) or
        the exception that ended the connection."""
        ending: BaseException | None = None
        try:
            while True:
                await inbox.put(await socket.recv())
        except ConnectionClosedOK:
            pass
        except Exception as exc:  # raised in the parser's task, which handles it as it always did
            ending = exc
        await inbox.put(ending)

    @staticmethod
    async def _next_batch(inbox: Inbox) -> list[str | bytes] | None:
        """The frames waiting (at least one; at most MAX_BATCH), None once the socket closed;
        raises what ended the connection."""
        frames: list[str | bytes] = []
        item = await inbox.get()
        while True:
            if item is None or isinstance(item, BaseException):
                if frames:  # the frames before the end go out first
                    inbox.put_nowait(item)
                    return frames
                if item is None:
                    return None
                raise item
            frames.append(item)
            if len(frames) >= MAX_BATCH or inbox.empty():
                return frames
            item = inbox.get_nowait()

    def _batch_updates(self, frames: Sequence[str | bytes]) -> Iterator[U]:
        """The updates of frames received together, in order, each decoded once; a state frame
        with a newer one of its key later in the batch is skipped (see the module docstring)."""
        messages = [self._decode(frame) for frame in frames]
        keys = [None if message is None else self._state_key(message) for message in messages]
        newest = {key: index for index, key in enumerate(keys) if key is not None}
        kept = sum(1 for index, message in enumerate(messages)
                   if message is not None and (keys[index] is None or newest[keys[index]] == index))
        skipped: dict[Hashable, list[Mapping[str, Any]]] = {}
        for index, message in enumerate(messages):
            if message is None:
                continue
            key = keys[index]
            if key is not None and newest[key] != index:
                skipped.setdefault(key, []).append(message)
                self.superseded += 1
                continue
            kept -= 1
            candidates = [message, *reversed(skipped.pop(key, []))] if key is not None else [message]
            for candidate in candidates:  # the newest that parses: a malformed state frame is skipped
                parsed, update = self._parse(candidate)
                if parsed:
                    if update is not None:
                        self._batch_left = kept
                        yield update
                    break
        self._batch_left = 0

    def _decode(self, frame: str | bytes) -> Mapping[str, Any] | None:
        """A frame's JSON object; None for a PONG (counted) or a malformed frame (logged)."""
        try:
            message = decode_frame(frame, self.name)
        except MalformedResponseError as exc:
            log.warning("skipping a malformed %s message: %s", self.name, exc.message)
            return None
        if message.get("type") == "PONG":
            self.pongs_received += 1
            self._last_pong_at = asyncio.get_running_loop().time()
            return None
        return message

    def _parse(self, message: Mapping[str, Any]) -> tuple[bool, U | None]:
        """(parsed, update): ``_parse_frame``'s update; (False, None) for a malformed message."""
        try:
            return True, self._parse_frame(message)
        except MalformedResponseError as exc:
            log.warning("skipping a malformed %s message: %s", self.name, exc.message)
            return False, None

    def _set_state(self, state: StreamState) -> None:
        if state == self.state:
            return
        self.state = state
        if self._on_state is not None:
            try:
                self._on_state(state)
            except Exception:  # a broken observer must not kill the stream
                log.exception("%s state observer failed", self.name)


class MarketStream(ValrSocket[StreamUpdate]):
    """``/ws/trade``: MARKET_SUMMARY_UPDATE, AGGREGATED_ORDERBOOK_UPDATE and NEW_TRADE for
    ``pairs``, subscribed on every connection."""

    path = TRADE_PATH
    name = "market stream"

    def __init__(self, ws_url: str, pairs: Sequence[str], **kwargs: Any) -> None:
        self._pairs = tuple(pairs)
        super().__init__(ws_url, **kwargs)

    def __repr__(self) -> str:
        return f"MarketStream(url={self._url!r}, pairs={self._pairs!r}, state={self.state})"

    async def _on_connected(self, socket: ClientConnection) -> None:
        await socket.send(subscribe_message(self._pairs))

    def _state_key(self, message: Mapping[str, Any]) -> Hashable | None:
        """A market summary and an aggregated book each carry their pair's whole state."""
        kind = message.get("type")
        if kind not in (MARKET_SUMMARY_UPDATE, AGGREGATED_ORDERBOOK_UPDATE):
            return None
        pair = message.get("currencyPairSymbol")
        if not isinstance(pair, str) and isinstance(data := message.get("data"), Mapping):
            pair = data.get("currencyPair")
        return (kind, pair) if isinstance(pair, str) and pair else None

    def _parse_frame(self, message: Mapping[str, Any]) -> StreamUpdate | None:
        update = market_update(message, self._clock())
        if isinstance(update, OrderBook) and update.crossed:
            log.warning(
                "crossed orderbook on the stream for %s: bid %s > ask %s",
                update.pair, update.best_bid, update.best_ask,
            )
        return update
