"""The spread/depth pane (the tickers are ``tickers.TickerTable``)."""

from __future__ import annotations

from decimal import Decimal

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.safety import SafetyState
from valr_tui.trading.views import MarketView
from valr_tui.ui.format import pct, zar


def _qty(quantity: Decimal) -> str:
    """Book sizes, shortened to fit the depth view (display only; orders use exact values)."""
    text = DecimalGateway.to_wire(quantity)
    if len(text) <= 6:
        return text
    return DecimalGateway.to_wire(DecimalGateway.quantize(quantity, Decimal("0.001")))


class SpreadPane(Vertical):
    """Spread in ZAR and % against MAX_SPREAD_PCT for each pair, and the top 5 levels of one book."""

    def __init__(self, max_spread_pct: Decimal) -> None:
        super().__init__(id="spread", classes="pane")
        self.border_title = "Spread & depth"
        self.max_spread_pct = max_spread_pct

    def compose(self) -> ComposeResult:
        yield Static(id="spread-lines")
        yield Static(id="depth")

    def show(self, views: list[MarketView], depth_pair: str, safety: SafetyState) -> None:
        """A spread is "ok" only while it is fresh and trading is not halted for lack of data."""
        lines = []
        for view in views:
            if view.ticker is None:
                lines.append(f"{view.pair}  no data")
                continue
            spread_pct = view.ticker.spread_pct
            wide = spread_pct > self.max_spread_pct or view.ticker.crossed
            mark = "[reverse $error] WIDE [/]" if wide else "[$success]ok[/]"
            if view.ticker.crossed:
                mark = "[reverse $error] CROSSED [/]"
            elif safety is SafetyState.SAFE_IDLE:
                mark = "[reverse $warning] SAFE-IDLE [/]"
            elif view.stale:
                mark = "[reverse $warning] STALE [/]"
            lines.append(
                f"{view.pair} {zar(view.ticker.spread)} = {pct(spread_pct)}"
                f" (max {pct(self.max_spread_pct)}) {mark}"
            )
        self.query_one("#spread-lines", Static).update("\n".join(lines))
        self.query_one("#depth", Static).update(self._depth(views, depth_pair))

    @staticmethod
    def _depth(views: list[MarketView], pair: str) -> str:
        book = next((v.book for v in views if v.pair == pair), None)
        if book is None:
            return f"{pair}: no order book"
        rows = [f"[b]{pair:<11}[/b] bids {'':7} asks"]
        for i in range(5):
            bid = book.bids[i] if i < len(book.bids) else None
            ask = book.asks[i] if i < len(book.asks) else None
            left = (f"[$success]{zar(bid.price, symbol=False):>12}[/] {_qty(bid.quantity):<6}"
                    if bid else " " * 19)
            right = f"[$error]{zar(ask.price, symbol=False):>12}[/] {_qty(ask.quantity)}" if ask else ""
            rows.append(f"{left}  {right}")
        return "\n".join(rows)
