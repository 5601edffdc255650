"""Divergence 7: the client reads VALR's time, keeps the offset, signs with server-aligned time,
and the screen warns when this machine's clock is far off."""

from __future__ import annotations

import time

import pytest
from textual.app import App, ComposeResult

from valr_tui.errors import AuthenticationError, ExchangeUnavailableError
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.clock import ServerTimeSync
from valr_tui.trading.views import ConnectionState
from valr_tui.ui.widgets.status import StatusBar

KEY, SECRET = "time-key", "time-secret-0123456789"


async def test_a_clock_45_s_behind_is_refused_until_the_offset_is_read() -> None:
    ahead = 45.0  # VALR refuses a timestamp more than 30 s from its own clock
    server = SimulatorServer(KEY, SECRET, seed=1, tick_interval=None, clock=lambda: time.time() + ahead)
    async with server as sim:
        bucket = TokenBucket(capacity=1000, refill_per_second=1000)
        async with VALRClient(sim.base_url, signer=VALRSigner(KEY, SECRET), bucket=bucket) as client:
            with pytest.raises(AuthenticationError):
                await client.get_balances()
            offset = await client.sync_server_time()
            assert offset == pytest.approx(ahead, abs=0.5)
            assert client.server_now() == pytest.approx(time.time() + ahead, abs=0.5)
            assert await client.get_balances()  # signed with the server's time: accepted


async def test_server_time_sync_keeps_the_offset_and_flags_a_large_skew() -> None:
    readings: list[float | Exception] = [0.4, -7.5, ExchangeUnavailableError("down")]

    async def measure() -> float:
        reading = readings.pop(0)
        if isinstance(reading, Exception):
            raise reading
        return reading

    sync = ServerTimeSync(measure, warn_above_s=2.0)
    assert sync.offset_s is None and not sync.skewed
    assert await sync.sync_once() == 0.4 and not sync.skewed
    assert await sync.sync_once() == -7.5 and sync.skewed
    assert await sync.sync_once() == -7.5  # a failed read keeps the last offset
    assert sync.skewed


class _Bar(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar()


async def test_the_status_bar_warns_of_clock_skew() -> None:
    app = _Bar()
    async with app.run_test(size=(120, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show_connection(ConnectionState.WS, clock_skew_s=7.5)
        await pilot.pause()
        text = str(bar.query_one("#connection").render())
        assert "WS live" in text and "CLOCK SKEW +7.5 s" in text
        assert bar.query_one("#connection").has_class("-warn")
        bar.show_connection(ConnectionState.WS)
        await pilot.pause()
        assert "CLOCK SKEW" not in str(bar.query_one("#connection").render())
