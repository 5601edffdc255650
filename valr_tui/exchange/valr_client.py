"""The async VALR REST client: one httpx client, one signer, one token bucket for all traffic.

Every request spends a bucket token first, so the gauge shows the truth. Every response goes
through the Decimal Gateway into the typed models; every failure becomes a coded error
(``valr_tui.errors``) and never a KeyError, TypeError or JSONDecodeError. Credentials never
appear in logs or error text: only method, path, status and timing are logged.

Order placement is sent once: an ambiguous failure is reported as such (``order_state=unknown``)
and the order manager proves the order's fate by lookups; the client never resends it.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import logging
import math
import random
import re
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Final, TypeVar
from urllib.parse import quote, urlencode

import httpx

from valr_tui.config import Settings
from valr_tui.errors import (
    AuthenticationError,
    DecimalError,
    ExchangeDeadlineError,
    ExchangeError,
    ExchangeUnavailableError,
    InvalidPriceError,
    InvalidQuantityError,
    InvalidSideError,
    MalformedResponseError,
    MissingCredentialsError,
    OrderNotFoundError,
    OrderRejected,
    RateLimitedError,
    ResponseTooLargeError,
    ValrTuiError,
)
from valr_tui.exchange.buckets import MAX_BUCKETS_PER_REQUEST, Candle
from valr_tui.exchange.hmac_signer import SIGNATURE_HEADER, TIMESTAMP_HEADER, VALRSigner
from valr_tui.exchange.models import (
    AccountTrade,
    Balance,
    OrderAck,
    OrderBook,
    OrderStatus,
    Pair,
    TickerData,
)
from valr_tui.exchange.rate_limiter import ACCOUNT_SCOPE, TokenBucket, limit_scope
from valr_tui.logging_setup import redact
from valr_tui.money import SIDES, DecimalGateway, Side, dumps, loads

log = logging.getLogger(__name__)
T = TypeVar("T")

TIME_IN_FORCE: Final = frozenset({"GTC", "FOK", "IOC"})
CUSTOMER_ORDER_ID_RE: Final = re.compile(r"^[0-9a-zA-Z-]{1,50}$")
INVALID_ORDER_CODE: Final = -1  # VALR's answer to a lookup of an order it does not know
DUPLICATE_CUSTOMER_ORDER_ID_CODE: Final = -11502
RATE_LIMITED_HEADER: Final = "x-valr-ratelimited"
BACKOFF_INITIAL_S: Final = 0.5
_MESSAGE_LIMIT: Final = 200  # characters of VALR's own error message we quote
DEFAULT_DEADLINE_S: Final = 20.0  # a whole request, first byte sent to last byte read
DEFAULT_MAX_BODY_BYTES: Final = 4 * 1024 * 1024  # VALR's largest answers we use are ~100 kB
MODIFY_MATCH_STRATEGIES: Final = frozenset({"RETAIN_ORIGINAL", "CANCEL_ORIGINAL", "REPRICE"})
_ISO_FRACTION = re.compile(r"(\.\d{1,6})\d*")


@dataclass(frozen=True, slots=True)
class _Reply:
    """A response read in full (within the size cap and the deadline)."""

    status_code: int
    headers: httpx.Headers
    content: bytes


class _RateLimitedResponse(Exception):
    """Internal: VALR answered 429 (never escapes the client)."""

    def __init__(self, response: _Reply) -> None:
        super().__init__(response.status_code)
        self.response = response


def _describe_body(response: _Reply) -> str:
    """A short, credential-free description of a body that is not the JSON we wanted."""
    body = response.content
    if not body.strip():
        return "an empty body"
    content_type = response.headers.get("content-type", "")
    if "html" in content_type.lower() or body.lstrip()[:1] == b"<":
        return "an HTML body"
    return f"a body that is not valid JSON ({len(body)} bytes)"


def _parse_json(response: _Reply) -> Any:
    """The body through the Decimal Gateway, or ``None`` if it is not valid JSON."""
    try:
        return loads(response.content)
    except (ValueError, DecimalError, RecursionError):
        return None


def _valr_error(payload: Any) -> tuple[int | None, str] | None:
    """``(code, message)`` when ``payload`` is VALR's error JSON, else ``None``."""
    if not isinstance(payload, Mapping) or ("message" not in payload and "code" not in payload):
        return None
    code = payload.get("code")
    message = payload.get("message")
    valr_code = code if isinstance(code, int) and not isinstance(code, bool) else None
    text = message.strip() if isinstance(message, str) else ""
    problems = _validation_problems(payload.get("validationErrors"))
    if problems:
        text = f"{text} ({problems})" if text else problems
    # Redact first: a cut through a quoted credential would leave a fragment no pattern matches.
    return valr_code, redact(text)[:_MESSAGE_LIMIT]


def _validation_problems(raw: Any) -> str:
    """VALR's ``validationErrors``: ``{"errors": [{"field", "message"}, ...]}`` (collection:
    "Register Subaccount With KYC Info", 400 example) as ``field: message; ...``."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("errors"), list):
        return ""
    parts = []
    for item in raw["errors"]:
        if isinstance(item, Mapping) and isinstance(item.get("message"), str):
            field = item.get("field")
            parts.append(f"{field}: {item['message']}" if isinstance(field, str) else item["message"])
    return "; ".join(parts)


def parse_valr_time(payload: Any) -> float:
    """``GET /v1/public/time`` as epoch seconds: the ISO ``time`` (sub-second) when readable,
    else the whole-second ``epochTime``."""
    data = _expect_object(payload, "server time")
    text = data.get("time")
    if isinstance(text, str):
        try:
            moment = datetime.fromisoformat(_ISO_FRACTION.sub(r"\1", text.strip()).replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                return moment.timestamp()
        except ValueError:
            pass
    epoch = data.get("epochTime")
    if isinstance(epoch, bool) or not isinstance(epoch, int):
        raise MalformedResponseError("server time: field 'epochTime' is not an integer")
    return float(epoch)


def _parse_models(parse: Callable[[Any], T], raw: Any, what: str) -> T:
    """Run a model parser; any other failure inside it is still a malformed response."""
    try:
        return parse(raw)
    except MalformedResponseError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, DecimalError, IndexError):
        raise MalformedResponseError(f"{what}: unexpected shape") from None


def _expect_list(payload: Any, what: str) -> list[Any]:
    if not isinstance(payload, list):
        raise MalformedResponseError(f"{what}: expected a list, got {type(payload).__name__}")
    return payload


def _expect_object(payload: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise MalformedResponseError(f"{what}: expected an object, got {type(payload).__name__}")
    return payload


@functools.cache
def _verified_tls() -> ssl.SSLContext:
    """One certificate-checking TLS context for the process: loading the CA bundle takes ~40 ms,
    and httpx would load it again for every client."""
    return httpx.create_ssl_context()


def _tls_for(base_url: str) -> ssl.SSLContext | bool:
    """The verified context for https; none for a plain-http base (the simulator on loopback),
    whose client never makes a TLS connection (every URL is built on the base, redirects are not
    followed), so it need not load certificates."""
    return _verified_tls() if not base_url.startswith("http://") else False


class VALRClient:
    """Async VALR REST client. Use as ``async with VALRClient(...) as client:``."""

    def __init__(
        self,
        base_url: str,
        *,
        signer: VALRSigner | None = None,
        bucket: TokenBucket | None = None,
        subaccount_id: str = "",
        timeout: float = 10.0,
        max_retries: int = 4,
        max_backoff_total_s: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
        deadline_s: float = DEFAULT_DEADLINE_S,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._signer = signer
        self.bucket = bucket if bucket is not None else TokenBucket()
        self._subaccount_id = subaccount_id
        self._max_retries = max(0, max_retries)
        self._max_backoff_total_s = max(0.0, max_backoff_total_s)
        self._sleep = sleep
        self._clock = clock
        self._rng = random.Random()
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=False,
                                       verify=_tls_for(self._base_url))
        self._deadline_s = max(timeout, deadline_s)
        self._max_body_bytes = max(1, max_body_bytes)
        self.last_rate_limited_at: float | None = None
        self._last_timestamp_ms = 0
        # Server time minus local time, from GET /v1/public/time (``sync_server_time``): every
        # signature and every rate-limit window boundary uses server-aligned time.
        self.time_offset_s = 0.0
        self._blocked_until: dict[str, float] = {}  # limit scope -> server time it reopens

    @classmethod
    def from_settings(cls, settings: Settings, bucket: TokenBucket | None = None) -> VALRClient:
        signer = VALRSigner(settings.api_key, settings.api_secret) if settings.has_credentials else None
        if bucket is None:
            # Token counts are request counts, not money: floats are right for the bucket.
            bucket = TokenBucket(
                capacity=settings.rate_limit_capacity,
                refill_per_second=float(settings.rate_limit_refill_per_s),
                essential_threshold=float(settings.essential_threshold),
            )
        return cls(
            settings.base_url, signer=signer, bucket=bucket, subaccount_id=settings.subaccount_id
        )

    @property
    def has_credentials(self) -> bool:
        return self._signer is not None

    def __repr__(self) -> str:
        return f"VALRClient(base_url={self._base_url!r}, has_credentials={self.has_credentials})"

    # -- lifecycle ------------------------------------------------------------------------------
    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> VALRClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- public market data ---------------------------------------------------------------------
    async def get_pairs(self) -> list[Pair]:
        payload = await self._request("GET", "/v1/public/pairs")
        pairs: list[Pair] = []
        for raw in _expect_list(payload, "pairs"):
            try:
                pairs.append(_parse_models(Pair.from_valr, raw, "pair"))
            except MalformedResponseError as exc:
                # VALR lists hundreds of instruments; one odd entry must not hide the rest.
                log.warning("skipping a malformed pair entry: %s", exc.message)
        return pairs

    def server_now(self) -> float:
        """Server-aligned wall-clock seconds: the local clock plus the measured offset."""
        return self._clock() + self.time_offset_s

    async def get_ticker(self, pair: str, *, essential: bool = False) -> TickerData:
        """One pair's market summary. VALR has no signed twin of this route (signed market data
        is only orderbook, orderbook/full and tradehistory): it is always public."""
        payload = await self._request(
            "GET", f"/v1/public/{_segment(pair)}/marketsummary", essential=essential
        )
        fetched_at = self._clock()
        return _parse_models(
            lambda raw: TickerData.from_valr(raw, fetched_at=fetched_at), payload, "market summary"
        )

    async def get_market_summaries(self, *, essential: bool = False) -> list[TickerData]:
        """Every pair's market summary in one public call (``GET /v1/public/marketsummary``):
        the way to poll tickers inside VALR's 30 public calls a minute."""
        payload = await self._request("GET", "/v1/public/marketsummary", essential=essential)
        fetched_at = self._clock()
        summaries: list[TickerData] = []
        for raw in _expect_list(payload, "market summaries"):
            try:
                summaries.append(_parse_models(
                    lambda item: TickerData.from_valr(item, fetched_at=fetched_at), raw, "market summary"
                ))
            except MalformedResponseError as exc:
                log.warning("skipping a malformed market summary: %s", exc.message)
        return summaries

    async def get_orderbook(self, pair: str, *, essential: bool = False) -> OrderBook:
        payload = await self._market_data(pair, "orderbook", essential)
        book = _parse_models(lambda raw: OrderBook.from_valr(raw, pair), payload, "orderbook")
        if book.crossed:
            log.warning("crossed orderbook for %s: bid %s > ask %s", pair, book.best_bid, book.best_ask)
        return book

    async def _market_data(self, pair: str, resource: str, essential: bool) -> Any:
        """VALR allows /v1/public/* only 30 calls a minute per IP; with credentials use the
        signed /v1/marketdata twins, which count against the account's larger limit."""
        if self._signer is not None:
            path = f"/v1/marketdata/{_segment(pair)}/{resource}"
            return await self._request("GET", path, signed=True, essential=essential)
        return await self._request("GET", f"/v1/public/{_segment(pair)}/{resource}", essential=essential)

    async def get_server_time(self) -> int:
        payload = _expect_object(await self._request("GET", "/v1/public/time"), "server time")
        epoch = payload.get("epochTime")
        if isinstance(epoch, bool) or not isinstance(epoch, int):
            raise MalformedResponseError("server time: field 'epochTime' is not an integer")
        return epoch

    async def sync_server_time(self) -> float:
        """Measure server time minus local time (half the round trip assumed each way), keep it
        in ``time_offset_s`` and return it."""
        sent_at = self._clock()
        payload = await self._request("GET", "/v1/public/time", essential=True)
        received_at = self._clock()
        server = parse_valr_time(payload)
        self.time_offset_s = server - (sent_at + received_at) / 2
        return self.time_offset_s

    async def get_status(self) -> str:
        payload = _expect_object(await self._request("GET", "/v1/public/status"), "status")
        status = payload.get("status")
        if not isinstance(status, str) or not status:
            raise MalformedResponseError("status: field 'status' is not a string")
        return status

    async def get_buckets(
        self, pair: str, period_s: int, start: int, end: int, *, essential: bool = False
    ) -> list[Candle]:
        """Candles of ``pair`` from ``start`` to ``end`` (epoch seconds), oldest first.

        VALR answers newest first, at most 300 buckets, and only on its public path (no signed
        twin); ``includeEmpty`` keeps the time axis regular where nothing traded."""
        params: dict[str, str | int] = {
            "periodSeconds": period_s, "startTime": start, "endTime": end,
            "limit": MAX_BUCKETS_PER_REQUEST, "includeEmpty": "true",
        }
        payload = await self._request(
            "GET", f"/v1/public/{_segment(pair)}/buckets", params=params, essential=essential
        )
        candles = [_parse_models(Candle.from_valr, raw, "bucket") for raw in _expect_list(payload, "buckets")]
        return sorted(candles, key=lambda candle: candle.start)

    # -- account (signed, essential) ------------------------------------------------------------
    async def get_balances(self) -> list[Balance]:
        payload = await self._request("GET", "/v1/account/balances", signed=True, essential=True)
        return [
            _parse_models(Balance.from_valr, raw, "balance")
            for raw in _expect_list(payload, "balances")
        ]

    async def get_open_orders(self) -> list[OrderStatus]:
        payload = await self._request("GET", "/v1/orders/open", signed=True, essential=True)
        return [
            _parse_models(OrderStatus.from_open_order, raw, "open order")
            for raw in _expect_list(payload, "open orders")
        ]

    async def get_trade_history(self, pair: str | None = None, limit: int = 100) -> list[AccountTrade]:
        path = f"/v1/account/{_segment(pair)}/tradehistory" if pair else "/v1/account/tradehistory"
        payload = await self._request(
            "GET", path, params={"limit": max(1, min(limit, 100))}, signed=True, essential=True
        )
        return [
            _parse_models(AccountTrade.from_valr, raw, "account trade")
            for raw in _expect_list(payload, "trade history")
        ]

    async def get_order(
        self, pair: str, *, order_id: str | None = None, customer_order_id: str | None = None
    ) -> OrderStatus:
        """The order's status. VALR's active-order lookup may answer 404 for an order that has
        finished (its agent skill: "use when active returns 404"); then the order history
        summary is asked. ``OrderNotFoundError`` only when neither knows the order."""
        kind, ref = _order_reference(order_id, customer_order_id)
        path = f"/v1/orders/{_segment(pair)}/{kind.lower()}/{_segment(ref)}"
        try:
            payload = await self._request("GET", path, signed=True, essential=True, order_lookup=True)
        except OrderNotFoundError:
            return await self.get_order_history_summary(
                order_id=order_id, customer_order_id=customer_order_id
            )
        return _parse_models(OrderStatus.from_order_status, payload, "order status")

    async def get_order_history_summary(
        self, *, order_id: str | None = None, customer_order_id: str | None = None
    ) -> OrderStatus:
        """A finished order (Filled, Cancelled, Failed, Expired) from
        ``GET /v1/orders/history/summary/orderid|customerorderid/{id}``, with its average price
        and fees; ``OrderNotFoundError`` when VALR does not know it as finished."""
        kind, ref = _order_reference(order_id, customer_order_id)
        path = f"/v1/orders/history/summary/{kind.lower()}/{_segment(ref)}"
        payload = await self._request("GET", path, signed=True, essential=True, order_lookup=True)
        return _parse_models(OrderStatus.from_order_status, payload, "order history summary")

    async def modify_order(
        self,
        pair: str,
        order_id: str,
        *,
        new_price: Decimal | None = None,
        new_remaining_quantity: Decimal | None = None,
        new_total_quantity: Decimal | None = None,
        match_strategy: str = "RETAIN_ORIGINAL",
        customer_order_id: str | None = None,
    ) -> str:
        """Amend an open LIMIT order (``PUT /v1/orders/modify``, VALR's "Modify Order V1").

        VALR answers 202 with the modify request's id (returned), not the order's: the outcome
        arrives on the account socket (``ORDER_STATUS_UPDATE`` "Order Modified",
        ``MODIFY_ORDER_OUTCOME``) or by looking the order up. Never retried blindly.
        """
        body = _modify_order_body(
            pair, order_id, new_price, new_remaining_quantity, new_total_quantity,
            match_strategy, customer_order_id,
        )
        payload = await self._request(
            "PUT", "/v1/orders/modify", body=body, signed=True, essential=True,
            retry_rate_limit=False,
        )
        ack = _expect_object(payload, "modify order")
        modify_id = ack.get("id")
        if not isinstance(modify_id, str) or not modify_id:
            raise MalformedResponseError("modify order: field 'id' is not a string")
        return modify_id

    async def cancel_order(
        self, pair: str, *, order_id: str | None = None, customer_order_id: str | None = None
    ) -> None:
        kind, ref = _order_reference(order_id, customer_order_id)
        body = {kind: ref, "pair": pair}
        await self._request(
            "DELETE", "/v1/orders/order", body=body, signed=True, essential=True,
            order_lookup=True, empty_ok=True,
        )

    async def place_limit_order(
        self,
        pair: str,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        customer_order_id: str,
        *,
        post_only: bool = False,
        time_in_force: str = "GTC",
    ) -> OrderAck:
        """Place a LIMIT order keyed by ``customer_order_id``: sent ONCE.

        A resend is never safe on this client's word: VALR refuses a duplicate customerOrderId
        only while the first order is still open, so a resend after the first one filled places
        it twice. Only a 429 (VALR refused to process it) is sent again, within the budget.
        Errors carry ``details["order_state"]``: "unknown" (timeout, dropped connection, 5xx,
        an unreadable answer, or a duplicate id: it may be on VALR; the caller proves where
        with lookups), "not_sent" (no connection was ever made) or "not_placed" (VALR answered
        and refused it).
        """
        body = _limit_order_body(pair, side, quantity, price, customer_order_id, post_only, time_in_force)
        if self._signer is None:
            raise MissingCredentialsError()
        waited = 0.0
        while True:
            try:
                payload = await self._request(
                    "POST", "/v1/orders/limit", body=body, signed=True, essential=True,
                    retry_rate_limit=False,
                )
                return _parse_models(OrderAck.from_valr, payload, "order ack")
            except RateLimitedError as exc:
                pause = float(exc.details.get("retry_after_s", 0.0))
                if waited + pause > self._max_backoff_total_s:
                    raise RateLimitedError(
                        exc.message, order_state="not_placed", customer_order_id=customer_order_id,
                        retry_after_s=pause,
                    ) from None
                await self._sleep(pause)
                waited += pause
            except ExchangeUnavailableError as exc:
                never_sent = exc.details.get("sent") is False
                exc.details.update(order_state="not_sent" if never_sent else "unknown",
                                   customer_order_id=customer_order_id)
                raise
            except MalformedResponseError as exc:  # answered, but unreadably: maybe placed
                exc.details.update(order_state="unknown", customer_order_id=customer_order_id)
                raise
            except ExchangeError as exc:
                duplicate = exc.valr_code == DUPLICATE_CUSTOMER_ORDER_ID_CODE  # ours is on VALR
                exc.details.update(order_state="unknown" if duplicate else "not_placed",
                                   customer_order_id=customer_order_id)
                raise

    # -- transport ------------------------------------------------------------------------------
    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        signed: bool = False,
        essential: bool = False,
        order_lookup: bool = False,
        retry_rate_limit: bool = True,
        empty_ok: bool = False,
    ) -> Any:
        """Send one logical request (429s retried within the budget); return the parsed JSON
        (``None`` for an empty 2xx body where ``empty_ok``)."""
        if signed and self._signer is None:
            raise MissingCredentialsError()
        # Serialise once: these exact bytes are signed and sent.
        content = dumps(body).encode("utf-8") if body is not None else b""
        target = f"{path}?{urlencode(params)}" if params else path
        scope, window_s = limit_scope(method, path)
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            await self._wait_for_scope(scope)
            await self.bucket.acquire(essential=essential)
            try:
                response = await self._send(method, target, content, signed=signed)
                return self._decode(
                    response, method, path, order_lookup=order_lookup, empty_ok=empty_ok
                )
            except _RateLimitedResponse as limited:
                pause = self._rate_limit_pause(limited.response, attempt, window_s)
            # A 429 backs off only the limit it hit: the account-wide minute windows drain the
            # bucket (everything waits), a public or per-second route waits alone.
            if scope == ACCOUNT_SCOPE:
                self.bucket.drain(pause)
            else:
                self._blocked_until[scope] = max(
                    self._blocked_until.get(scope, 0.0), self.server_now() + pause
                )
                self.bucket.note_route_pause(pause)
            out_of_budget = pause > self._max_backoff_total_s - waited
            if not retry_rate_limit or attempt > self._max_retries or out_of_budget:
                raise RateLimitedError(
                    f"{method} {path}: rate limited by VALR (HTTP 429) after {attempt} attempt(s)",
                    status=429, retry_after_s=round(pause, 3), attempts=attempt, scope=scope,
                )
            log.warning(
                "%s %s rate limited (%s); pausing %.2f s (attempt %d)", method, path, scope, pause, attempt
            )
            await self._sleep(pause)
            waited += pause

    async def _wait_for_scope(self, scope: str) -> None:
        """Hold a request whose own limit answered 429 until that limit's window reopens."""
        blocked_until = self._blocked_until.get(scope)
        if blocked_until is None:
            return
        remaining = blocked_until - self.server_now()
        if remaining > 0:
            await self._sleep(remaining)
        self._blocked_until.pop(scope, None)

    def scope_blocked_for(self, scope: str) -> float:
        """Seconds until a 429-paused limit scope reopens (0 when it is open)."""
        return max(0.0, self._blocked_until.get(scope, 0.0) - self.server_now())

    async def _send(self, method: str, target: str, content: bytes, *, signed: bool) -> _Reply:
        headers = {"Accept": "application/json"}
        if content:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        where = f"{method} {_path_only(target)}"
        try:
            request = self._http.build_request(
                method, self._base_url + target, content=content or None, headers=headers
            )
            if signed and self._signer is not None:
                # Sign the path exactly as it goes on the wire (query string included).
                wire_path = request.url.raw_path.decode("ascii")
                request.headers.update(self._signed_headers(self._signer, method, wire_path, content))
            # The per-read timeout alone lets a server that trickles a byte at a time hold a
            # request forever: the whole exchange also has a deadline.
            async with asyncio.timeout(self._deadline_s):
                response = await self._http.send(request, stream=True)
                try:
                    body = await self._read_capped(response, where)
                finally:
                    await response.aclose()
        except TimeoutError:
            self._log(method, target, "deadline", started)
            raise ExchangeDeadlineError(
                f"{where}: no complete answer within the {self._deadline_s:g} s deadline",
                reason="deadline", sent=True,
            ) from None
        except httpx.TimeoutException as exc:
            self._log(method, target, "timeout", started)
            never_sent = isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
            raise ExchangeUnavailableError(
                f"{where}: timed out ({type(exc).__name__})", reason="timeout", sent=not never_sent,
            ) from None
        except httpx.TransportError as exc:
            self._log(method, target, "connection error", started)
            raise ExchangeUnavailableError(
                f"{where}: connection failed ({type(exc).__name__})",
                reason="connection", sent=not isinstance(exc, httpx.ConnectError),
            ) from None
        except httpx.DecodingError:
            raise MalformedResponseError(f"{where}: body could not be decoded") from None
        self._log(method, target, str(response.status_code), started)
        return _Reply(response.status_code, response.headers, body)

    async def _read_capped(self, response: httpx.Response, where: str) -> bytes:
        """The body, refused (VALR-EXC-006) as soon as it is known to exceed the cap: by its
        Content-Length before reading, or after reading one chunk past the cap."""
        cap = self._max_body_bytes
        declared = response.headers.get("content-length", "")
        if declared.strip().isdigit() and int(declared) > cap:
            raise ResponseTooLargeError(
                f"{where}: a {int(declared)}-byte body is over the {cap}-byte cap",
                status=response.status_code,
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise ResponseTooLargeError(
                    f"{where}: body over the {cap}-byte cap", status=response.status_code
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _signed_headers(
        self, signer: VALRSigner, method: str, wire_path: str, content: bytes
    ) -> dict[str, str]:
        """Signed headers stamped with server-aligned time (VALR refuses a timestamp too far
        from its own clock), unique to this client: two identical requests in the same
        millisecond would otherwise carry the same signature, which VALR may refuse as a replay."""
        headers = signer.headers(method, wire_path, content, self._subaccount_id)
        local_ms = int(headers[TIMESTAMP_HEADER])
        timestamp = max(local_ms + round(self.time_offset_s * 1000), self._last_timestamp_ms + 1)
        if timestamp != local_ms:
            headers[TIMESTAMP_HEADER] = str(timestamp)
            headers[SIGNATURE_HEADER] = signer.sign(
                timestamp, method, wire_path, content, self._subaccount_id
            )
        self._last_timestamp_ms = timestamp
        return headers

    def _log(self, method: str, target: str, outcome: str, started: float) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.debug("%s %s -> %s in %.1f ms", method, _path_only(target), outcome, elapsed_ms)

    def _decode(
        self, response: _Reply, method: str, path: str, *, order_lookup: bool, empty_ok: bool
    ) -> Any:
        status = response.status_code
        where = f"{method} {path}"
        if status == 429:
            self.last_rate_limited_at = self._clock()
            raise _RateLimitedResponse(response)
        if 200 <= status < 300:
            if empty_ok and not response.content.strip():
                return None
            payload = _parse_json(response)
            if payload is None:
                raise MalformedResponseError(
                    f"{where}: HTTP {status} with {_describe_body(response)}", status=status
                )
            return payload
        error = _valr_error(_parse_json(response))
        valr_code, message = error if error is not None else (None, "")
        detail = f": {message}" if message else f" with {_describe_body(response)}" if error is None else ""
        if status >= 500:
            raise ExchangeUnavailableError(
                f"{where}: HTTP {status}{detail}", status=status, valr_code=valr_code
            )
        if status in (401, 403):
            raise AuthenticationError(f"{where}: HTTP {status}{detail}", status=status, valr_code=valr_code)
        if order_lookup and (status == 404 or valr_code == INVALID_ORDER_CODE):
            raise OrderNotFoundError(f"{where}: no such order{detail}", status=status, valr_code=valr_code)
        if error is None:
            raise MalformedResponseError(f"{where}: HTTP {status}{detail}", status=status)
        raise ExchangeError(f"{where}: {message or f'HTTP {status}'}", status=status, valr_code=valr_code)

    def _rate_limit_pause(self, response: _Reply, attempt: int, window_s: int) -> float:
        """How long the limit that answered 429 stays shut: Retry-After if a proxy gave one;
        else (VALR's own 429, which has none) until that limit's window resets: the next
        calendar second or minute of server time. Never less than a jittered exponential
        backoff, so clients do not retry in lockstep."""
        backoff = BACKOFF_INITIAL_S * 2.0 ** (attempt - 1) * self._rng.uniform(0.5, 1.0)
        if window_s <= 1:
            backoff = min(backoff, 1.0)  # a per-second limit: never wait much past its second
        now = self.server_now()
        retry_after = _retry_after_seconds(response.headers.get("retry-after"), now)
        if retry_after is not None:
            return max(retry_after, backoff)
        if response.headers.get(RATE_LIMITED_HEADER, "").strip().lower() == "true":
            return max(window_s - now % window_s, backoff)
        return backoff


def _retry_after_seconds(value: str | None, now: float) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date; ``None`` if absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)  # a delay in seconds, not money
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - now
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _segment(value: str) -> str:
    """One URL path segment, so a pair or id can never change the path."""
    return quote(value, safe="")


def _path_only(target: str) -> str:
    return target.split("?", 1)[0]


def _order_reference(order_id: str | None, customer_order_id: str | None) -> tuple[str, str]:
    if bool(order_id) == bool(customer_order_id):
        raise ValrTuiError("exactly one of order_id or customer_order_id must be given")
    if order_id:
        return "orderId", order_id
    assert customer_order_id is not None
    return "customerOrderId", customer_order_id


def _limit_order_body(
    pair: str,
    side: str,
    quantity: Decimal,
    price: Decimal,
    customer_order_id: str,
    post_only: bool,
    time_in_force: str,
) -> dict[str, Any]:
    """The POST /v1/orders/limit body, validated; amounts as canonical strings."""
    if side not in SIDES:
        raise InvalidSideError(f"side must be BUY or SELL, got {side!r}")
    try:
        DecimalGateway.validate_decimal(quantity)
        DecimalGateway.validate_decimal(price)
    except DecimalError as exc:
        raise InvalidQuantityError(f"quantity and price must be Decimals: {exc.message}") from None
    if quantity <= 0:
        raise InvalidQuantityError(f"quantity must be positive, got {DecimalGateway.to_wire(quantity)}")
    if price <= 0:
        raise InvalidPriceError(f"price must be positive, got {DecimalGateway.to_wire(price)}")
    if not CUSTOMER_ORDER_ID_RE.match(customer_order_id):
        raise OrderRejected("customerOrderId must be 1-50 characters of letters, digits and '-'")
    if time_in_force not in TIME_IN_FORCE:
        raise OrderRejected(f"timeInForce must be GTC, FOK or IOC, got {time_in_force!r}")
    return {
        "pair": pair,
        "side": side,
        "quantity": DecimalGateway.to_wire(quantity),
        "price": DecimalGateway.to_wire(price),
        "postOnly": post_only,
        "customerOrderId": customer_order_id,
        "timeInForce": time_in_force,
    }


def _modify_order_body(
    pair: str,
    order_id: str,
    new_price: Decimal | None,
    new_remaining_quantity: Decimal | None,
    new_total_quantity: Decimal | None,
    match_strategy: str,
    customer_order_id: str | None,
) -> dict[str, Any]:
    """The PUT /v1/orders/modify body, validated as VALR documents it: orderId, pair and
    modifyMatchStrategy required; newRemainingQuantity or newTotalQuantity, not both; at least
    one change; amounts as canonical strings."""
    if not order_id:
        raise OrderRejected("modify order: orderId is required")
    if match_strategy not in MODIFY_MATCH_STRATEGIES:
        raise OrderRejected(
            f"modifyMatchStrategy must be one of {sorted(MODIFY_MATCH_STRATEGIES)}, got {match_strategy!r}"
        )
    if new_remaining_quantity is not None and new_total_quantity is not None:
        raise InvalidQuantityError("give newRemainingQuantity or newTotalQuantity, not both")
    if new_price is None and new_remaining_quantity is None and new_total_quantity is None:
        raise OrderRejected("modify order: nothing to change")
    body: dict[str, Any] = {"orderId": order_id, "pair": pair, "modifyMatchStrategy": match_strategy}
    for key, value, error in (
        ("newPrice", new_price, InvalidPriceError),
        ("newRemainingQuantity", new_remaining_quantity, InvalidQuantityError),
        ("newTotalQuantity", new_total_quantity, InvalidQuantityError),
    ):
        if value is None:
            continue
        try:
            DecimalGateway.validate_decimal(value)
        except DecimalError as exc:
            raise error(f"{key} must be a Decimal: {exc.message}") from None
        if value <= 0:
            raise error(f"{key} must be positive, got {DecimalGateway.to_wire(value)}")
        body[key] = DecimalGateway.to_wire(value)
    if customer_order_id is not None:
        if not CUSTOMER_ORDER_ID_RE.match(customer_order_id):
            raise OrderRejected("customerOrderId must be 1-50 characters of letters, digits and '-'")
        body["customerOrderId"] = customer_order_id
    return body
