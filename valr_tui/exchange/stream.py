"""The VALR market-data WebSocket (``/ws/trade``): tickers, books and trades as typed models.

``MarketStream.updates()`` runs until ``close()``: it connects (signed when a signer exists),
subscribes, keeps the socket alive with VALR's ``{"type":"PING"}``, and reconnects with
exponential backoff after any drop. A malformed message is logged and skipped; it never ends
the stream. A crossed book is passed on with ``OrderBook.crossed`` set: the consumer decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any, Final

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

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


def parse_message(raw: str | bytes, fetched_at: float) -> StreamUpdate | None:
    """One WS frame as a model; ``None`` for control messages (PONG, AUTHENTICATED, ...).

    Raises MalformedResponseError for a frame that is not the shape VALR documents.
    """
    try:
        message = loads(raw)
    except (ValueError, DecimalError, RecursionError):
        raise MalformedResponseError("stream: frame is not valid JSON") from None
    if not isinstance(message, Mapping):
        raise MalformedResponseError("stream: frame is not a JSON object")
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


def _is_pong(frame: str | bytes) -> bool:
    try:
        message = loads(frame)
    except (ValueError, DecimalError, RecursionError):
        return False
    return isinstance(message, Mapping) and message.get("type") == "PONG"


def _with_pair(data: Mapping[str, Any], pair: object, key: str) -> Mapping[str, Any]:
    """VALR puts the pair in the envelope; some payloads repeat it, some do not."""
    if key in data or not isinstance(pair, str):
        return data
    return {**data, key: pair}


class MarketStream:
    def __init__(
        self,
        ws_url: str,
        pairs: Sequence[str],
        *,
        signer: VALRSigner | None = None,
        ping_interval: float = 30.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        clock: Callable[[], float] = time.time,
        on_state: Callable[[StreamState], None] | None = None,
    ) -> None:
        self._url = websocket_url(ws_url) + TRADE_PATH
        self._pairs = tuple(pairs)
        self._signer = signer
        self._ping_interval = ping_interval
        self._backoff_initial = backoff_initial
        self._backoff_max = max(backoff_max, backoff_initial)
        self._clock = clock
        self._on_state = on_state
        self._rng = random.Random()
        self._closed = asyncio.Event()
        self._socket: ClientConnection | None = None
        self.state = StreamState.DOWN
        self.connections = 0  # successful handshakes so far (reconnects show up here)
        self.pings_sent = 0
        self.pongs_received = 0
        self.reconnect_in = 0.0  # seconds the current DOWN period waits before reconnecting

    def __repr__(self) -> str:
        return f"MarketStream(url={self._url!r}, pairs={self._pairs!r}, state={self.state})"

    async def updates(self) -> AsyncIterator[StreamUpdate]:
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
                    max_size=4 * 1024 * 1024,
                ) as socket:
                    self._socket = socket
                    if self._closed.is_set():
                        break
                    await socket.send(subscribe_message(self._pairs))
                    connected_at = self._clock()
                    self.connections += 1
                    self._set_state(StreamState.CONNECTED)
                    pinger = asyncio.create_task(self._keep_alive(socket))
                    try:
                        async for frame in socket:
                            update = self._parse(frame)
                            if update is not None:
                                delivered += 1
                                yield update
                    finally:
                        pinger.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await pinger
                log.info("market stream closed by the server")
            except (OSError, WebSocketException, TimeoutError) as exc:
                log.warning("market stream dropped: %s", type(exc).__name__)
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
            log.info("market stream reconnecting in %.2f s", wait)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), timeout=wait)
            delay = min(delay * 2, self._backoff_max)
        self._set_state(StreamState.DOWN)

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
        return self._signer.headers("GET", TRADE_PATH, "")

    async def _keep_alive(self, socket: ClientConnection) -> None:
        """VALR's application-level keep-alive: ``{"type":"PING"}`` every ping_interval."""
        ping = dumps({"type": "PING"})
        try:
            while True:
                await asyncio.sleep(self._ping_interval)
                await socket.send(ping)
                self.pings_sent += 1
        except WebSocketException:
            return  # the receive loop sees the drop and reconnects

    def _parse(self, frame: str | bytes) -> StreamUpdate | None:
        try:
            update = parse_message(frame, self._clock())
        except MalformedResponseError as exc:
            log.warning("skipping a malformed stream message: %s", exc.message)
            return None
        if update is None and _is_pong(frame):
            self.pongs_received += 1
        if isinstance(update, OrderBook) and update.crossed:
            log.warning(
                "crossed orderbook on the stream for %s: bid %s > ask %s",
                update.pair, update.best_bid, update.best_ask,
            )
        return update

    def _set_state(self, state: StreamState) -> None:
        if state == self.state:
            return
        self.state = state
        if self._on_state is not None:
            try:
                self._on_state(state)
            except Exception:  # a broken observer must not kill the stream
                log.exception("stream state observer failed")
