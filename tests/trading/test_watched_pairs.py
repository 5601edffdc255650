"""PAIRS against VALR's /v1/public/pairs: metadata for each, a coded error naming the bad ones."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from valr_tui.config import Settings
from valr_tui.errors import UnlistedPairError
from valr_tui.exchange.models import Pair
from valr_tui.preflight import check_pairs
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.market_rules import watched_pairs

ROOT = Path(__file__).resolve().parents[2]


def pair(symbol: str, *, active: bool = True, tick: str = "1") -> Pair:
    return Pair(symbol, symbol[:-3], symbol[-3:], Decimal(tick), 8, Decimal("0.0001"), Decimal(10),
                Decimal(10), Decimal(5_000_000), active)


LISTED = [pair("BTCZAR"), pair("XRPZAR", tick="0.01"), pair("LTCBTC", active=False)]


def test_every_configured_pair_gets_valrs_metadata_in_order() -> None:
    watched = watched_pairs(("XRPZAR", "BTCZAR"), LISTED)
    assert list(watched) == ["XRPZAR", "BTCZAR"]
    assert watched["XRPZAR"].tick_size == Decimal("0.01")


def test_unknown_and_inactive_pairs_are_named_in_one_coded_error() -> None:
    with pytest.raises(UnlistedPairError) as caught:
        watched_pairs(("BTCZAR", "FOOZAR", "LTCBTC", "BARZAR"), LISTED)
    error = caught.value
    assert error.code == "VALR-CFG-010"
    assert "FOOZAR, BARZAR" in error.message and "LTCBTC as inactive" in error.message
    assert error.details["unknown"] == ["FOOZAR", "BARZAR"] and error.details["inactive"] == ["LTCBTC"]


async def test_the_preflight_check_asks_the_exchange() -> None:
    async with SimulatorServer("pairs-key", "pairs-secret", tick_interval=None,
                               pairs=("BTCZAR", "DOGEZAR")) as sim:
        await check_pairs(Settings(base_url=sim.base_url, pairs=("DOGEZAR", "BTCZAR")))
        with pytest.raises(UnlistedPairError, match="ETHZAR"):  # not served here: not listed
            await check_pairs(Settings(base_url=sim.base_url, pairs=("BTCZAR", "ETHZAR")))
        with pytest.raises(UnlistedPairError, match="LTCETH as inactive"):
            await check_pairs(Settings(base_url=sim.base_url, pairs=("LTCETH",)))


async def test_an_unreachable_exchange_does_not_block_start_up() -> None:
    started = asyncio.get_running_loop().time()
    await check_pairs(Settings(base_url="http://127.0.0.1:9", pairs=("FOOZAR",)), timeout_s=1.0)
    assert asyncio.get_running_loop().time() - started < 3


def test_demo_start_up_ends_with_one_coded_line_and_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "PAIRS": "BTCZAR,FOOZAR,LTCBTC", "VALR_LOG_PATH": str(tmp_path / "log"),
           "VALR_DB_PATH": str(tmp_path / "db.sqlite"), "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "valr_tui", "--demo", "--env-file", str(tmp_path / "none.env")],
        check=False, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "valr-tui: [VALR-CFG-010] PAIRS: VALR does not list FOOZAR; VALR lists LTCBTC as inactive"
    ]
    assert done.stdout == ""
