"""MAX_ORDER_ZAR on a pair quoted in another currency: the engine follows the ZAR rate pair it needs
(BTCUSDC -> USDCZAR) by itself, against the simulator, without its being in PAIRS."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from tests.integration.test_engine_e2e import KEY, SECRET, settings_for, started
from valr_tui.config import Settings
from valr_tui.errors import UnlistedPairError
from valr_tui.preflight import check_pairs
from valr_tui.show_config import config_command
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.views import OrderRequest

D = Decimal


def test_the_rate_pairs_are_the_zar_pairs_of_the_other_quote_currencies() -> None:
    settings = Settings(pairs=("BTCUSDC", "ETHUSDC", "BTCZAR", "XRPUSDT", "LTCBTC"))
    assert settings.rate_pairs == ("USDCZAR", "USDTZAR")  # BTCZAR is watched already
    assert settings.market_pairs == (*settings.pairs, "USDCZAR", "USDTZAR")
    assert Settings(pairs=("BTCZAR", "ETHZAR")).rate_pairs == ()
    assert Settings(pairs=("USDCZAR", "BTCUSDC", "FOOBAR")).rate_pairs == ()  # FOOBAR: VALR's listing says


def test_config_names_the_rate_pairs_it_follows(tmp_path: Path) -> None:
    out = io.StringIO()
    config_command(Settings(pairs=("BTCUSDC", "ETHUSDT")), None, str(tmp_path / "demo.db"), out, environ={})
    assert "# also followed, as ZAR rates for MAX_ORDER_ZAR: USDCZAR,USDTZAR\n" in out.getvalue()


async def test_an_order_on_btcusdc_is_valued_through_usdczar_without_usdczar_in_pairs(tmp_path: Path) -> None:
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None,
                               pairs=("BTCUSDC", "BTCZAR", "USDCZAR")) as sim:
        settings = settings_for(sim, tmp_path, pairs=("BTCUSDC", "BTCZAR"), dry_run_wallet_btc=D("1"))
        engine = await started(settings)  # ready: a first price of USDCZAR too
        try:
            assert engine.pairs == ("BTCUSDC", "BTCZAR")  # the ticker table's pairs: no rate pair
            rate = engine.market("USDCZAR").ticker
            assert rate is not None and rate.bid > 0
            ask = engine.market("BTCUSDC").ticker.ask  # type: ignore[union-attr]
            # 0.001 BTC at about 82,000 USDC is about R 1,500: within the R 5,000 limit
            result = await engine.submit(OrderRequest("BTCUSDC", "SELL", str(ask + 500), "0.001"))
            assert result.order_id.startswith("DRY_"), result
            # 0.01 BTC is about R 15,000: refused by MAX_ORDER_ZAR in ZAR, not for a missing rate
            large = engine.preview(OrderRequest("BTCUSDC", "SELL", str(ask + 500), "0.01"))
            codes = [problem.code for problem in large.problems]
            assert "VALR-ORD-007" in codes and "VALR-MKT-003" not in codes
        finally:
            await engine.stop()


async def test_a_rate_pair_the_exchange_does_not_list_ends_start_up_naming_it(tmp_path: Path) -> None:
    async with SimulatorServer(KEY, SECRET, seed=7, tick_interval=None, pairs=("BTCUSDC", "BTCZAR")) as sim:
        settings = settings_for(sim, tmp_path, pairs=("BTCUSDC",))
        with pytest.raises(UnlistedPairError) as raised:
            await check_pairs(settings)
    assert raised.value.code == "VALR-CFG-010"
    assert "USDCZAR" in raised.value.message and "MAX_ORDER_ZAR" in raised.value.message
