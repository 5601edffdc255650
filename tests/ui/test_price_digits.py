"""Prices keep every digit on screen: a pair that trades in ten-thousandths is not shown rounded to
cents (the spread of DOGEZAR at 3.2140 / 3.2151 is R 0.0011, not "R 0.00"; its ladder reads
3.2140, not 3.21), and a price names the pair's quote currency."""

from __future__ import annotations

from decimal import Decimal

from textual.app import App, ComposeResult

from tests.ui.fixtures import FakeEngine, Scenario
from tests.ui.pilot_helpers import text_of
from valr_tui.trading.safety import SafetyState
from valr_tui.ui.format import amount, quoted_price
from valr_tui.ui.widgets.market import SpreadPane


class OnePane(App[None]):
    def __init__(self, engine: FakeEngine) -> None:
        super().__init__()
        self.pane = SpreadPane(Decimal(1), engine.tick_size)

    def compose(self) -> ComposeResult:
        yield self.pane


async def test_the_spread_and_the_ladder_of_a_ten_thousandths_pair_keep_their_digits() -> None:
    engine = FakeEngine(Scenario.TEN_PAIRS)
    app = OnePane(engine)
    async with app.run_test(size=(60, 14)) as pilot:
        app.pane.show([engine.market("DOGEZAR"), engine.market("BTCZAR")], "DOGEZAR", SafetyState.NORMAL)
        await pilot.pause()
        lines = text_of(app, "#spread-lines")  # type: ignore[arg-type]
        assert "DOGEZAR R 0.0011 =" in lines and "BTCZAR R 200.00 =" in lines, lines
        depth = text_of(app, "#depth")  # type: ignore[arg-type]
        assert "3.2140" in depth and "3.2135" in depth and "3.2151" in depth, depth
        app.pane.show([engine.market("BTCZAR")], "BTCZAR", SafetyState.NORMAL)
        await pilot.pause()
        assert "1,249,900.00" in text_of(app, "#depth")  # type: ignore[arg-type]  # as before


def test_amounts_and_quoted_prices_keep_their_digits() -> None:
    assert amount(Decimal("2.3456")) == "2.3456" and amount(Decimal("1500000")) == "1,500,000.00"
    assert amount(Decimal("3.214"), 4) == "3.2140"
    assert quoted_price(Decimal("61000.5"), "BTCUSDC") == "61,000.50 USDC"
