"""GET /v1/public/{pair}/buckets as VALR documents it (Postman "Price Buckets for a currency pair",
agent-skill market-data.md), over a real loopback socket, with an injected clock."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from tests.conformance import official_examples as O
from valr_tui.exchange.buckets import Candle
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.clock import ManualClock

from .conftest import START


def official_bucket_example() -> dict[str, object]:
    """The first bucket of VALR's saved example response, verbatim (copied into the repository,
    so a fresh clone needs nothing outside it)."""
    first: dict[str, object] = json.loads(O.BUCKETS.body)[0]
    return first


async def buckets(http: httpx.AsyncClient, pair: str = "BTCZAR", **params: object) -> httpx.Response:
    return await http.get(f"/v1/public/{pair}/buckets", params={k: str(v) for k, v in params.items()})


async def test_shape_is_valrs_newest_first_with_iso_start_times(http: httpx.AsyncClient) -> None:
    end = int(START)
    response = await buckets(http, periodSeconds=60, startTime=end - 3600, endTime=end)
    assert response.status_code == 200
    rows = response.json()
    assert set(rows[0]) == set(official_bucket_example())
    starts = [Candle.from_valr(row).start for row in rows]
    assert starts == sorted(starts, reverse=True) and len(starts) == len(set(starts))
    assert all(row["startTime"].endswith(":00Z") and row["bucketPeriodInSeconds"] == 60 for row in rows)
    for row in rows:
        candle = Candle.from_valr(row)  # low <= open, close <= high, every amount a decimal string
        assert candle.pair == "BTCZAR" and all(isinstance(row[k], str) for k in ("open", "volume"))
        assert int(candle.close) == candle.close  # BTCZAR's tick size is 1


@pytest.mark.parametrize("period", [60, 300, 900, 1800, 3600, 21600, 86400])
async def test_every_valr_period_answers(http: httpx.AsyncClient, period: int) -> None:
    end = int(START)
    rows = (await buckets(http, periodSeconds=period, startTime=end - 100 * period, endTime=end)).json()
    assert 95 <= len(rows) <= 101
    assert {row["bucketPeriodInSeconds"] for row in rows} == {period}
    assert all(Candle.from_valr(row).start % period == 0 for row in rows)


@pytest.mark.parametrize("params", [
    {"periodSeconds": 120},  # not one of VALR's periods
    {"periodSeconds": 60, "startTime": int(START) - 301 * 60, "endTime": int(START)},  # > 300 buckets
    {"periodSeconds": 60, "startTime": "yesterday"},
    {"periodSeconds": 60, "startTime": int(START), "endTime": int(START) - 60},
])
async def test_bad_requests_get_valrs_error_body(http: httpx.AsyncClient, params: dict[str, object]) -> None:
    response = await buckets(http, **params)
    assert response.status_code == 400
    assert response.json()["code"] == -11 and response.json()["message"]


async def test_unknown_pair_is_refused(http: httpx.AsyncClient) -> None:
    response = await buckets(http, "FOOZAR")
    assert response.status_code == 400 and response.json()["code"] == -21


async def test_live_trades_make_the_newest_candle(sim: SimulatorServer, clock: ManualClock,
                                                  http: httpx.AsyncClient) -> None:
    clock.advance(60)  # into a minute after the start: only live trades can be in it
    sim.exchange.set_price("ETHZAR", Decimal("56000"))
    sim.exchange.set_price("ETHZAR", Decimal("57000"))
    sim.exchange.set_price("ETHZAR", Decimal("55500"))
    end = int(clock())
    rows = (await buckets(http, "ETHZAR", periodSeconds=60, startTime=end - 60, endTime=end)).json()
    newest = Candle.from_valr(rows[0])
    assert newest.start == end // 60 * 60
    assert (newest.open, newest.high, newest.low, newest.close) == (
        Decimal(56000), Decimal(57000), Decimal(55500), Decimal(55500))
    assert newest.volume > 0 and newest.quote_volume > 0


async def test_include_empty_fills_quiet_buckets_flat(sim: SimulatorServer, clock: ManualClock,
                                                      http: httpx.AsyncClient) -> None:
    clock.advance(60)
    sim.exchange.set_price("BTCZAR", Decimal("1400000"))
    clock.advance(300)  # five quiet minutes
    end = int(clock())
    sparse = (await buckets(http, periodSeconds=60, startTime=end - 300, endTime=end)).json()
    full = (await buckets(http, periodSeconds=60, startTime=end - 300, endTime=end,
                          includeEmpty="true")).json()
    assert len(sparse) == 1
    assert len(full) == 6
    quiet = [Candle.from_valr(row) for row in full[:5]]
    assert all(c.open == c.high == c.low == c.close == Decimal(1400000) and c.volume == 0 for c in quiet)


async def test_limit_and_skip_page_newest_first(http: httpx.AsyncClient) -> None:
    end = int(START)
    everything = (await buckets(http, periodSeconds=3600, startTime=end - 50 * 3600, endTime=end)).json()
    page = (await buckets(http, periodSeconds=3600, startTime=end - 50 * 3600, endTime=end, skip=5,
                          limit=10)).json()
    assert page == everything[5:15]


async def test_history_is_the_same_for_the_same_seed(sim: SimulatorServer, http: httpx.AsyncClient) -> None:
    end = int(START)
    first = (await buckets(http, periodSeconds=86400, startTime=end - 200 * 86400, endTime=end)).json()
    again = (await buckets(http, periodSeconds=86400, startTime=end - 200 * 86400, endTime=end)).json()
    assert first == again and len(first) == 200  # today's bucket has no trade yet: left out
    # the newest history bucket closes where the live market opened
    assert Candle.from_valr(first[0]).close == sim.exchange.markets["BTCZAR"].info.start_price
