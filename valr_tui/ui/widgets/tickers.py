"""The ticker table: one row per watched pair, readable with ten pairs or more.

A trader scanning pairs reads last price, 24 h move (▲/▼), the touch (bid/ask), the spread
against MAX_SPREAD_PCT (WIDE, CROSSED) and how fresh the data is (STALE); the row of the order
form's pair is marked ▶. Cells change in place (``update_cell``) and only when their text
changes, so a tick costs a few cells.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from textual.widgets import DataTable

from valr_tui.trading.market_rules import market_spread_pct
from valr_tui.trading.views import MarketView
from valr_tui.ui.format import age, pct
from valr_tui.ui.widgets.chart import price_text, tick_places


class TickerTable(DataTable[str]):
    """Pair, Last, 24h, Bid, Ask, Spread, Age; keyed by pair (fits 80 columns)."""

    COLUMNS = (
        ("pair", "Pair"), ("last", "Last"), ("change", "24h"), ("bid", "Bid"), ("ask", "Ask"),
        ("spread", "Spread"), ("age", "Age"),
    )

    def __init__(
        self,
        pairs: tuple[str, ...],
        max_spread_pct: Decimal,
        tick_of: Callable[[str], Decimal | None],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes="pane", cursor_type="none", zebra_stripes=True)
        self.pairs = pairs
        self._tick_of = tick_of
        self.max_spread_pct = max_spread_pct
        self.border_title = f"Tickers ({len(pairs)})"
        self._views: dict[str, MarketView] = {}
        self.selected = pairs[0] if pairs else ""

    def on_mount(self) -> None:
        for key, label in self.COLUMNS:
            self.add_column(label, key=key)
        for pair in self.pairs:
            self.add_row(*self._blank(pair), key=pair)

    def _blank(self, pair: str) -> list[str]:
        return [self._pair_cell(pair), "—", "", "", "", "", "never"]

    def _pair_cell(self, pair: str) -> str:
        return f"▶ {pair}" if pair == self.selected else f"  {pair}"

    @property
    def views(self) -> list[MarketView]:
        """The newest view shown for each pair (the status bar reads how fresh they are)."""
        return list(self._views.values())

    def select_pair(self, pair: str) -> None:
        previous, self.selected = self.selected, pair
        for name in {previous, pair}:
            if name in self.pairs:
                self._set(name, "pair", self._pair_cell(name))

    def show(self, views: list[MarketView], now: float) -> None:
        with self.app.batch_update():
            for view in views:
                if view.pair not in self.pairs:
                    continue
                self._views[view.pair] = view
                for column, value in self._cells(view).items():
                    self._set(view.pair, column, value)
                self._set(view.pair, "age", self._age(view, now))

    def show_age(self, now: float) -> None:
        """Called a few times a second: only Age cells whose text changed are touched."""
        for pair, view in self._views.items():
            self._set(pair, "age", self._age(view, now))

    def _set(self, pair: str, column: str, value: str) -> None:
        if self.get_cell(pair, column) != value:
            self.update_cell(pair, column, value, update_width=True)

    @staticmethod
    def _age(view: MarketView, now: float) -> str:
        text = age(view.age(now))
        return f"STALE {text}" if view.stale else text

    def _cells(self, view: MarketView) -> dict[str, str]:
        ticker = view.ticker
        if ticker is None:
            return {"last": "no data yet"}
        places = tick_places(self._tick_of(view.pair), ticker.last)  # the decimals the pair trades in
        arrow = "▲" if ticker.change_pct >= 0 else "▼"
        spread = market_spread_pct(view)
        if spread is None:
            spread_text = "CROSSED" if view.ticker is not None and view.ticker.crossed else "—"
        else:
            spread_text = pct(spread)
            if spread > self.max_spread_pct:
                spread_text += " WIDE"
        return {
            "last": price_text(ticker.last, places),
            "change": f"{arrow}{pct(abs(ticker.change_pct))}",
            "bid": price_text(ticker.bid, places),
            "ask": price_text(ticker.ask, places),
            "spread": spread_text,
        }
