"""Amounts from the exchange get the money limits too: a 10k-digit balance (as a JSON string or a
JSON number), price or quantity is a coded malformed-response error from the client and the
stream parser, never a value that reaches the balance gate or a reconciliation baseline."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from valr_tui.errors import MalformedResponseError
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.exchange.stream import parse_message
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.secrets import Secret

HUGE = "1" + "0" * 10_000
BALANCE = {"currency": "ZAR", "available": "1", "reserved": "0", "total": "1"}


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


async def _balances(body: str) -> object:
    client = VALRClient(
        "https://api.valr.test", signer=VALRSigner(Secret("amount-key"), Secret("amount-secret")),
        bucket=TokenBucket(), max_retries=0,
        transport=httpx.MockTransport(lambda _request: httpx.Response(200, content=body.encode())),
    )
    try:
        return await client.get_balances()
    finally:
        await client.aclose()


@pytest.mark.parametrize("body", [
    json.dumps([{**BALANCE, "total": HUGE}]),  # a string of 10,001 digits
    json.dumps([BALANCE]).replace('"total": "1"', f'"total": {HUGE}.5'),  # a JSON number
    json.dumps([BALANCE]).replace('"total": "1"', f'"total": {HUGE}'),  # a JSON integer
    json.dumps([{**BALANCE, "available": "0." + "1" * 30}]),  # more decimals than the limit
], ids=["string", "number", "integer", "decimals"])
def test_out_of_limit_balances_are_malformed_responses(runner: asyncio.Runner, body: str) -> None:
    with pytest.raises(MalformedResponseError):
        runner.run(_balances(body))


def test_an_ordinary_balance_still_parses(runner: asyncio.Runner) -> None:
    balances = runner.run(_balances(json.dumps([{**BALANCE, "total": "1234.56789"}])))
    assert balances[0].total == Decimal("1234.56789")  # type: ignore[index]


@pytest.mark.parametrize("price", [HUGE, f"{HUGE}.5", "1e99999"])
def test_out_of_limit_stream_prices_are_malformed_frames(price: str) -> None:
    frame = json.dumps({
        "type": "NEW_TRADE", "currencyPairSymbol": "BTCZAR",
        "data": {"price": "1", "quantity": "0.1", "currencyPair": "BTCZAR",
                 "tradedAt": "2024-01-01T00:00:00.000Z", "takerSide": "buy", "id": "t1"},
    }).replace('"price": "1"', f'"price": "{price}"')
    with pytest.raises(MalformedResponseError):
        parse_message(frame, 1_760_000_000.0)


def test_the_same_stream_frame_with_an_ordinary_price_parses() -> None:
    frame = json.dumps({
        "type": "NEW_TRADE", "currencyPairSymbol": "BTCZAR",
        "data": {"price": "1250000", "quantity": "0.1", "currencyPair": "BTCZAR",
                 "tradedAt": "2024-01-01T00:00:00.000Z", "takerSide": "buy", "id": "t1"},
    })
    trade = parse_message(frame, 1_760_000_000.0)
    assert trade is not None and trade.price == Decimal("1250000")  # type: ignore[union-attr]


CANARY_KEY = "CANARY-KEY-77aa88bb99cc00dd11ee"


@pytest.mark.parametrize("cut", range(180, 206, 5))
def test_an_exchange_message_quoting_the_key_near_the_cut_keeps_no_part_of_it(
    runner: asyncio.Runner, cut: int
) -> None:
    from valr_tui.errors import ExchangeError

    message = "x" * (cut - len(CANARY_KEY) // 2) + CANARY_KEY
    body = json.dumps({"code": -11, "message": message}).encode()
    client = VALRClient(
        "https://api.valr.test", signer=VALRSigner(Secret(CANARY_KEY), Secret("cut-secret-123")),
        bucket=TokenBucket(), max_retries=0,
        transport=httpx.MockTransport(lambda _request: httpx.Response(400, content=body)),
    )

    async def place() -> None:
        try:
            await client.place_limit_order("BTCZAR", "BUY", Decimal("0.001"), Decimal("1000000"), "c-1")
        finally:
            await client.aclose()

    with pytest.raises(ExchangeError) as info:
        runner.run(place())
    shown = f"{info.value} {info.value!r} {info.value.details!r}"
    assert CANARY_KEY[:10] not in shown and CANARY_KEY[-10:] not in shown
