"""VALRClient against httpx.MockTransport with recorded VALR-shaped responses. No real waiting:
the client, the bucket and every sleep share one FakeTime."""

from __future__ import annotations

import email.utils
import json
import logging
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.exchange import valr_responses as R
from tests.exchange.fakes import (
    API_KEY,
    API_SECRET,
    FIXED_TS_MS,
    FakeTime,
    Script,
    make_client,
    respond,
)
from valr_tui.config import Settings
from valr_tui.errors import (
    AuthenticationError,
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
from valr_tui.exchange.hmac_signer import compute_signature
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.secrets import Secret

BTC = "BTCZAR"


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def assert_signed_as_sent(recorded: Any, secret: str = API_SECRET, subaccount: str = "") -> None:
    """Recompute the signature from what actually went on the wire."""
    expected = compute_signature(
        secret, recorded.headers["X-VALR-TIMESTAMP"], recorded.method, recorded.raw_path,
        recorded.content, subaccount,
    )
    assert recorded.headers["X-VALR-SIGNATURE"] == expected


# --- signing -----------------------------------------------------------------------------------
async def test_signed_get_reproduces_the_published_vector(fake: FakeTime) -> None:
    script = Script(fake).then(respond(200, R.BALANCES))
    async with make_client(script, secret="superdupersecret", ts_ms=1577572690093) as client:
        await client.get_balances()
    sent = script.requests[0]
    assert sent.raw_path == "/v1/account/balances"
    assert sent.headers["X-VALR-API-KEY"] == API_KEY
    assert sent.headers["X-VALR-TIMESTAMP"] == "1577572690093"
    assert sent.headers["X-VALR-SIGNATURE"] == (
        "647d276537b952fe37f349422a4a60a76ecc2e3fad509a523b03dccd1a940525"
        "f8ff06314ad1adc5625000223c514637cd9682ee89ffc285b7493e7c64e746aa"
    )
    assert "X-VALR-SUB-ACCOUNT-ID" not in sent.headers


async def test_subaccount_is_signed_and_sent_as_the_vector_says(fake: FakeTime) -> None:
    script = Script(fake).then(respond(200, R.BALANCES))
    async with make_client(
        script, secret="superdupersecret", ts_ms=1577572690093, subaccount_id="909461317243875555"
    ) as client:
        await client.get_balances()
    sent = script.requests[0]
    assert sent.headers["X-VALR-SUB-ACCOUNT-ID"] == "909461317243875555"
    assert sent.headers["X-VALR-SIGNATURE"] == (
        "3dc9ed14dbb13f9c529bd75241686523ca1e77fcbe0184ca35fe8d5329692e5e"
        "26a3b3d7ff339dce6e829d3b1c93ef9e187cf696c07ef12517198950ea68af0f"
    )


async def test_cancel_body_is_byte_identical_to_the_delete_vector(fake: FakeTime) -> None:
    secret = "4961b74efac86b25cce8fbe4c9811c4c7a787b7a5996660afcc2e287ad864363"
    script = Script(fake).then(respond(202))
    async with make_client(script, secret=secret, ts_ms=1576353032322571) as client:
        await client.cancel_order(BTC, order_id="da99bd40-41a2-42dd-8601-bc99edc31df2")
    sent = script.requests[0]
    assert sent.method == "DELETE"
    assert sent.raw_path == "/v1/orders/order"
    assert sent.content == b'{"orderId":"da99bd40-41a2-42dd-8601-bc99edc31df2","pair":"BTCZAR"}'
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["X-VALR-SIGNATURE"] == (
        "6a2c253885eff940bc320f327477228ba7c492ce15e93393a84cc79aa8ab46d9"
        "aff04b981aaa31163d873b149b76f7492384f8952715ad25f6daf4730d96d1e5"
    )


async def test_order_body_signed_is_the_body_sent_with_amounts_as_strings(fake: FakeTime) -> None:
    script = Script(fake).then(respond(202, R.ORDER_ACK))
    async with make_client(script) as client:
        ack = await client.place_limit_order(
            BTC, "BUY", Decimal("0.00012345"), Decimal("1234567"), "corr-1", post_only=True
        )
    assert ack.order_id == "558f5e0a-ffd1-46dd-8fae-763d93fa2f25"
    sent = script.requests[0]
    assert (sent.method, sent.raw_path) == ("POST", "/v1/orders/limit")
    assert sent.headers["Content-Type"] == "application/json"
    assert_signed_as_sent(sent)
    body = json.loads(sent.content)
    assert body == {
        "pair": BTC, "side": "BUY", "quantity": "0.00012345", "price": "1234567",
        "postOnly": True, "customerOrderId": "corr-1", "timeInForce": "GTC",
    }


async def test_query_string_is_part_of_the_signed_path(fake: FakeTime) -> None:
    script = Script(fake).then(respond(200, R.TRADE_HISTORY), respond(200, "[]"))
    async with make_client(script) as client:
        trades = await client.get_trade_history(BTC, limit=10)
        await client.get_trade_history()
    assert script.requests[0].raw_path == "/v1/account/BTCZAR/tradehistory?limit=10"
    assert script.requests[1].raw_path == "/v1/account/tradehistory?limit=100"
    for sent in script.requests:
        assert_signed_as_sent(sent)
    assert trades[0].sequence_id == 9007199254740993  # > 2**53, not mangled by a float
    assert trades[0].fee == Decimal("0.00000004")


async def test_identical_requests_never_share_a_timestamp(fake: FakeTime) -> None:
    script = Script(fake).then(*[respond(200, R.BALANCES) for _ in range(3)])
    async with make_client(script, ts_ms=FIXED_TS_MS) as client:  # a clock stuck on one ms
        for _ in range(3):
            await client.get_balances()
    stamps = [int(r.headers["X-VALR-TIMESTAMP"]) for r in script.requests]
    assert stamps == [FIXED_TS_MS, FIXED_TS_MS + 1, FIXED_TS_MS + 2]
    for sent in script.requests:
        assert_signed_as_sent(sent)


async def test_without_credentials_market_data_uses_the_unsigned_public_paths(fake: FakeTime) -> None:
    script = Script(fake).then(respond(200, R.MARKET_SUMMARY), respond(200, R.ORDERBOOK))
    async with make_client(script, signed=False) as client:
        await client.get_ticker(BTC)
        await client.get_orderbook(BTC)
    assert [r.raw_path for r in script.requests] == [
        "/v1/public/BTCZAR/marketsummary", "/v1/public/BTCZAR/orderbook"
    ]
    for sent in script.requests:
        assert "X-VALR-SIGNATURE" not in sent.headers and "X-VALR-API-KEY" not in sent.headers


async def test_with_credentials_books_use_the_signed_twin_and_tickers_stay_public(fake: FakeTime) -> None:
    # VALR's signed market data is only orderbook, orderbook/full and tradehistory: there is no
    # /v1/marketdata/{pair}/marketsummary, so the ticker is the public route even with a key.
    script = Script(fake).then(
        respond(200, R.MARKET_SUMMARY), respond(200, R.ORDERBOOK), respond(200, R.STATUS_ONLINE)
    )
    async with make_client(script) as client:
        await client.get_ticker(BTC)
        await client.get_orderbook(BTC)
        await client.get_status()
    assert [r.raw_path for r in script.requests] == [
        "/v1/public/BTCZAR/marketsummary", "/v1/marketdata/BTCZAR/orderbook", "/v1/public/status"
    ]
    assert "X-VALR-SIGNATURE" not in script.requests[0].headers
    assert_signed_as_sent(script.requests[1])
    assert "X-VALR-SIGNATURE" not in script.requests[2].headers


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_balances(),
        lambda c: c.get_open_orders(),
        lambda c: c.get_trade_history(),
        lambda c: c.get_order(BTC, order_id="x"),
        lambda c: c.cancel_order(BTC, customer_order_id="corr-1"),
        lambda c: c.place_limit_order(BTC, "BUY", Decimal("0.001"), Decimal("1000"), "corr-1"),
    ],
)
async def test_signed_calls_without_credentials_fail_before_any_io(fake: FakeTime, call: Any) -> None:
    script = Script(fake)
    async with make_client(script, signed=False) as client:
        assert not client.has_credentials
        with pytest.raises(MissingCredentialsError) as info:
            await call(client)
    assert info.value.code == "VALR-SEC-001"
    assert script.requests == []


# --- parsing -----------------------------------------------------------------------------------
async def test_market_data_parses_into_decimal_models(fake: FakeTime) -> None:
    script = Script(fake).then(
        respond(200, R.PAIRS), respond(200, R.MARKET_SUMMARY), respond(200, R.ORDERBOOK),
        respond(200, R.SERVER_TIME), respond(200, R.STATUS_ONLINE),
    )
    async with make_client(script) as client:
        pairs = await client.get_pairs()
        ticker = await client.get_ticker(BTC)
        book = await client.get_orderbook(BTC)
        epoch = await client.get_server_time()
        status = await client.get_status()
    assert [p.symbol for p in pairs] == ["BTCZAR", "ETHZAR"]  # the malformed entry is skipped
    assert pairs[0].base_decimal_places == 8 and pairs[0].min_base_amount == Decimal("0.00001")
    assert ticker.bid == Decimal("1234567") and ticker.last == Decimal("1234567.5")
    assert ticker.fetched_at == fake.wall and ticker.source == "rest"
    assert book.best_ask == Decimal("1234568") and book.sequence == 90071992547409931
    assert not book.crossed
    assert epoch == 1764010800
    assert status == "online"


async def test_crossed_book_is_returned_flagged(fake: FakeTime) -> None:
    script = Script(fake).then(respond(200, R.CROSSED_ORDERBOOK))
    async with make_client(script) as client:
        book = await client.get_orderbook(BTC)
    assert book.crossed


async def test_account_models(fake: FakeTime) -> None:
    script = Script(fake).then(
        respond(200, R.BALANCES), respond(200, R.OPEN_ORDERS), respond(200, R.ORDER_STATUS)
    )
    async with make_client(script) as client:
        balances = await client.get_balances()
        open_orders = await client.get_open_orders()
        status = await client.get_order(BTC, customer_order_id="corr-1")
    assert balances[0].available == Decimal("100000.01")
    assert open_orders[0].filled_quantity == Decimal("0.00004")
    assert status.status == "Partially Filled" and status.side == "BUY"
    assert script.requests[2].raw_path == "/v1/orders/BTCZAR/customerorderid/corr-1"


async def test_path_segments_are_escaped(fake: FakeTime) -> None:
    script = Script(fake).then(respond(200, R.ORDER_STATUS))
    async with make_client(script) as client:
        await client.get_order(BTC, order_id="../../account/balances")
    assert script.requests[0].raw_path == "/v1/orders/BTCZAR/orderid/..%2F..%2Faccount%2Fbalances"


# --- every error shape -------------------------------------------------------------------------
ERROR_CASES = [
    (respond(200, R.HTML_PAGE, {"content-type": "text/html"}), MalformedResponseError, 200),
    (respond(200, ""), MalformedResponseError, 200),
    (respond(200, '{"currencyPair": "BTCZAR", "askPrice": '), MalformedResponseError, 200),
    (respond(200, "[1, 2, 3]"), MalformedResponseError, None),
    (respond(200, '{"currencyPair":"BTCZAR","askPrice":"1"}'), MalformedResponseError, None),
    (respond(200, '{"currencyPair":"BTCZAR","askPrice":"x","bidPrice":"1","lastTradedPrice":"1"}'),
     MalformedResponseError, None),
    (respond(200, '{"currencyPair":"BTCZAR","askPrice":NaN,"bidPrice":"1","lastTradedPrice":"1"}'),
     MalformedResponseError, 200),
    (respond(200, "[" * 100_000 + "]" * 100_000), MalformedResponseError, 200),
    (respond(200, b"\xff\xfe garbage".decode("latin-1")), MalformedResponseError, 200),
    (respond(400, R.UNSUPPORTED_PAIR), ExchangeError, 400),
    (respond(400, R.HTML_PAGE), MalformedResponseError, 400),
    (respond(404, "Not Found"), MalformedResponseError, 404),
    (respond(401, R.BAD_SIGNATURE), AuthenticationError, 401),
    (respond(403, ""), AuthenticationError, 403),
    (respond(500, '{"code":-500,"message":"Internal"}'), ExchangeUnavailableError, 500),
    (respond(502, R.HTML_PAGE), ExchangeUnavailableError, 502),
    (respond(503, ""), ExchangeUnavailableError, 503),
    (httpx.ReadTimeout("timed out"), ExchangeUnavailableError, None),
    (httpx.ConnectTimeout("timed out"), ExchangeUnavailableError, None),
    (httpx.ConnectError("refused"), ExchangeUnavailableError, None),
    (httpx.RemoteProtocolError("peer closed"), ExchangeUnavailableError, None),
    (httpx.ReadError("reset"), ExchangeUnavailableError, None),
]


@pytest.mark.parametrize(("answer", "error", "status"), ERROR_CASES)
async def test_every_error_shape_becomes_one_coded_error(
    fake: FakeTime, answer: httpx.Response | Exception, error: type[ValrTuiError], status: int | None
) -> None:
    script = Script(fake).then(answer)
    async with make_client(script) as client:
        with pytest.raises(ValrTuiError) as info:
            await client.get_ticker(BTC)
    assert type(info.value) is error
    assert info.value.code.startswith("VALR-")
    assert getattr(info.value, "status", None) == status
    for secret in (API_KEY, API_SECRET):
        assert secret not in str(info.value) and secret not in repr(info.value.details)


async def test_valr_error_json_keeps_valr_code_and_message(fake: FakeTime) -> None:
    script = Script(fake).then(respond(400, R.INSUFFICIENT_BALANCE))
    async with make_client(script) as client:
        with pytest.raises(ExchangeError) as info:
            await client.place_limit_order(BTC, "BUY", Decimal("1"), Decimal("1000"), "corr-2")
    assert info.value.valr_code == -6 and info.value.status == 400
    assert "Insufficient Balance" in info.value.message
    assert len(script.requests) == 1  # a clear rejection is not ambiguous: no lookup, no resend


async def test_authentication_error_text_never_contains_credentials(fake: FakeTime) -> None:
    script = Script(fake).then(respond(401, json.dumps({"code": -11252, "message": f"bad {API_KEY}"})))
    async with make_client(script) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get_balances()
    assert info.value.valr_code == -11252
    assert API_KEY not in str(info.value)


@pytest.mark.parametrize("answer", [respond(400, R.INVALID_ORDER), respond(404, "")])
async def test_unknown_order_lookup_is_order_not_found(fake: FakeTime, answer: httpx.Response) -> None:
    script = Script(fake).then(answer, answer)
    async with make_client(script) as client:
        with pytest.raises(OrderNotFoundError):
            await client.get_order(BTC, customer_order_id="nope")
    # Not found as active, then not found in the history summary either.
    assert [r.raw_path for r in script.requests] == [
        "/v1/orders/BTCZAR/customerorderid/nope", "/v1/orders/history/summary/customerorderid/nope",
    ]


async def test_invalid_order_code_outside_a_lookup_stays_an_exchange_error(fake: FakeTime) -> None:
    script = Script(fake).then(respond(400, R.INVALID_ORDER))
    async with make_client(script) as client:
        with pytest.raises(ExchangeError) as info:
            await client.get_balances()
    assert not isinstance(info.value, OrderNotFoundError) and info.value.valr_code == -1


async def test_order_reference_must_be_exactly_one(fake: FakeTime) -> None:
    script = Script(fake)
    async with make_client(script) as client:
        with pytest.raises(ValrTuiError):
            await client.get_order(BTC)
        with pytest.raises(ValrTuiError):
            await client.cancel_order(BTC, order_id="a", customer_order_id="b")
    assert script.requests == []


# --- rate limiting -----------------------------------------------------------------------------
async def test_429_honours_retry_after_and_sends_nothing_meanwhile(fake: FakeTime) -> None:
    script = Script(fake).then(respond(429, "", {"Retry-After": "7"}), respond(200, R.MARKET_SUMMARY))
    async with make_client(script) as client:
        ticker = await client.get_ticker(BTC)
        assert client.last_rate_limited_at == script.requests[0].at
    assert ticker.pair == BTC
    assert script.requests[1].at - script.requests[0].at >= 7


async def test_valr_429_waits_for_the_next_calendar_minute(fake: FakeTime) -> None:
    fake.wall = 1_764_010_845.5  # 14.5 s before the minute turns
    script = Script(fake).then(
        respond(429, R.HTML_PAGE, {"x-valr-ratelimited": "true"}), respond(200, R.MARKET_SUMMARY)
    )
    async with make_client(script) as client:
        await client.get_ticker(BTC)
    retry_at = script.requests[1].at
    assert retry_at >= 1_764_010_860.0  # not before the window resets
    assert retry_at - script.requests[0].at < 16


async def test_429_wait_beyond_the_budget_raises_at_once_and_blocks_the_bucket(fake: FakeTime) -> None:
    fake.wall = 1_764_010_810.0  # 50 s to the next minute, budget 30 s
    script = Script(fake).then(respond(429, "", {"x-valr-ratelimited": "true"}))
    async with make_client(script, max_backoff_total_s=30.0) as client:
        with pytest.raises(RateLimitedError) as info:
            await client.get_open_orders()  # the account-wide minute window, not a route limit
        assert len(script.requests) == 1
        assert info.value.details["retry_after_s"] >= 50
        snapshot = client.bucket.snapshot()
        assert snapshot.blocked_for >= 49 and snapshot.available == 0 and snapshot.essential_only
        # Any later call, even essential, waits out the pause before anything is sent.
        script.then(respond(200, R.BALANCES))
        await client.get_balances()
    assert script.requests[1].at >= 1_764_010_860.0


async def test_plain_429_backs_off_exponentially_then_gives_up(fake: FakeTime) -> None:
    script = Script(fake).then(*[respond(429, "") for _ in range(10)])
    async with make_client(script, max_retries=4, max_backoff_total_s=1000) as client:
        with pytest.raises(RateLimitedError) as info:
            # essential: after the pause it needs one refilled token, not the polling floor
            await client.get_ticker(BTC, essential=True)
    assert len(script.requests) == 5  # one try and four retries
    assert info.value.details["attempts"] == 5
    gaps = [b.at - a.at for a, b in zip(script.requests, script.requests[1:], strict=False)]
    for n, gap in enumerate(gaps):
        assert 0.5 * 2**n * 0.5 <= gap <= 0.5 * 2**n + 0.02  # jittered, doubling
    assert gaps[-1] > gaps[0]


async def test_http_date_retry_after_is_understood(fake: FakeTime) -> None:
    when = email.utils.formatdate(fake.wall + 10, usegmt=True)
    script = Script(fake).then(respond(429, "", {"Retry-After": when}), respond(200, R.STATUS_ONLINE))
    async with make_client(script) as client:
        await client.get_status()
    assert script.requests[1].at - script.requests[0].at >= 9.9


# --- token bucket usage ------------------------------------------------------------------------
class RecordingBucket(TokenBucket):
    def __init__(self) -> None:
        super().__init__(capacity=1000, refill_per_second=100)
        self.calls: list[bool] = []

    async def acquire(self, tokens: float = 1, essential: bool = False) -> None:
        self.calls.append(essential)
        await super().acquire(tokens, essential)


async def test_every_request_spends_a_token_with_the_right_priority(fake: FakeTime) -> None:
    routes = {
        "/v1/public/BTCZAR/marketsummary": R.MARKET_SUMMARY,
        "/v1/marketdata/BTCZAR/orderbook": R.ORDERBOOK,
        "/v1/account/balances": R.BALANCES, "/v1/orders/open": R.OPEN_ORDERS,
        "/v1/orders/limit": R.ORDER_ACK, "/v1/orders/order": "",
    }
    script = Script(fake, route=lambda req: respond(200, routes[req.url.path]))
    bucket = RecordingBucket()
    async with make_client(script, bucket=bucket) as client:
        await client.get_ticker(BTC)
        await client.get_orderbook(BTC)
        await client.get_ticker(BTC, essential=True)
        await client.get_balances()
        await client.get_open_orders()
        await client.place_limit_order(BTC, "SELL", Decimal("0.1"), Decimal("1300000"), "corr-3")
        await client.cancel_order(BTC, customer_order_id="corr-3")
    assert bucket.calls == [False, False, True, True, True, True, True]
    assert len(script.requests) == len(bucket.calls)


# --- order placement: sent once, an ambiguous outcome reported as such --------------------------
async def _place(client: VALRClient, cid: str) -> Any:
    return await client.place_limit_order(BTC, "BUY", Decimal("0.0001"), Decimal("1234567"), cid)


@pytest.mark.parametrize("answer", [
    httpx.ReadTimeout("slow"),
    httpx.RemoteProtocolError("reset"),
    respond(504, R.HTML_PAGE),  # a gateway timeout after VALR processed it
    respond(503, ""),
])
async def test_an_ambiguous_outcome_is_never_resent_by_the_client(fake: FakeTime, answer: Any) -> None:
    # VALR refuses a duplicate customerOrderId only while the first order is OPEN: after a fill,
    # "not found" + resend places it twice. So the client sends once and says "unknown".
    script = Script(fake).then(answer, respond(400, R.INVALID_ORDER), respond(202, R.ORDER_ACK))
    async with make_client(script) as client:
        with pytest.raises(ExchangeUnavailableError) as info:
            await _place(client, "corr-1")
    assert info.value.details["order_state"] == "unknown"
    assert info.value.details["customer_order_id"] == "corr-1"
    assert [r.method for r in script.requests] == ["POST"]


async def test_connection_refused_is_known_not_sent(fake: FakeTime) -> None:
    script = Script(fake).then(httpx.ConnectError("refused"))
    async with make_client(script) as client:
        with pytest.raises(ExchangeUnavailableError) as info:
            await _place(client, "corr-4")
    assert info.value.details["order_state"] == "not_sent"
    assert len(script.requests) == 1


async def test_a_refusal_is_not_placed(fake: FakeTime) -> None:
    script = Script(fake).then(respond(400, R.INVALID_ORDER))
    async with make_client(script) as client:
        with pytest.raises(ExchangeError) as info:
            await _place(client, "corr-5")
    assert info.value.details["order_state"] == "not_placed"
    assert len(script.requests) == 1


async def test_duplicate_customer_order_id_means_ours_is_on_valr(fake: FakeTime) -> None:
    script = Script(fake).then(respond(400, R.DUPLICATE_CUSTOMER_ORDER_ID))
    async with make_client(script) as client:
        with pytest.raises(ExchangeError) as info:
            await _place(client, "corr-1")
    assert info.value.details["order_state"] == "unknown"
    assert [r.method for r in script.requests] == ["POST"]


async def test_unreadable_202_is_unknown(fake: FakeTime) -> None:
    script = Script(fake).then(respond(202, R.HTML_PAGE))
    async with make_client(script) as client:
        with pytest.raises(MalformedResponseError) as info:
            await _place(client, "corr-1")
    assert info.value.details["order_state"] == "unknown"


async def test_429_on_placement_waits_then_sends_again(fake: FakeTime) -> None:
    # A 429 is VALR refusing to process the request: sending it again is safe.
    script = Script(fake).then(respond(429, "", {"Retry-After": "3"}), respond(202, R.ORDER_ACK))
    async with make_client(script) as client:
        await _place(client, "corr-6")
    assert [r.method for r in script.requests] == ["POST", "POST"]
    assert script.requests[1].at - script.requests[0].at >= 3


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((BTC, "buy", Decimal("1"), Decimal("1"), "c1"), InvalidSideError),
        ((BTC, "MARKET", Decimal("1"), Decimal("1"), "c1"), InvalidSideError),
        ((BTC, "BUY", 0.5, Decimal("1"), "c1"), InvalidQuantityError),
        ((BTC, "BUY", Decimal("NaN"), Decimal("1"), "c1"), InvalidQuantityError),
        ((BTC, "BUY", Decimal("0"), Decimal("1"), "c1"), InvalidQuantityError),
        ((BTC, "BUY", Decimal("1"), Decimal("-1"), "c1"), InvalidPriceError),
        ((BTC, "BUY", Decimal("1"), Decimal("1"), "bad id!"), OrderRejected),
        ((BTC, "BUY", Decimal("1"), Decimal("1"), ""), OrderRejected),
        ((BTC, "BUY", Decimal("1"), Decimal("1"), "x" * 51), OrderRejected),
    ],
)
async def test_bad_order_input_is_a_coded_error_before_any_io(
    fake: FakeTime, args: tuple[Any, ...], error: type[ValrTuiError]
) -> None:
    script = Script(fake)
    async with make_client(script) as client:
        with pytest.raises(error):
            await client.place_limit_order(*args)
    assert script.requests == []


async def test_bad_time_in_force_is_refused(fake: FakeTime) -> None:
    async with make_client(Script(fake)) as client:
        with pytest.raises(OrderRejected):
            await client.place_limit_order(BTC, "BUY", Decimal("1"), Decimal("1"), "c1", time_in_force="DAY")


def test_the_client_has_no_market_order_method() -> None:
    assert [name for name in dir(VALRClient) if "market_order" in name.lower()] == []


# --- construction, logging ---------------------------------------------------------------------
async def test_from_settings_builds_signer_and_bucket_from_settings() -> None:
    settings = Settings(
        api_key=Secret(API_KEY), api_secret=Secret(API_SECRET), base_url="http://127.0.0.1:9",
        rate_limit_capacity=123, rate_limit_refill_per_s=Decimal("4"),
        rate_limit_essential_pct=Decimal("20"),
    )
    async with VALRClient.from_settings(settings) as client:
        assert client.has_credentials
        assert client.bucket.capacity == 123 and client.bucket.refill_per_second == 4.0
        assert client.bucket.essential_threshold == pytest.approx(0.2)
        assert API_SECRET not in repr(client) and API_KEY not in repr(client)
    async with VALRClient.from_settings(Settings()) as anonymous:
        assert not anonymous.has_credentials


async def test_logs_method_path_status_but_never_credentials(
    fake: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    script = Script(fake).then(respond(200, R.BALANCES), respond(202, R.ORDER_ACK), httpx.ReadTimeout("x"))
    caplog.set_level(logging.DEBUG, logger="valr_tui.exchange.valr_client")
    async with make_client(script) as client:
        await client.get_balances()
        await client.place_limit_order(BTC, "BUY", Decimal("0.0001"), Decimal("1234567"), "corr-1")
        with pytest.raises(ExchangeUnavailableError):
            await client.get_balances()
    text = caplog.text
    assert "GET /v1/account/balances -> 200" in text
    assert "POST /v1/orders/limit -> 202" in text
    assert "GET /v1/account/balances -> timeout" in text
    signature = script.requests[0].headers["X-VALR-SIGNATURE"]
    for secret in (API_KEY, API_SECRET, signature, str(FIXED_TS_MS)):
        assert secret not in text
