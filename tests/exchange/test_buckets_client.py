"""VALRClient.get_buckets and the Candle model against VALR's published example and the simulator."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.simulator.test_buckets import official_bucket_example
from valr_tui.errors import ExchangeError, MalformedResponseError
from valr_tui.exchange.buckets import Candle
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.simulator.server import SimulatorServer


def test_the_official_example_parses() -> None:
    candle = Candle.from_valr(official_bucket_example())  # Postman "Price Buckets for a currency pair"
    assert candle.pair == "BTCUSDC" and candle.period_s == 60
    assert candle.start == 1753188960  # 2025-07-22T12:56:00Z
    assert candle.close == Decimal("119350") and candle.volume == 0


@pytest.mark.parametrize("change", [
    {"open": 1.5}, {"high": "abc"}, {"startTime": "yesterday"}, {"startTime": "2025-07-22T12:56:00"},
    {"low": "999999999"}, {"bucketPeriodInSeconds": "sixty"},
])
def test_a_malformed_bucket_is_a_coded_error(change: dict[str, object]) -> None:
    with pytest.raises(MalformedResponseError):
        Candle.from_valr({**official_bucket_example(), **change})


async def test_get_buckets_from_the_simulator_oldest_first() -> None:
    async with SimulatorServer("bucket-key", "bucket-secret", seed=2, tick_interval=None,
                               pairs=("SOLZAR",)) as sim:
        client = VALRClient(sim.base_url, max_retries=0)
        try:
            now = int(sim.exchange.clock())
            candles = await client.get_buckets("SOLZAR", 900, now - 299 * 900, now)
            assert len(candles) == 300  # includeEmpty: the time axis is complete
            assert [c.start for c in candles] == sorted(c.start for c in candles)
            assert {c.pair for c in candles} == {"SOLZAR"}
            with pytest.raises(ExchangeError):
                await client.get_buckets("SOLZAR", 900, now - 400 * 900, now)  # VALR's 300 limit
        finally:
            await client.aclose()
