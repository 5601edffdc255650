"""The simulator's HTTP and WebSocket server: VALR's REST paths and WS feeds over a ``SimExchange``,
plus the ``/_sim/`` control API for fault injection. Starlette app served by uvicorn on loopback.

Runs in-process (tests: ``async with SimulatorServer(...) as sim``), embedded by the app's demo
mode, and standalone (``valr-tui sim`` / ``python -m valr_tui.simulator``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from types import TracebackType
from typing import Any, Final

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import Server

from valr_tui.errors import ConfigError, DecimalError, ExchangeError, ValrTuiError
from valr_tui.money.decimal_gateway import DecimalGateway, dumps, loads
from valr_tui.secrets import Secret
from valr_tui.simulator.auth import Authenticator, AuthFailure
from valr_tui.simulator.buckets import SimBuckets
from valr_tui.simulator.exchange import FAULT_EVENT, SimEvent, SimExchange
from valr_tui.simulator.limits import RateLimits, WindowCounter
from valr_tui.trading.clock import Clock, system_clock

__all__ = ["RateLimits", "SimulatorServer", "main"]

log = logging.getLogger(__name__)

CONTROL_PREFIX: Final = "/_sim/"
REQUEST_LINE: Final = re.compile(rb"[A-Z]+ (\S+) HTTP/1\.[01]\r\n")
HANG_POLL_S: Final = 0.05
HTML_ERROR_PAGE: Final = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    "</center><hr><center>cloudflare</center></body></html>"
)
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "::1", "localhost"})

Handler = Callable[[Request, bytes], Response]


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(dumps(payload), status_code=status, media_type="application/json")


def valr_error(status: int, code: int, message: str, **extra: Any) -> Response:
    return json_response({"code": code, "message": message, **extra}, status)


def exchange_error_response(error: ExchangeError) -> Response:
    extra = {key: value for key, value in error.details.items() if key not in ("status", "valr_code")}
    return valr_error(error.status or 400, error.valr_code or -1, error.message, **extra)


def auth_failure_response(failure: AuthFailure) -> Response:
    return valr_error(failure.status, failure.code, failure.message)


def rate_limited_response() -> Response:
    """VALR's 429: ``x-valr-ratelimited: true`` and no Retry-After (its reference: "The limit
    will be reset at the start of the next minute" / second)."""
    return Response(
        "Rate limit exceeded", status_code=429, media_type="text/plain",
        headers={"x-valr-ratelimited": "true"},
    )


def _parse_json(body: bytes) -> Any:
    try:
        return loads(body)
    except (ValueError, DecimalError):
        raise ExchangeError("Invalid JSON", status=400, valr_code=-113) from None


def _query_int(request: Request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > maximum:
        raise ExchangeError(f"{name} must be an integer in [0, {maximum}]", status=400, valr_code=-11)
    return int(raw)


def _path_with_query(scope: MutableMapping[str, Any]) -> str:
    """The raw request target as the client signed it (path bytes as received + query)."""
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    return (raw_path + (b"?" + query if query else b"")).decode("latin-1")


class _WsClient:
    """One connected WebSocket: its outbound queue and (on /ws/trade) its subscriptions."""

    def __init__(self, account: bool) -> None:
        self.account = account
        # messages to send: an object, or an event's text rendered once for every socket
        self.queue: asyncio.Queue[dict[str, Any] | str | None] = asyncio.Queue()
        self.subscriptions: dict[str, set[str]] = {}

    def wants(self, event: SimEvent) -> bool:
        if event.account:
            return self.account
        return not self.account and event.pair in self.subscriptions.get(event.type, set())


class SimulatorServer:
    """A VALR look-alike on loopback. ``port=0`` picks a free port; ``tick_interval=None`` turns
    the background market loop off so tests drive it with ``exchange.step()``; ``clock`` (default:
    system time) drives timestamps, the signature window, rate-limit windows and fault expiry.
    ``anonymous_ws_lifetime_s``: unauthenticated /ws/trade sockets are closed after it (VALR: 15
    minutes). ``finished_orders_in_active_lookup=False``: the active-order lookup answers 404 for
    a finished order (VALR's agent skill) instead of its status (VALR's collection).
    ``order_processing_delay_s``: answer a LIMIT order's 202 first and place it that much later."""

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int | None = None,
        tick_interval: float | None = 0.5,
        pairs: tuple[str, ...] = ("BTCZAR", "ETHZAR"),
        limits: RateLimits | None = None,
        clock: Clock | None = None,
        timestamp_window_s: float = 30.0,
        anonymous_ws_lifetime_s: float = 900.0,
        finished_orders_in_active_lookup: bool = True,
        order_processing_delay_s: float | None = None,
    ) -> None:
        if not api_key or not api_secret:
            raise ConfigError("the simulator needs an API key and secret")
        self._clock = clock or system_clock
        self.exchange = SimExchange(api_key, seed=seed, pairs=pairs, clock=self._clock)
        self.buckets = SimBuckets(self.exchange, seed=seed)
        self.limits = limits or RateLimits()
        self._auth = Authenticator(api_key, Secret(api_secret), self._clock, timestamp_window_s)
        self._counter = WindowCounter(self._clock, 60)
        self._second_counter = WindowCounter(self._clock, 1)
        # VALR: "all unauthenticated WebSocket connections are automatically closed after 15
        # minutes regardless of activity" (WebSocket API overview).
        self.anonymous_ws_lifetime_s = anonymous_ws_lifetime_s
        self.exchange.finished_orders_in_active_lookup = finished_orders_in_active_lookup
        # None: a LIMIT order is matched before its 202 goes out. A number: VALR's way, the 202
        # first and the order placed (lookups find it, account events follow) that much later.
        self.order_processing_delay_s = order_processing_delay_s
        self._host = host
        self._port = port
        self._tick_interval = tick_interval
        self._ws_clients: set[_WsClient] = set()
        self._server: Server | None = None
        self._socket: socket.socket | None = None
        self._market_task: asyncio.Task[None] | None = None
        self._stopping = False
        self.exchange.add_listener(self._on_event)
        self.app = Starlette(routes=self._routes())

    def __repr__(self) -> str:
        return f"SimulatorServer(host={self._host!r}, port={self._port})"

    # --- lifecycle -------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self._url_host}:{self._port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self._url_host}:{self._port}"

    @property
    def _url_host(self) -> str:
        return f"[{self._host}]" if ":" in self._host else self._host

    async def start(self) -> None:
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
        # and without it every response waits ~40 ms for a delayed ACK (Nagle).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._port = sock.getsockname()[1]
        config = Config(
            self.app,
            http=self._protocol_class(),
            ws="websockets-sansio",
            lifespan="off",
            log_config=None,  # never touch the host app's logging (the TUI owns the terminal)
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        config.load()
        # uvicorn's start-up and shutdown without its ``serve`` loop: no signal handlers taken
        # from the host app, and no 0.1 s tick to wait for when stopping.
        self._server = Server(config)
        self._server.lifespan = config.lifespan_class(config)
        self._socket = sock
        await self._server.startup(sockets=[sock])
        if self._tick_interval is not None:
            self._market_task = asyncio.create_task(self._market_loop(self._tick_interval))

    async def stop(self) -> None:
        self._stopping = True
        if self._market_task is not None:
            self._market_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._market_task
        for client in list(self._ws_clients):
            client.queue.put_nowait(None)
        if self._server is not None and self._socket is not None:
            server, self._server = self._server, None
            await server.shutdown(sockets=[self._socket])
        self.exchange.remove_listener(self._on_event)

    async def __aenter__(self) -> SimulatorServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _market_loop(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                self.exchange.step()
            except Exception:  # a bug in one tick must not stop the market
                log.exception("simulator market step failed")

    def _refusing(self) -> bool:
        fault = self.exchange.fault("outage")
        return fault is not None and fault.params["mode"] == "refuse"

    def _protocol_class(self) -> type[asyncio.Protocol]:
        refusing = self._refusing

        class RefusingH11Protocol(H11Protocol):
            """uvicorn's h11 protocol that can hang up without answering (an outage in "refuse"
            mode). Connections whose current request targets /_sim/ are never dropped; the
            decision is taken at each request line and holds for the body chunks after it."""

            control_request = False

            def data_received(self, data: bytes) -> None:
                request_line = REQUEST_LINE.match(data)
                if request_line is not None:
                    self.control_request = request_line.group(1).startswith(CONTROL_PREFIX.encode())
                if not self.control_request and refusing():
                    self.transport.close()
                    return
                super().data_received(data)

        return RefusingH11Protocol

    # --- routing ---------------------------------------------------------------------------------
    def _routes(self) -> list[BaseRoute]:
        public, signed = self._valr(public=True), self._valr(public=False)
        ex = self.exchange
        def orderbook(request: Request, body: bytes) -> Response:
            return json_response(ex.order_book(request.path_params["pair"]))

        def trades(request: Request, body: bytes) -> Response:
            limit = _query_int(request, "limit", 100, 100)
            return json_response(ex.public_trades(request.path_params["pair"], limit))

        # VALR's routes only: the signed market data is orderbook and tradehistory (no signed
        # market summary); the public trade history is /trades. Anything else is a 404.
        market_data: list[tuple[str, Callable[[Request], Awaitable[Response]]]] = [
            ("/v1/public/{pair}/marketsummary", public(
                lambda r, b: json_response(ex.market_summary(r.path_params["pair"])))),
            ("/v1/public/{pair}/orderbook", public(orderbook)),
            ("/v1/public/{pair}/trades", public(trades)),
            ("/v1/marketdata/{pair}/orderbook", signed(orderbook)),
            ("/v1/marketdata/{pair}/tradehistory", signed(trades)),
            ("/v1/public/{pair}/buckets", public(lambda r, b: json_response(
                self.buckets.query(r.path_params["pair"], r.query_params)))),
        ]
        routes: list[BaseRoute] = [
            Route("/v1/public/pairs", public(lambda r, b: json_response(ex.pairs_wire()))),
            Route("/v1/public/marketsummary", public(
                lambda r, b: json_response([ex.market_summary(pair) for pair in ex.pairs]))),
            Route("/v1/public/time", public(lambda r, b: json_response(ex.server_time()))),
            Route("/v1/public/status", public(lambda r, b: json_response({"status": "online"}))),
        ]
        routes += [Route(path, endpoint) for path, endpoint in market_data]
        routes += [
            Route("/v1/account/balances", signed(self._balances)),
            Route("/v1/account/tradehistory", signed(self._trade_history)),
            Route("/v1/account/{pair}/tradehistory", signed(self._trade_history)),
            Route("/v1/orders/limit", signed(self._place_limit), methods=["POST"]),
            Route("/v1/orders/market", signed(self._place_market), methods=["POST"]),
            Route("/v1/orders/order", signed(self._cancel), methods=["DELETE"]),
            Route("/v1/orders/open", signed(
                lambda r, b: json_response([o.open_wire() for o in ex.open_orders()]))),
            Route("/v1/orders/history", signed(lambda r, b: json_response(
                ex.order_history(_query_int(r, "skip", 0, 10**6), _query_int(r, "limit", 100, 500))))),
            Route("/v1/orders/modify", signed(self._modify), methods=["PUT"]),
            Route("/v1/orders/history/summary/orderid/{order_id}", signed(lambda r, b: json_response(
                ex.order_history_summary(order_id=r.path_params["order_id"])))),
            Route("/v1/orders/history/summary/customerorderid/{cid}", signed(lambda r, b: json_response(
                ex.order_history_summary(customer_order_id=r.path_params["cid"])))),
            Route("/v1/orders/{pair}/orderid/{order_id}", signed(lambda r, b: json_response(
                ex.active_order(r.path_params["pair"], order_id=r.path_params["order_id"]).status_wire()))),
            Route("/v1/orders/{pair}/customerorderid/{cid}", signed(lambda r, b: json_response(
                ex.active_order(r.path_params["pair"], customer_order_id=r.path_params["cid"])
                .status_wire()))),
            WebSocketRoute("/ws/trade", self._websocket),
            WebSocketRoute("/ws/account", self._websocket),
            Route("/_sim/fault", self._control(self._control_fault), methods=["POST"]),
            Route("/_sim/faults", self._control(self._control_clear), methods=["DELETE"]),
            Route("/_sim/state", self._control(lambda body: ex.state()), methods=["GET"]),
            Route("/_sim/price", self._control(self._control_price), methods=["POST"]),
            Route("/_sim/step", self._control(self._control_step), methods=["POST"]),
            Route("/_sim/balance", self._control(self._control_balance), methods=["POST"]),
            Route("/{path:path}", self._not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]
        return routes

    async def _not_found(self, request: Request) -> Response:
        self.exchange.request_log.append((request.method, request.url.path))
        return valr_error(404, -1, "Not found")

    def _valr(self, *, public: bool) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
        """Wrap a handler in what every VALR path goes through: the request log, faults, rate
        limits, authentication (signed paths) and VALR-style error bodies."""

        def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
            async def endpoint(request: Request) -> Response:
                self.exchange.request_log.append((request.method, request.url.path))
                early = await self._http_faults()
                if early is not None:
                    return early
                try:
                    body = await request.body()
                except ClientDisconnect:
                    return Response(b"", status_code=400)  # nobody is left to read it
                refusal = self._admit(request, body, public=public)
                if refusal is not None:
                    return refusal
                try:
                    response = handler(request, body)
                except ExchangeError as error:
                    response = exchange_error_response(error)
                except ValrTuiError as error:  # any other bad input is a clear 400, never a 500
                    response = valr_error(400, -11, error.message)
                if self.exchange.fault("malformed") is not None:
                    response = Response(
                        bytes(response.body)[: max(1, len(response.body) // 2)] or b"{",
                        status_code=response.status_code, media_type="application/json",
                    )
                return response

            return endpoint

        return wrap

    async def _http_faults(self) -> Response | None:
        ex = self.exchange
        while (outage := ex.fault("outage")) is not None and not self._stopping:
            if outage.params["mode"] == "refuse":  # a keep-alive connection that slipped through
                return Response(b"", status_code=503)
            await asyncio.sleep(HANG_POLL_S)
        if (latency := ex.fault("latency")) is not None:
            await asyncio.sleep(latency.params["delay_ms"] / 1000)
        if (server_error := ex.fault("http_5xx")) is not None:
            status = server_error.params["status"]
            return Response("upstream error", status_code=status, media_type="text/plain")
        if (html := ex.fault("html")) is not None:
            return Response(HTML_ERROR_PAGE, status_code=html.params["status"], media_type="text/html")
        if ex.fault("rate_limit_storm") is not None:
            return rate_limited_response()
        return None

    def _admit(self, request: Request, body: bytes, *, public: bool) -> Response | None:
        """A route with its own limit (per second, or /v1/public/* per minute) counts only
        against that limit; every other route against the per-IP and per-key minute windows.
        Authentication comes before any per-key count."""
        client_ip = request.client.host if request.client else "unknown"
        own = self.limits.for_route(request.method, request.url.path)
        if own is not None:
            counter = self._second_counter if own.window_s == 1 else self._counter
            identity = client_ip if public else self.exchange.api_key
            if not counter.hit(own.scope, identity, own.limit):
                return rate_limited_response()
        elif not self._counter.hit("ip", client_ip, self.limits.per_ip_per_minute):
            return rate_limited_response()
        if public:
            return None
        failure = self._auth.check(
            request.method, _path_with_query(request.scope), body,
            {key.lower(): value for key, value in request.headers.items()},
        )
        if failure is not None:
            return auth_failure_response(failure)
        key_limit = self.limits.per_key_per_minute
        if own is None and not self._counter.hit("key", self.exchange.api_key, key_limit):
            return rate_limited_response()
        return None

    # --- signed handlers -------------------------------------------------------------------------
    def _balances(self, request: Request, body: bytes) -> Response:
        exclude = request.query_params.get("excludeZeroBalances", "false").lower() == "true"
        return json_response(self.exchange.balances_wire(exclude_zero=exclude))

    def _trade_history(self, request: Request, body: bytes) -> Response:
        return json_response(
            self.exchange.trade_history(
                _query_int(request, "skip", 0, 10**6), _query_int(request, "limit", 100, 100),
                request.path_params.get("pair"),
            )
        )

    def _place_limit(self, request: Request, body: bytes) -> Response:
        delay = self.order_processing_delay_s
        order = self.exchange.place_limit_order(_parse_json(body), defer=delay is not None)
        if delay is not None:
            asyncio.get_running_loop().call_later(delay, self.exchange.process_accepted, order)
        return self._accepted(order)

    def _place_market(self, request: Request, body: bytes) -> Response:
        return self._accepted(self.exchange.place_market_order(_parse_json(body)))

    @staticmethod
    def _accepted(order: Any) -> Response:
        payload: dict[str, Any] = {"id": order.order_id}
        if order.customer_order_id:
            payload["customerOrderId"] = order.customer_order_id
        return json_response(payload, 202)

    def _modify(self, request: Request, body: bytes) -> Response:
        return json_response({"id": self.exchange.modify_order(_parse_json(body))}, 202)

    def _cancel(self, request: Request, body: bytes) -> Response:
        self.exchange.cancel_order(_parse_json(body))
        return Response(b"", status_code=202)

    # --- WebSocket -------------------------------------------------------------------------------
    def _on_event(self, event: SimEvent) -> None:
        if event.type == FAULT_EVENT:
            if event.data["kind"] == "ws_drop":
                self._drop_websockets()
            return
        text: str | None = None
        for client in self._ws_clients:
            if client.wants(event):
                text = event.wire_text() if text is None else text
                client.queue.put_nowait(text)

    def _drop_websockets(self) -> None:
        for client in list(self._ws_clients):
            client.queue.put_nowait(None)

    async def _websocket(self, websocket: WebSocket) -> None:
        path = websocket.url.path
        self.exchange.request_log.append(("GET", path))
        ex = self.exchange
        while (outage := ex.fault("outage")) is not None and outage.params["mode"] == "hang":
            if self._stopping:
                break
            await asyncio.sleep(HANG_POLL_S)
        client_ip = websocket.client.host if websocket.client else "unknown"
        headers = {key.lower(): value for key, value in websocket.headers.items()}
        # Like VALR, /ws/trade also accepts unauthenticated sockets (market data only); a socket
        # that does present credentials must present valid ones. /ws/account always needs them.
        anonymous = path == "/ws/trade" and "x-valr-api-key" not in headers
        refused = (
            any(ex.fault(kind) is not None for kind in ("ws_drop", "outage", "http_5xx", "rate_limit_storm"))
            or not self._counter.hit("ws", client_ip, self.limits.ws_connections_per_minute)
            or (
                not anonymous
                and self._auth.check("GET", _path_with_query(websocket.scope), b"", headers) is not None
            )
        )
        if refused or self._stopping:
            await websocket.close(code=1008)  # before accept: the handshake is answered 403
            return
        await websocket.accept()
        client = _WsClient(account=path == "/ws/account")
        self._ws_clients.add(client)
        if not anonymous:
            client.queue.put_nowait({"type": "AUTHENTICATED"})
        if client.account:
            for currency in ex.currencies:
                client.queue.put_nowait({"type": "BALANCE_UPDATE", "data": ex.ws_balance(currency)})
            client.queue.put_nowait({"type": "OPEN_ORDERS_UPDATE", "data": ex.open_orders_wire()})
        reader = asyncio.create_task(self._ws_reader(websocket, client))
        expiry = (
            asyncio.get_running_loop().call_later(self.anonymous_ws_lifetime_s, client.queue.put_nowait, None)
            if anonymous else None
        )
        try:
            while (message := await client.queue.get()) is not None:
                await websocket.send_text(message if isinstance(message, str) else dumps(message))
            with contextlib.suppress(Exception):
                await websocket.close(code=1001)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the client went away
        finally:
            if expiry is not None:
                expiry.cancel()
            self._ws_clients.discard(client)
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def _ws_reader(self, websocket: WebSocket, client: _WsClient) -> None:
        try:
            while True:
                text = await websocket.receive_text()
                self._ws_command(text, client)
        except (WebSocketDisconnect, RuntimeError, OSError):
            client.queue.put_nowait(None)

    def _ws_command(self, text: str, client: _WsClient) -> None:
        try:
            message = loads(text)
        except (ValueError, DecimalError):
            return  # VALR ignores what it cannot parse
        if not isinstance(message, dict):
            return
        if message.get("type") == "PING":
            client.queue.put_nowait({"type": "PONG"})
        elif message.get("type") == "SUBSCRIBE" and not client.account:
            for subscription in message.get("subscriptions") or []:
                if isinstance(subscription, dict):
                    self._subscribe(client, subscription)

    def _subscribe(self, client: _WsClient, subscription: dict[str, Any]) -> None:
        event = subscription.get("event")
        pairs = [p.upper() for p in subscription.get("pairs") or [] if isinstance(p, str)]
        snapshots: dict[str, Callable[[str], Any]] = {
            "MARKET_SUMMARY_UPDATE": self.exchange.ws_summary,
            "AGGREGATED_ORDERBOOK_UPDATE": self.exchange.order_book,
            "NEW_TRADE": self.exchange.ws_latest_trade,
        }
        if not isinstance(event, str) or event not in snapshots:
            return
        known = [pair for pair in pairs if pair in self.exchange.markets]
        if not known:
            client.subscriptions.pop(event, None)  # an empty list unsubscribes
            return
        client.subscriptions[event] = set(known)
        for pair in known:
            snapshot = snapshots[event](pair)
            if snapshot is not None:
                client.queue.put_nowait({"type": event, "currencyPairSymbol": pair, "data": snapshot})

    # --- /_sim/ control API ----------------------------------------------------------------------
    def _control(
        self, action: Callable[[Any], Any]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            self.exchange.request_log.append((request.method, request.url.path))
            if request.client is None or request.client.host not in LOOPBACK_HOSTS:
                return json_response({"error": "the control API answers loopback clients only"}, 403)
            try:
                raw = await request.body()
                body = loads(raw) if raw.strip() else {}
                if not isinstance(body, dict):
                    raise ConfigError("the body must be a JSON object")
                return json_response(action(body))
            except (ValueError, ValrTuiError) as error:
                return json_response({"error": str(error)}, 400)
            except ClientDisconnect:
                return Response(b"", status_code=400)

        return endpoint

    def _control_fault(self, body: dict[str, Any]) -> Any:
        params = {key: value for key, value in body.items() if key not in ("kind", "duration_s")}
        kind = body.get("kind")
        if not isinstance(kind, str):
            raise ConfigError("kind is required")
        fault = self.exchange.inject_fault(kind, body.get("duration_s", 10), **params)
        return {"injected": fault.to_wire(self._clock()), "active": self.exchange.active_faults()}

    def _control_clear(self, body: dict[str, Any]) -> Any:
        self.exchange.clear_faults()
        return {"active": []}

    def _control_price(self, body: dict[str, Any]) -> Any:
        pair = body.get("pair")
        if not isinstance(pair, str):
            raise ConfigError("pair is required")
        self.exchange.set_price(pair, DecimalGateway.to_decimal(body.get("price")))
        return self.exchange.market_summary(pair)

    def _control_step(self, body: dict[str, Any]) -> Any:
        count = body.get("n", 1)
        if not isinstance(count, int) or not 1 <= count <= 10_000:
            raise ConfigError("n must be an integer in [1, 10000]")
        self.exchange.step(count)
        return self.exchange.state()["markets"]

    def _control_balance(self, body: dict[str, Any]) -> Any:
        currency = body.get("currency")
        if not isinstance(currency, str):
            raise ConfigError("currency is required")
        self.exchange.adjust_balance(currency, DecimalGateway.to_decimal(body.get("delta")))
        return self.exchange.balances_wire()


# --- standalone ----------------------------------------------------------------------------------
def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="valr-tui sim", description="A VALR-compatible exchange simulator on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default=os.environ.get("VALR_API_KEY", ""))
    parser.add_argument(
        "--api-secret", default=None, help="default: the VALR_API_SECRET environment variable"
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--tick-interval", type=float, default=0.5)
    parser.add_argument(
        "--anonymous-ws-lifetime", type=float, default=900.0,
        help="seconds before an unauthenticated /ws/trade socket is closed (VALR: 15 minutes)",
    )
    parser.add_argument(
        "--finished-orders-404", action="store_true",
        help="the active-order lookup answers 404 for a finished order (VALR's agent skill)",
    )
    parser.add_argument(
        "--order-processing-delay", type=float, default=None,
        help="answer 202 first and place a LIMIT order this many seconds later",
    )
    parser.add_argument(
        "--pairs", default=os.environ.get("PAIRS", "BTCZAR,ETHZAR"),
        help="comma-separated pairs to serve (default: the PAIRS environment variable, else BTCZAR,ETHZAR)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """``valr-tui sim --host 127.0.0.1 --port PORT --api-key KEY --api-secret SECRET``."""
    args = _arguments(argv)
    secret = args.api_secret or os.environ.get("VALR_API_SECRET", "")
    if not args.api_key or not secret:
        print("valr-tui sim: --api-key and --api-secret (or VALR_API_SECRET) are required", file=sys.stderr)
        return 2

    async def run() -> None:
        server = SimulatorServer(
            args.api_key, secret, host=args.host, port=args.port, seed=args.seed,
            tick_interval=args.tick_interval if args.tick_interval > 0 else None,
            anonymous_ws_lifetime_s=args.anonymous_ws_lifetime,
            finished_orders_in_active_lookup=not args.finished_orders_404,
            order_processing_delay_s=args.order_processing_delay,
            pairs=tuple(p.strip().upper() for p in args.pairs.split(",") if p.strip()),
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await server.start()
        print(f"VALR simulator: REST {server.base_url}  WS {server.ws_url}  (Ctrl-C to stop)", flush=True)
        try:
            await stop.wait()
        finally:
            await server.stop()

    try:
        asyncio.run(run())
    except (OSError, ValrTuiError) as error:
        print(f"valr-tui sim: {error}", file=sys.stderr)
        return 1
    return 0

