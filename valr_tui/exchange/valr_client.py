"""The async VALR REST client: one httpx client, one signer, one token bucket for all traffic.

Every request spends a bucket token first, so the gauge shows the truth. Every response goes
through the Decimal Gateway into the typed models; every failure becomes a coded error
(``valr_tui.errors``) and never a KeyError, TypeError or JSONDecodeError. Credentials never
appear in logs or error text: only method, path, status and timing are logged.

Order placement is never blindly retried: after an ambiguous failure the order is looked up by
its ``customerOrderId`` (the correlation id) before anything is sent again.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from types import TracebackType
from typing import Any, Final, TypeVar
from urllib.parse import quote, urlencode

import httpx

from valr_tui.config import Settings
from valr_tui.errors import (
    AuthenticationError,
    DecimalError,
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
    ValrTuiError,
)
from valr_tui.exchange.decimal_gateway import DecimalGateway, dumps, loads
from valr_tui.exchange.hmac_signer import SIGNATURE_HEADER, TIMESTAMP_HEADER, VALRSigner
from valr_tui.exchange.models import (
    SIDES,
    AccountTrade,
    Balance,
    OrderAck,
    OrderBook,
    OrderStatus,
    Pair,
    Side,
    TickerData,
)
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.logging_setup import redact

log = logging.getLogger(__name__)
T = TypeVar("T")

TIME_IN_FORCE: Final = frozenset({"GTC", "FOK", "IOC"})
CUSTOMER_ORDER_ID_RE: Final = re.compile(r"^[0-9a-zA-Z-]{1,50}$")
INVALID_ORDER_CODE: Final = -1  # VALR's answer to a lookup of an order it does not know
DUPLICATE_CUSTOMER_ORDER_ID_CODE: Final = -11502
RATE_LIMITED_HEADER: Final = "x-valr-ratelimited"
BACKOFF_INITIAL_S: Final = 0.5
MAX_ORDER_SENDS: Final = 3  # first send plus at most two resends proven safe by a lookup
MAX_SETTLE_S: Final = 2.0  # wait before looking up an order whose send got no answer
_MESSAGE_LIMIT: Final = 200  # characters of VALR's own error message we quote


class _RateLimitedResponse(Exception):
    """Internal: VALR answered 429 (never escapes the client)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _describe_body(response: httpx.Response) -> str:
    """A short, credential-free description of a body that is not the JSON we wanted."""
    body = response.content
    if not body.strip():
        return "an empty body"
    content_type = response.headers.get("content-type", "")
    if "html" in content_type.lower() or body.lstrip()[:1] == b"<":
        return "an HTML body"
    return f"a body that is not valid JSON ({len(body)} bytes)"


def _parse_json(response: httpx.Response) -> Any:
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
    # Redact first: a cut through a quoted credential would leave a fragment no pattern matches.
    text = redact(message.strip())[:_MESSAGE_LIMIT] if isinstance(message, str) else ""
    return valr_code, text


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
        self._settle_s = min(timeout, MAX_SETTLE_S)
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=False)
        self.last_rate_limited_at: float | None = None
        self._last_timestamp_ms = 0

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

    async def get_ticker(self, pair: str, *, essential: bool = False) -> TickerData:
        payload = await self._market_data(pair, "marketsummary", essential)
        fetched_at = self._clock()
        return _parse_models(
            lambda raw: TickerData.from_valr(raw, fetched_at=fetched_at), payload, "market summary"
        )

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

    async def get_status(self) -> str:
        payload = _expect_object(await self._request("GET", "/v1/public/status"), "status")
        status = payload.get("status")
        if not isinstance(status, str) or not status:
            raise MalformedResponseError("status: field 'status' is not a string")
        return status

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
        kind, ref = _order_reference(order_id, customer_order_id)
        path = f"/v1/orders/{_segment(pair)}/{kind.lower()}/{_segment(ref)}"
        payload = await self._request("GET", path, signed=True, essential=True, order_lookup=True)
        return _parse_models(OrderStatus.from_order_status, payload, "order status")

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
        """Place a LIMIT order, idempotently keyed by ``customer_order_id``.

        After an ambiguous failure (timeout, dropped connection, 5xx, 429, unreadable 202) the
        order is looked up first: found means placed (its ack is returned); unknown means a
        resend is safe (bounded; VALR also refuses a second open order with the same id).
        Errors carry ``details["order_state"]``: "unknown" (a failed lookup, or a send that may
        still land: the caller keeps the order for recovery), "not_sent" (no connection was
        ever made) or "not_placed" (every send was answered and the order is not on VALR).
        """
        body = _limit_order_body(pair, side, quantity, price, customer_order_id, post_only, time_in_force)
        if self._signer is None:
            raise MissingCredentialsError()
        # True once any send got no answer (or an unreadable one): it may still be processed.
        may_still_land = False
        last_error: ValrTuiError | None = None
        for send in range(1, MAX_ORDER_SENDS + 1):
            unanswered = False
            try:
                payload = await self._request(
                    "POST", "/v1/orders/limit", body=body, signed=True, essential=True,
                    retry_rate_limit=False,
                )
                return _parse_models(OrderAck.from_valr, payload, "order ack")
            except RateLimitedError as exc:
                pause = float(exc.details.get("retry_after_s", 0.0))
                if pause > self._max_backoff_total_s:
                    raise RateLimitedError(
                        exc.message, order_state="unknown" if may_still_land else "not_placed",
                        customer_order_id=customer_order_id, retry_after_s=pause,
                    ) from None
                await self._sleep(pause)
                last_error = exc
            except ExchangeUnavailableError as exc:
                if exc.details.get("sent") is False:  # the connection never opened
                    raise ExchangeUnavailableError(
                        exc.message, status=exc.status,
                        order_state="unknown" if may_still_land else "not_sent",
                        customer_order_id=customer_order_id,
                    ) from None
                unanswered = exc.status is None  # a timeout or dropped connection, not a 5xx
                last_error = exc
            except MalformedResponseError as exc:  # answered, but unreadably: maybe placed
                may_still_land = True
                last_error = exc
            except ExchangeError as exc:
                if exc.valr_code != DUPLICATE_CUSTOMER_ORDER_ID_CODE:
                    raise
                last_error = exc  # an earlier send of ours got through: find it
            if unanswered:
                may_still_land = True
                # Give a request that may still be on its way a moment to land before asking.
                await self._sleep(self._settle_s)
            existing = await self._recover_order(pair, customer_order_id, last_error)
            if existing is not None:
                log.info("order %s found after an ambiguous failure; not resending", customer_order_id)
                return OrderAck(existing.order_id, customer_order_id)
            log.warning(
                "order %s not on the exchange after %s (send %d of %d)",
                customer_order_id, last_error.code, send, MAX_ORDER_SENDS,
            )
        assert last_error is not None
        raise ExchangeUnavailableError(
            f"order {customer_order_id} not confirmed after {MAX_ORDER_SENDS} sends: {last_error.message}",
            order_state="unknown" if may_still_land else "not_placed",
            customer_order_id=customer_order_id,
        ) from None

    async def _recover_order(
        self, pair: str, customer_order_id: str, cause: ValrTuiError
    ) -> OrderStatus | None:
        """The order as VALR knows it, ``None`` if VALR definitely does not know it."""
        try:
            return await self.get_order(pair, customer_order_id=customer_order_id)
        except OrderNotFoundError:
            return None
        except ValrTuiError as lookup_error:
            raise ExchangeUnavailableError(
                f"order {customer_order_id}: state unknown after {cause.code} "
                f"and a failed lookup ({lookup_error.code})",
                order_state="unknown", customer_order_id=customer_order_id,
            ) from None

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
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            await self.bucket.acquire(essential=essential)
            try:
                response = await self._send(method, target, content, signed=signed)
                return self._decode(
                    response, method, path, order_lookup=order_lookup, empty_ok=empty_ok
                )
            except _RateLimitedResponse as limited:
                pause = self._rate_limit_pause(limited.response, attempt)
            # While limited nothing may be sent: the drained bucket blocks every caller.
            self.bucket.drain(pause)
            out_of_budget = pause > self._max_backoff_total_s - waited
            if not retry_rate_limit or attempt > self._max_retries or out_of_budget:
                raise RateLimitedError(
                    f"{method} {path}: rate limited by VALR (HTTP 429) after {attempt} attempt(s)",
                    status=429, retry_after_s=round(pause, 3), attempts=attempt,
                )
            log.warning("%s %s rate limited; pausing %.2f s (attempt %d)", method, path, pause, attempt)
            await self._sleep(pause)
            waited += pause

    async def _send(self, method: str, target: str, content: bytes, *, signed: bool) -> httpx.Response:
        headers = {"Accept": "application/json"}
        if content:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            request = self._http.build_request(
                method, self._base_url + target, content=content or None, headers=headers
            )
            if signed and self._signer is not None:
                # Sign the path exactly as it goes on the wire (query string included).
                wire_path = request.url.raw_path.decode("ascii")
                request.headers.update(self._signed_headers(self._signer, method, wire_path, content))
            response = await self._http.send(request)
        except httpx.TimeoutException as exc:
            self._log(method, target, "timeout", started)
            never_sent = isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
            raise ExchangeUnavailableError(
                f"{method} {_path_only(target)}: timed out ({type(exc).__name__})",
                reason="timeout", sent=not never_sent,
            ) from None
        except httpx.TransportError as exc:
            self._log(method, target, "connection error", started)
            raise ExchangeUnavailableError(
                f"{method} {_path_only(target)}: connection failed ({type(exc).__name__})",
                reason="connection", sent=not isinstance(exc, httpx.ConnectError),
            ) from None
        except httpx.DecodingError:
            raise MalformedResponseError(
                f"{method} {_path_only(target)}: body could not be decoded"
            ) from None
        self._log(method, target, str(response.status_code), started)
        return response

    def _signed_headers(
        self, signer: VALRSigner, method: str, wire_path: str, content: bytes
    ) -> dict[str, str]:
        """Signed headers with a timestamp unique to this client: two identical requests in
        the same millisecond would otherwise carry the same signature, which VALR may refuse
        as a replay."""
        headers = signer.headers(method, wire_path, content, self._subaccount_id)
        timestamp = int(headers[TIMESTAMP_HEADER])
        if timestamp <= self._last_timestamp_ms:
            timestamp = self._last_timestamp_ms + 1
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
        self, response: httpx.Response, method: str, path: str, *, order_lookup: bool, empty_ok: bool
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

    def _rate_limit_pause(self, response: httpx.Response, attempt: int) -> float:
        """How long to send nothing: Retry-After if given, else (VALR's own 429) until the
        next calendar minute when its fixed window resets; never less than a jittered
        exponential backoff, so clients do not retry in lockstep."""
        backoff = BACKOFF_INITIAL_S * 2.0 ** (attempt - 1) * self._rng.uniform(0.5, 1.0)
        now = self._clock()
        retry_after = _retry_after_seconds(response.headers.get("retry-after"), now)
        if retry_after is not None:
            return max(retry_after, backoff)
        if response.headers.get(RATE_LIMITED_HEADER, "").strip().lower() == "true":
            return max(60.0 - now % 60.0, backoff)
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
