"""Hostile exchange responses: the VALRClient (behind httpx.MockTransport) and the stream parser
fed generated JSON and non-JSON. Only coded ``ValrTuiError`` subclasses may escape: never a
KeyError, TypeError, AttributeError, InvalidOperation, RecursionError..."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.exchange import valr_responses as samples
from valr_tui.errors import ValrTuiError
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.exchange.stream import parse_message
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.secrets import Secret

# --- generated bodies -----------------------------------------------------------------------------
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.text(max_size=12),
    st.sampled_from(["NaN", "Infinity", "-0", "1e400", "١٢٣", "", "12.5", "-1", str(10**40)]),
    st.floats(allow_nan=False, allow_infinity=False),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
SAMPLES: tuple[Any, ...] = tuple(
    json.loads(text) for text in (
        samples.PAIRS, samples.MARKET_SUMMARY, samples.ORDERBOOK, samples.SERVER_TIME,
        samples.STATUS_ONLINE, samples.BALANCES, samples.ORDER_ACK, samples.ORDER_STATUS,
        samples.OPEN_ORDERS, samples.TRADE_HISTORY, samples.INVALID_ORDER,
    )
)


def _mutate(sample: Any, draw: st.DrawFn) -> Any:
    """A real VALR shape with one value replaced, or one key dropped, somewhere inside."""
    if isinstance(sample, list) and sample:
        index = draw(st.integers(0, len(sample) - 1))
        return [*sample[:index], _mutate(sample[index], draw), *sample[index + 1:]]
    if isinstance(sample, dict) and sample:
        key = draw(st.sampled_from(sorted(sample)))
        changed = dict(sample)
        if draw(st.booleans()):
            del changed[key]
        elif isinstance(sample[key], (dict, list)) and draw(st.booleans()):
            changed[key] = _mutate(sample[key], draw)
        else:
            changed[key] = draw(json_values)
        return changed
    return draw(json_values)


@st.composite
def mutated_samples(draw: st.DrawFn) -> Any:
    return _mutate(draw(st.sampled_from(SAMPLES)), draw)


json_bodies = st.one_of(json_values, mutated_samples()).map(
    lambda value: json.dumps(value).encode()
)
raw_bodies = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"", b"{", b"[", b"null", b"<html>502</html>", b"\xff\xfe", b'{"a":1}{',
                     b"[" * 3000 + b"]" * 3000, b'{"code": "x", "message": 5}', b"1" * 5000]),
    st.text(max_size=40).map(str.encode),
)
bodies = st.one_of(json_bodies, raw_bodies)
statuses = st.sampled_from([200, 200, 202, 204, 400, 401, 403, 404, 418, 429, 500, 502, 503])
headers = st.sampled_from([
    {}, {"content-type": "application/json"}, {"retry-after": "0"}, {"retry-after": "junk"},
    {"retry-after": "-5"}, {"retry-after": "1e999"}, {"x-valr-ratelimited": "true", "retry-after": "0"},
    {"content-encoding": "gzip"},
])

# Every public call of the client, with ordinary arguments.
CALLS: dict[str, Callable[[VALRClient], Awaitable[Any]]] = {
    "pairs": lambda c: c.get_pairs(),
    "ticker": lambda c: c.get_ticker("BTCZAR"),
    "orderbook": lambda c: c.get_orderbook("BTCZAR"),
    "time": lambda c: c.get_server_time(),
    "status": lambda c: c.get_status(),
    "balances": lambda c: c.get_balances(),
    "open_orders": lambda c: c.get_open_orders(),
    "trades": lambda c: c.get_trade_history("BTCZAR"),
    "order": lambda c: c.get_order("BTCZAR", customer_order_id="corr-1"),
    "cancel": lambda c: c.cancel_order("BTCZAR", customer_order_id="corr-1"),
    "place": lambda c: c.place_limit_order("BTCZAR", "BUY", Decimal("0.001"), Decimal("1000000"), "corr-1"),
}


class JumpClock:
    """Time that jumps instead of passing: the client's pauses and the bucket's waits cost nothing."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 1e-3)


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


async def call_with(responses: list[tuple[int, dict[str, str], bytes]], call: str) -> int:
    """Run one client call against a server that answers with ``responses`` in turn (the last
    repeats); return how many requests were made."""
    served = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal served
        status, extra, body = responses[min(served, len(responses) - 1)]
        served += 1
        return httpx.Response(status, headers=extra, content=body)

    time = JumpClock()
    client = VALRClient(
        "https://api.valr.test", signer=VALRSigner(Secret("fuzz-key"), Secret("fuzz-secret")),
        bucket=TokenBucket(clock=time, sleep=time.sleep), sleep=time.sleep, max_retries=2,
        transport=httpx.MockTransport(answer),
    )
    try:
        await CALLS[call](client)
    except ValrTuiError as exc:
        assert exc.code.startswith("VALR-"), exc
    finally:
        await client.aclose()
    return served


@given(call=st.sampled_from(sorted(CALLS)),
       responses=st.lists(st.tuples(statuses, headers, bodies), min_size=1, max_size=3))
def test_property_53_client_survives_any_response(
    runner: asyncio.Runner, call: str, responses: list[tuple[int, dict[str, str], bytes]]
) -> None:
    served = runner.run(call_with(responses, call))  # anything but a ValrTuiError fails the test
    assert served >= 1


@given(frame=st.one_of(
    raw_bodies,
    json_bodies,
    st.builds(
        lambda kind, pair, data: json.dumps({"type": kind, "currencyPairSymbol": pair, "data": data}),
        st.sampled_from(["MARKET_SUMMARY_UPDATE", "AGGREGATED_ORDERBOOK_UPDATE", "NEW_TRADE", "PONG"]),
        st.one_of(st.sampled_from(["BTCZAR", "", "btczar"]), json_values),
        st.one_of(mutated_samples(), json_values),
    ),
), as_text=st.booleans())
def test_property_54_stream_parser_survives_any_frame(frame: bytes | str, as_text: bool) -> None:
    raw: bytes | str = frame
    if as_text and isinstance(frame, bytes):
        raw = frame.decode("utf-8", errors="replace")
    try:
        parse_message(raw, 1_760_000_000.0)
    except ValrTuiError as exc:
        assert exc.code.startswith("VALR-")
