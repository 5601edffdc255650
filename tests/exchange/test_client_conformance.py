"""The client against VALR's documented behaviour, each case a divergence the client once had:
scoped 429 back-off (a public 429 never freezes cancels or order lookups), the history-summary
fallback, server-aligned signing, VALR's validation-error shape, LIMIT flags as strict JSON
bools, the modify-order body, and the overall deadline and size cap of every request."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from tests.conformance.official_examples import HISTORY_SUMMARY_CID_1
from tests.exchange import valr_responses as R
from tests.exchange.fakes import FakeTime, Script, make_client, respond
from valr_tui.errors import (
    ExchangeDeadlineError,
    ExchangeError,
    InvalidQuantityError,
    OrderRejected,
    RateLimitedError,
    ResponseTooLargeError,
)
from valr_tui.exchange.hmac_signer import VALRSigner, compute_signature
from valr_tui.exchange.valr_client import VALRClient

BTC = "BTCZAR"
LIMITED = {"x-valr-ratelimited": "true"}

@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


# --- divergence 2: a 429 backs off only the limit it hit -----------------------------------------
async def test_public_429_never_freezes_cancels_or_order_lookups(fake: FakeTime) -> None:
    fake.wall = 1_764_010_805.0  # 55 s before the minute turns
    routes = {
        "/v1/orders/order": respond(202, ""), "/v1/orders/BTCZAR/orderid/o1": respond(200, R.ORDER_STATUS)
    }
    script = Script(fake, route=lambda request: routes[request.url.path])
    script.then(respond(429, "Rate limit exceeded", LIMITED))  # the public market summary
    async with make_client(script, max_backoff_total_s=10.0) as client:
        with pytest.raises(RateLimitedError):  # 55 s is beyond the 10 s budget
            await client.get_ticker(BTC)
        assert client.scope_blocked_for("public") >= 54
        snapshot = client.bucket.snapshot()  # the gauge shows the back-off, nothing else waits
        assert snapshot.blocked_for >= 54 and not snapshot.essential_only
        limited_at = fake.wall
        await client.cancel_order(BTC, order_id="o1")
        status = await client.get_order(BTC, order_id="o1")
    assert status.order_id.startswith("558f5e0a")
    # Sent at once: the public limit's pause did not touch the account's routes.
    assert [r.at for r in script.requests[1:]] == [limited_at, limited_at]


async def test_per_second_route_429_waits_for_the_next_second_only(fake: FakeTime) -> None:
    fake.wall = 1_764_010_805.25
    script = Script(fake).then(respond(429, "", LIMITED), respond(200, R.SERVER_TIME))
    async with make_client(script) as client:
        await client.get_server_time()  # /v1/public/time: 20/s, its own limit
    gap = script.requests[1].at - script.requests[0].at
    assert 0.25 <= gap <= 1.0  # the rest of that second, never the rest of the minute


# --- divergence 5: finished orders from the history summary -------------------------------------
async def test_active_lookup_404_falls_back_to_the_history_summary(fake: FakeTime) -> None:
    script = Script(fake).then(respond(404, ""), respond(200, HISTORY_SUMMARY_CID_1.body))
    async with make_client(script) as client:
        status = await client.get_order("ETHBTC", customer_order_id="LimitSell")
    assert [r.raw_path for r in script.requests] == [
        "/v1/orders/ETHBTC/customerorderid/LimitSell",
        "/v1/orders/history/summary/customerorderid/LimitSell",
    ]
    assert status.status == "Filled" and status.order_type == "post-only limit"
    assert status.average_price == Decimal("0.03") and status.total_fee == Decimal("0.000000799992")
    assert status.remaining_quantity == Decimal("0") and status.fee_currency == "BTC"


# --- divergence 7: sign with server-aligned time -------------------------------------------------
async def test_server_time_offset_is_measured_and_signs_every_request(fake: FakeTime) -> None:
    # The server is 42.5 s ahead of this machine.
    server_time = '{"epochTime":1764010872,"time":"2025-11-24T19:01:12.500000000Z"}'
    script = Script(fake).then(respond(200, server_time), respond(200, R.BALANCES))
    async with make_client(script, ts_ms=1_764_010_830_000) as client:
        offset = await client.sync_server_time()
        await client.get_balances()
    assert offset == pytest.approx(42.5, abs=1e-3)
    sent = script.requests[1]
    assert sent.headers["X-VALR-TIMESTAMP"] == str(1_764_010_830_000 + 42_500)
    expected = compute_signature(
        "test-api-secret-abcdef0123456789", sent.headers["X-VALR-TIMESTAMP"], "GET", sent.raw_path, b""
    )
    assert sent.headers["X-VALR-SIGNATURE"] == expected


# --- divergence 6: validation errors as VALR shapes them -----------------------------------------
async def test_validation_errors_name_each_field(fake: FakeTime) -> None:
    # VALR's shape ("Register Subaccount With KYC Info", 400): validationErrors.errors[].field/message
    body = json.dumps({
        "code": -11, "message": "Invalid Request, please check your request and try again",
        "validationErrors": {"errors": [{"field": "price", "message": "must not be blank"}]},
    })
    script = Script(fake).then(respond(400, body))
    async with make_client(script) as client:
        with pytest.raises(ExchangeError) as info:
            await client.place_limit_order(BTC, "BUY", Decimal("0.001"), Decimal("1000000"), "c-1")
    assert info.value.valr_code == -11 and "price: must not be blank" in info.value.message


# --- LIMIT flags and modify-order as VALR documents them -----------------------------------------
@pytest.mark.parametrize("post_only", [True, False])
@pytest.mark.parametrize("time_in_force", ["GTC", "IOC", "FOK"])
async def test_limit_order_sends_post_only_as_a_json_bool(
    fake: FakeTime, post_only: bool, time_in_force: str
) -> None:
    script = Script(fake).then(respond(202, R.ORDER_ACK))
    async with make_client(script) as client:
        await client.place_limit_order(
            BTC, "SELL", Decimal("0.1"), Decimal("1300000"), "corr-1",
            post_only=post_only, time_in_force=time_in_force,
        )
    sent = json.loads(script.requests[0].content)
    assert sent["postOnly"] is post_only  # a JSON true/false, never the string "false"
    assert sent["timeInForce"] == time_in_force


async def test_modify_order_sends_valr_s_body_and_returns_the_modify_id(fake: FakeTime) -> None:
    script = Script(fake).then(respond(202, '{"id": "019817f6-da14-70f5-acc9-d7b4e71eadb2"}'))
    async with make_client(script) as client:
        modify_id = await client.modify_order(
            "BTCUSDT", "68b4e939-0f90-41ed-8525-8c9c3509ca63",
            new_remaining_quantity=Decimal("0.00034"), new_price=Decimal("550000"),
        )
    assert modify_id == "019817f6-da14-70f5-acc9-d7b4e71eadb2"
    sent = script.requests[0]
    assert (sent.method, sent.raw_path) == ("PUT", "/v1/orders/modify")
    # The body of VALR's "Modify Order V1" request, key for key.
    assert json.loads(sent.content) == {
        "orderId": "68b4e939-0f90-41ed-8525-8c9c3509ca63", "pair": "BTCUSDT",
        "newRemainingQuantity": "0.00034", "newPrice": "550000", "modifyMatchStrategy": "RETAIN_ORIGINAL",
    }


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({}, OrderRejected),  # nothing to change
        ({"new_remaining_quantity": Decimal(1), "new_total_quantity": Decimal(2)}, InvalidQuantityError),
        ({"new_price": Decimal(1), "match_strategy": "KEEP"}, OrderRejected),
        ({"new_remaining_quantity": Decimal(-1)}, InvalidQuantityError),
    ],
)
async def test_bad_modify_input_is_a_coded_error_before_any_io(
    fake: FakeTime, kwargs: dict[str, object], error: type[Exception]
) -> None:
    script = Script(fake)
    async with make_client(script) as client:
        with pytest.raises(error):
            await client.modify_order(BTC, "o1", **kwargs)  # type: ignore[arg-type]
    assert script.requests == []


# --- hostile servers: an overall deadline and a size cap ----------------------------------------
def _client(handler: object, **kwargs: object) -> VALRClient:
    return VALRClient(
        "https://api.valr.test", transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


async def test_a_server_trickling_one_byte_at_a_time_hits_the_deadline() -> None:
    async def trickle() -> AsyncIterator[bytes]:
        while True:  # every read arrives well inside any per-read timeout
            await asyncio.sleep(0.02)
            yield b" "

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=trickle())

    async with _client(handler, timeout=0.2, deadline_s=0.5) as client:
        started = asyncio.get_running_loop().time()
        with pytest.raises(ExchangeDeadlineError) as info:
            await client.get_status()
        elapsed = asyncio.get_running_loop().time() - started
    assert info.value.code == "VALR-EXC-005" and 0.45 <= elapsed < 2.0


async def test_an_order_placed_on_a_trickling_server_ends_unknown_within_its_deadlines() -> None:
    async def trickle() -> AsyncIterator[bytes]:
        while True:
            await asyncio.sleep(0.02)
            yield b" "

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(202 if request.method == "POST" else 200, content=trickle())

    signer = VALRSigner("k", "s")
    async with _client(handler, signer=signer, timeout=0.2, deadline_s=0.4) as client:
        started = asyncio.get_running_loop().time()
        with pytest.raises(ExchangeError) as info:
            await client.place_limit_order(BTC, "BUY", Decimal("0.001"), Decimal("1000000"), "slow-1")
        elapsed = asyncio.get_running_loop().time() - started
    # The send and the lookup each hit the deadline; the order may have landed: "unknown".
    assert info.value.details["order_state"] == "unknown" and elapsed < 3.0


async def test_a_huge_body_is_refused_without_reading_it_all() -> None:
    sent = 0
    chunk = b"[" + b"0," * 32_767 + b"0"  # 64 KiB a chunk

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(52 * 16):  # 52 MiB in all
            sent += len(chunk)
            yield chunk

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())

    async with _client(handler, max_body_bytes=1024 * 1024) as client:
        with pytest.raises(ResponseTooLargeError) as info:
            await client.get_pairs()
    assert info.value.code == "VALR-EXC-006"
    assert sent <= 1024 * 1024 + 2 * len(chunk)  # stopped just past the cap, not at 52 MiB


async def test_a_declared_huge_body_is_refused_before_reading_any_of_it() -> None:
    read = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal read
        read += 1
        yield b"[]"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body(), headers={"Content-Length": str(52 * 1024 * 1024)})

    async with _client(handler) as client:
        with pytest.raises(ResponseTooLargeError):
            await client.get_pairs()
    assert read == 0
