"""The spread/depth pane (the tickers are ``tickers.TickerTable``)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content

from valr_tui.exchange.models import OrderBook
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.safety import SafetyState
from valr_tui.trading.views import MarketView
from valr_tui.ui.format import amount, pct, quoted_price
from valr_tui.ui.widgets.chart import tick_places
from valr_tui.ui.widgets.text import LiveText


def _qty(quantity: Decimal) -> str:
    """Book sizes, shortened to fit the depth view (display only; orders use exact values)."""
    text = DecimalGateway.to_wire(quantity)
    if len(text) <= 6:
        return text
    return DecimalGateway.to_wire(DecimalGateway.quantize(quantity, Decimal("0.001")))


class SpreadPane(Vertical):
    """Spread in ZAR and % against MAX_SPREAD_PCT for each pair, and the top 5 levels of one book."""

    def __init__(self, max_spread_pct: Decimal, tick_of: Callable[[str], Decimal | None]) -> None:
        super().__init__(id="spread", classes="pane")
        self._tick_of = tick_of  # a pair's tick size: the decimals its prices are shown with
        self.border_title = "Spread & depth"
        self.max_spread_pct = max_spread_pct
        self._views: dict[str, MarketView] = {}  # the views shown, by pair
        self._lines = LiveText(id="spread-lines")
        self._depth = LiveText(id="depth")
        self._depth_shown: tuple[str, OrderBook | None] | None = None

    def compose(self) -> ComposeResult:
        yield self._lines
        yield self._depth

    def show(self, views: list[MarketView], depth_pair: str, safety: SafetyState) -> None:
        """Draw the spread of each of ``views`` (``ok`` only while fresh and trading is not halted
        for lack of data) and the book of ``depth_pair``; text that did not change is not redrawn,
        a book that did not change not even formatted."""
        self._views = {view.pair: view for view in views}
        lines: list[Content] = []
        for view in self._views.values():
            if view.ticker is None:
                lines.append(Content(f"{view.pair}  no data"))
                continue
            spread_pct = view.ticker.spread_pct
            wide = spread_pct > self.max_spread_pct or view.ticker.crossed
            mark = (" WIDE ", "reverse $error") if wide else ("ok", "$success")
            if view.ticker.crossed:
                mark = (" CROSSED ", "reverse $error")
            elif safety is SafetyState.SAFE_IDLE:
                mark = (" SAFE-IDLE ", "reverse $warning")
            elif view.stale:
                mark = (" STALE ", "reverse $warning")
            places = self._places(view.pair, view.ticker.last)
            spread = f"{view.pair} {quoted_price(view.ticker.spread, view.pair, places)} = {pct(spread_pct)}"
            lines.append(Content.assemble(f"{spread} (max {pct(self.max_spread_pct)}) ", mark))
        self._lines.show_lines(lines)
        depth_view = self._views.get(depth_pair)
        book = depth_view.book if depth_view is not None else None
        if (depth_pair, book) != self._depth_shown:  # the book of another pair changed: no work
            self._depth_shown = (depth_pair, book)
            self._depth.show_lines(self._depth_lines(depth_pair, book))

    def _places(self, pair: str, sample: Decimal | None) -> int:
        """Decimals for ``pair``'s prices here: its tick's, and at least the 2 of a rand amount."""
        return max(2, tick_places(self._tick_of(pair), sample))

    def _depth_lines(self, pair: str, book: OrderBook | None) -> list[Content]:
        """Built from parts, not markup: parsing the ladder's markup was most of a redraw; line by
        line, so that a level that moved repaints its own line. Prices with the pair's tick
        decimals at least (a column reads aligned), never fewer digits."""
        if book is None:
            return [Content(f"{pair}: no order book")]
        top = book.bids or book.asks
        places = self._places(pair, top[0].price if top else None)
        lines = [Content.assemble((f"{pair:<11}", "b"), f" bids {'':7} asks")]
        for i in range(5):
            bid = book.bids[i] if i < len(book.bids) else None
            ask = book.asks[i] if i < len(book.asks) else None
            parts: list[str | tuple[str, str]] = []
            if bid:
                parts += [(f"{amount(bid.price, places):>12}", "$success"), f" {_qty(bid.quantity):<6}"]
            else:
                parts.append(" " * 19)
            parts.append("  ")
            if ask:
                parts += [(f"{amount(ask.price, places):>12}", "$error"), f" {_qty(ask.quantity)}"]
            lines.append(Content.assemble(*parts))
        return lines
