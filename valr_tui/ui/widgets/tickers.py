"""The ticker table: one row per watched pair, readable with ten pairs or more.

A trader scanning pairs reads last price, 24 h move (▲/▼), the touch (bid/ask), the spread
against MAX_SPREAD_PCT (WIDE, CROSSED) and how fresh the data is (STALE); the row of the order
form's pair is marked ▶.

Drawn with Textual's Line API and laid out as ``DataTable`` lays out a table (a header row, one
cell of padding each side, columns as wide as their widest text, zebra rows, the same component
classes and colours), because a ``DataTable`` cell update re-renders every row of the table (its
render caches share one update counter) and, when a width may change, reflows the whole screen:
on the idle dashboard that was most of each frame. Here each row's line is built once per change
of its text and kept; a changed cell repaints its own row's line only, and the whole table only
when a column's width changes.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from valr_tui.trading.market_rules import market_spread_pct
from valr_tui.trading.views import MarketView
from valr_tui.ui.format import age, pct
from valr_tui.ui.widgets.chart import price_text, tick_places

CELL_PADDING = 1  # as DataTable's default


class TickerTable(ScrollView, can_focus=True):
    """Pair, Last, 24h, Bid, Ask, Spread, Age; keyed by pair (fits 80 columns)."""

    COLUMNS = (
        ("pair", "Pair"), ("last", "Last"), ("change", "24h"), ("bid", "Bid"), ("ask", "Ask"),
        ("spread", "Spread"), ("age", "Age"),
    )
    COMPONENT_CLASSES: ClassVar[set[str]] = {"datatable--header", "datatable--even-row", "datatable--odd-row"}
    # DataTable's own rules for these parts, so the table looks the same as one
    DEFAULT_CSS = """
    TickerTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            border-left: outer $accent;
            & > .datatable--header { background-tint: $foreground 5%; }
        }
        &:dark > .datatable--even-row { background: $surface-darken-1 40%; }
        & > .datatable--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .datatable--header { background: ansi_bright_blue; color: ansi_default; }
        & > .datatable--even-row { background: $surface-lighten-1 50%; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", "Up", show=False),
        Binding("down", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    def __init__(
        self,
        pairs: tuple[str, ...],
        max_spread_pct: Decimal,
        tick_of: Callable[[str], Decimal | None],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes="pane")
        self.pairs = pairs
        self._tick_of = tick_of
        self.max_spread_pct = max_spread_pct
        self.border_title = f"Tickers ({len(pairs)})"
        self._views: dict[str, MarketView] = {}
        self.selected = pairs[0] if pairs else ""
        self._columns = tuple(key for key, _ in self.COLUMNS)
        self._rows: dict[str, dict[str, str]] = {pair: self._blank(pair) for pair in pairs}
        self._row_of = {pair: index for index, pair in enumerate(pairs)}
        self._widths: tuple[int, ...] = ()
        self._lines: dict[int, Strip] = {}  # built lines by table line (0 = header)
        self._styles: dict[str, Style] = {}  # resolved component styles, until the next style update
        self._measure()

    def _blank(self, pair: str) -> dict[str, str]:
        cells = ["—", "", "", "", "", "never"]
        return dict(zip(self._columns, [self._pair_cell(pair), *cells], strict=True))

    def _pair_cell(self, pair: str) -> str:
        return f"▶ {pair}" if pair == self.selected else f"  {pair}"

    @property
    def views(self) -> list[MarketView]:
        """The newest view shown for each pair (the status bar reads how fresh they are)."""
        return list(self._views.values())

    def get_cell(self, pair: str, column: str) -> str:
        """The text shown in ``column`` of ``pair``'s row."""
        return self._rows[pair][column]

    def select_pair(self, pair: str) -> None:
        previous, self.selected = self.selected, pair
        for name in {previous, pair}:
            if name in self._rows:
                self._set(name, "pair", self._pair_cell(name))

    def show(self, views: list[MarketView], now: float) -> None:
        for view in views:
            if view.pair not in self._rows:
                continue
            self._views[view.pair] = view
            for column, value in self._cells(view).items():
                self._set(view.pair, column, value)
            self._set(view.pair, "age", self._age(view, now))

    def show_age(self, now: float) -> None:
        """Called a few times a second: only Age cells whose text changed are touched (all in
        the same frame)."""
        for pair, view in self._views.items():
            self._set(pair, "age", self._age(view, now))

    # -- drawing --------------------------------------------------------------------------------
    def _set(self, pair: str, column: str, value: str) -> None:
        row = self._rows[pair]
        if row[column] == value:
            return
        before, row[column] = row[column], value
        if self._resized(column, before, value):  # a column changed width: every line moves
            self._lines.clear()
            self.refresh()
            return
        line = self._row_of[pair] + 1
        self._lines.pop(line, None)
        self.refresh(Region(0, line - self.scroll_offset.y, self.size.width, 1))

    def _resized(self, column: str, before: str, after: str) -> bool:
        """Measure again only when ``column`` can have changed width: its new text is wider than
        the column, or the old text was the widest and the new one is narrower."""
        width = self._widths[self._columns.index(column)] - 2 * CELL_PADDING
        new, old = cell_len(after), cell_len(before)
        if new > width or new < old == width:
            return self._measure()
        return False

    def _measure(self) -> bool:
        """Column widths (the widest text, header included, plus padding); True if they changed."""
        widths = tuple(
            max(cell_len(label), *(cell_len(row[key]) for row in self._rows.values())) + 2 * CELL_PADDING
            for key, label in self.COLUMNS
        )
        if widths == self._widths:
            return False
        self._widths = widths
        size = Size(sum(widths), len(self._rows) + 1)
        room, shown = self.scrollable_content_region.width, self.virtual_size
        if room and size.height == shown.height and max(size.width, shown.width) <= room:
            # Wider or narrower columns that fit either way: the table's size and scroll bars stay,
            # so no layout (``virtual_size`` asks for one: a reflow of the whole screen, ~45 ms
            # under a price flood whenever a price or a spread gained a digit).
            self.set_reactive(TickerTable.virtual_size, size)
        else:
            self.virtual_size = size
        return True

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()  # their segments hold the old colours
        self._styles.clear()

    def _style(self, part: str) -> Style:
        style = self._styles.get(part)
        if style is None:
            style = self._styles[part] = self.get_component_styles(part).rich_style
        return style

    def on_resize(self) -> None:
        self._lines.clear()  # the filler right of the last column follows the width

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the widget: the header stays on top, the rows scroll under it."""
        scroll_x, scroll_y = self.scroll_offset
        line = 0 if y == 0 else y + scroll_y
        if line > len(self._rows):
            return Strip.blank(self.size.width, self.rich_style)
        strip = self._lines.get(line)
        if strip is None:
            strip = self._lines[line] = self._build_line(line)
        return strip.crop(scroll_x, scroll_x + self.size.width)

    def _build_line(self, line: int) -> Strip:
        if line == 0:
            texts = [label for _, label in self.COLUMNS]
            style = self._style("datatable--header")
        else:
            row = self._rows[self.pairs[line - 1]]
            texts = [row[key] for key in self._columns]
            index = line - 1  # zebra as DataTable: even rows striped, odd rows plain
            part = "datatable--odd-row" if index % 2 else "datatable--even-row"
            style = self._style(part)
        pad = " " * CELL_PADDING
        text = "".join(
            pad + cell + " " * (width - 2 * CELL_PADDING - cell_len(cell)) + pad
            for cell, width in zip(texts, self._widths, strict=True)
        )
        width = max(self.size.width, sum(self._widths))
        segments = [Segment(text, style), Segment(" " * max(0, width - cell_len(text)), self._filler(style))]
        return Strip(segments).simplify()

    def _filler(self, row_style: Style) -> Style:
        """DataTable's style for the space right of the last column: the row's colour faded."""
        if row_style.bgcolor is None:
            return Style.from_color(row_style.color, row_style.bgcolor)
        faded = Color.from_rich_color(row_style.bgcolor).blend(self.background_colors[1], factor=0.25)
        return Style.from_color(color=row_style.color, bgcolor=faded.rich_color)

    # -- cell texts -----------------------------------------------------------------------------
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
