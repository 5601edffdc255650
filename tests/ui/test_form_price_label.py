"""The price field's label names the currency the price is typed in: the pair's quote currency."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Label, Select

from valr_tui.ui.widgets.orders import OrderForm


class _FormApp(App[None]):
    def compose(self) -> ComposeResult:
        yield OrderForm(("BTCZAR", "BTCUSDC"))


def _label(app: App[None]) -> str:
    return str(app.query_one("#label-price", Label).render()).strip()


async def test_the_price_label_follows_the_pairs_quote_currency() -> None:
    app = _FormApp()
    async with app.run_test() as pilot:
        assert _label(app) == "Price ZAR"
        app.query_one("#pair", Select).value = "BTCUSDC"
        await pilot.pause()
        assert _label(app) == "Price USDC"
        app.query_one("#price").focus()
        await pilot.pause()
        assert _label(app) == "▸Price USDC"  # the focus marker stays with the new currency
        app.query_one("#pair", Select).value = "BTCZAR"
        await pilot.pause()
        assert _label(app) == "▸Price ZAR"
