"""Price-band protection, the taker preview and the second confirmation of a large LIVE order."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.integration.test_engine_e2e import KEY, SECRET, settings_for, started
from tests.ui.fixtures import settle
from tests.ui.pilot_helpers import SIZE, fill_order, make_app, text_of
from valr_tui.errors import PriceBandError
from valr_tui.exchange.models import BookLevel, OrderBook
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.price_band import check_price_band, expected_taker_fill
from valr_tui.trading.views import MarketView, OrderRequest
from valr_tui.ui.screens.modals import ConfirmScreen


def view_with(asks: list[tuple[int, str]], bids: list[tuple[int, str]]) -> MarketView:
    book = OrderBook("BTCZAR", tuple(BookLevel(Decimal(p), Decimal(q)) for p, q in asks),
                     tuple(BookLevel(Decimal(p), Decimal(q)) for p, q in bids))
    return MarketView("BTCZAR", None, book, 0.0, False)


def test_a_price_more_than_the_band_from_the_mid_is_refused_with_its_code() -> None:
    view = view_with([(1010, "1")], [(990, "1")])  # mid 1000
    band = Decimal(5)
    assert check_price_band("BUY", Decimal(1050), view, band) == []  # exactly 5%
    assert check_price_band("SELL", Decimal(950), view, band) == []
    (above,) = check_price_band("BUY", Decimal(1051), view, band)
    assert above.code == "VALR-ORD-011" and "5.10% above the mid R 1,000.00" in above.message
    (below,) = check_price_band("SELL", Decimal(949), view, band)
    assert "below" in below.message


def test_a_crossing_price_is_a_taker_fill_walked_through_the_book() -> None:
    view = view_with([(1010, "0.5"), (1011, "0.3"), (1013, "1")], [(990, "1")])
    assert expected_taker_fill("BUY", Decimal(1009), Decimal(1), view) is None  # below the ask: rests
    fill = expected_taker_fill("BUY", Decimal(1011), Decimal(1), view)
    assert fill is not None
    assert (fill.quantity, fill.levels, fill.rests) == (Decimal("0.8"), 2, Decimal("0.2"))
    assert fill.average_price == (Decimal("505") + Decimal("303.3")) / Decimal("0.8")
    sell = expected_taker_fill("SELL", Decimal(900), Decimal("0.4"), view)
    assert sell is not None and (sell.quantity, sell.average_price, sell.rests) == (Decimal("0.4"), 990, 0)


async def test_the_order_manager_refuses_a_price_outside_the_band(tmp_path: Path) -> None:
    async with SimulatorServer(KEY, SECRET, seed=3, tick_interval=None) as sim:
        engine = await started(settings_for(sim, tmp_path))
        try:
            ticker = engine.market("BTCZAR").ticker
            assert ticker is not None
            far = (ticker.bid * Decimal("0.90")).quantize(Decimal(1))
            assert "VALR-ORD-011" in [p.code for p in engine.preview(
                OrderRequest("BTCZAR", "BUY", far, Decimal("0.0001"))).problems]
            with pytest.raises(PriceBandError):
                await engine.submit(OrderRequest("BTCZAR", "BUY", far, Decimal("0.0001")))
            assert await engine.orders() == []
        finally:
            await engine.stop()


async def test_the_preview_shows_a_crossing_order_as_taker_with_its_expected_fill() -> None:
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fill_order(pilot, "1249000", "0.001")  # below the ask: a maker order
        assert "TAKER" not in text_of(app, "#preview")
        await fill_order(pilot, "1250150", "0.03")  # through two ask levels (0.0125 + 0.025)
        preview = text_of(app, "#preview")
        assert "TAKER" in preview and "fills 0.03000000 now" in preview and "over 2 levels" in preview
        await fill_order(pilot, "1400000", "0.001")
        assert "VALR-ORD-011" in text_of(app, "#preview")


async def test_a_large_live_order_asks_twice() -> None:
    app, engine = make_app(execution_mode="LIVE")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fill_order(pilot, "1250000", "0.003")  # R 3,750 > CONFIRM_TWICE_ZAR R 2,500
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "Second confirmation" in app.screen.question
        assert engine.submitted == []
        await pilot.press("n")
        await settle(pilot)
        assert engine.submitted == []
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert len(engine.submitted) == 1
