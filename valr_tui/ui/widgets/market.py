"""Ticker panes (one per pair) and the spread/depth pane."""

from __future__ import annotations

from decimal import Decimal

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline

from valr_tui.exchange.models import OrderBook
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.views import MarketView
from valr_tui.ui.format import age, crypto, pct, zar
from valr_tui.ui.widgets.text import LiveText


def _sparkline_points(history: tuple[Decimal, ...]) -> list[float]:
    # Display geometry only (bar heights), never an amount: relative position in the range.
    if not history:
        return [0.0]
    low, high = min(history), max(history)
    span = high - low or Decimal(1)
    return [float((price - low) / span) for price in history]


def _qty(quantity: Decimal) -> str:
    """Book sizes, shortened to fit the depth view (display only; orders use exact values)."""
    text = DecimalGateway.to_wire(quantity)
    if len(text) <= 6:
        return text
    return DecimalGateway.to_wire(DecimalGateway.quantize(quantity, Decimal("0.001")))


class TickerPane(Vertical):
    """Last, bid, ask, 24 h change, volume, a sparkline and the data age for one pair."""

    def __init__(self, pair: str) -> None:
        super().__init__(id=f"ticker-{pair}", classes="pane ticker")
        self.pair = pair
        self.border_title = pair
        self._view: MarketView | None = None
        self._body = LiveText(id=f"ticker-body-{pair}", classes="ticker-body")
        self._spark = Sparkline([0.0], id=f"spark-{pair}", classes="spark")
        self._age = LiveText(id=f"ticker-age-{pair}", classes="ticker-age")

    def compose(self) -> ComposeResult:
        yield self._body
        yield self._spark
        yield self._age

    def show(self, view: MarketView, now: float) -> None:
        """Draw ``view``; each part is formatted only when its own data changed."""
        shown, self._view = self._view, view
        ticker = view.ticker
        if shown is None or ticker != shown.ticker:
            if ticker is None:
                self._body.show_text("no market data yet")
            else:
                colour = "$success" if ticker.change_pct >= 0 else "$error"
                arrow = "▲" if ticker.change_pct >= 0 else "▼"
                self._body.show_text(
                    f"Last [b]{zar(ticker.last)}[/b]\n"
                    f"Bid  {zar(ticker.bid)}\n"
                    f"Ask  {zar(ticker.ask)}\n"
                    f"24h  [{colour}]{arrow} {pct(ticker.change_pct, signed=True)}[/]"
                    f"  Vol {crypto(ticker.base_volume)}"
                )
        if shown is None or view.history != shown.history:
            self._spark.data = _sparkline_points(view.history)
        self.set_class(view.stale, "-stale")
        self.show_age(now)

    def show_age(self, now: float) -> None:
        if self._view is None:
            return
        text = f"age {age(self._view.age(now))}"
        if self._view.stale:
            text = f"[reverse $warning] STALE [/] {text}"
        self._age.show_text(text)


class SpreadPane(Vertical):
    """Spread in ZAR and % against MAX_SPREAD_PCT for each pair, and the top 5 levels of one book."""

    def __init__(self, max_spread_pct: Decimal) -> None:
        super().__init__(id="spread", classes="pane")
        self.border_title = "Spread & depth"
        self.max_spread_pct = max_spread_pct
        self._views: dict[str, MarketView] = {}  # the newest view of every pair, in first-shown order
        self._lines = LiveText(id="spread-lines")
        self._depth = LiveText(id="depth")
        self._depth_shown: tuple[str, OrderBook | None] | None = None

    def compose(self) -> ComposeResult:
        yield self._lines
        yield self._depth

    def show(self, views: list[MarketView], depth_pair: str) -> None:
        """Take the new views (any subset of the pairs) and draw the spreads of all pairs known
        and the book of ``depth_pair``."""
        self._views.update((view.pair, view) for view in views)
        lines = []
        for view in self._views.values():
            if view.ticker is None:
                lines.append(f"{view.pair}  no data")
                continue
            spread_pct = view.ticker.spread_pct
            wide = spread_pct > self.max_spread_pct or view.ticker.crossed
            mark = "[reverse $error] WIDE [/]" if wide else "[$success]ok[/]"
            if view.ticker.crossed:
                mark = "[reverse $error] CROSSED [/]"
            lines.append(
                f"{view.pair} {zar(view.ticker.spread)} = {pct(spread_pct)}"
                f" (max {pct(self.max_spread_pct)}) {mark}"
            )
        self._lines.show_text("\n".join(lines))
        depth_view = self._views.get(depth_pair)
        book = depth_view.book if depth_view is not None else None
        if (depth_pair, book) != self._depth_shown:  # the book of another pair changed: no work
            self._depth_shown = (depth_pair, book)
            self._depth.show_text(self._depth_text(depth_pair, book))

    @staticmethod
    def _depth_text(pair: str, book: OrderBook | None) -> str:
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
