"""The price chart: candles with a price axis (right) and a time axis (bottom), own orders and fills
marked at their prices.

Drawn by hand with box and half-block characters: each candle is one column (plus a one-column
gap that carries fill marks), each text row holds two price steps (▀ ▄ █ for bodies, ╵ ╷ │ for
wicks). Price-to-row arithmetic is Decimal, so what a row shows is exactly where the price lies;
floats never see a price. The lines are built once per change of data or size and kept; drawing a
frame only hands the kept lines out, so an idle chart costs nothing, and a change repaints only the
lines whose content changed (a new trade: the header and the rows of the last candle). A trade that
changes only the last candle and stays within the view's price range (the common case) rebuilds
that candle's column and the rows it covers alone, without looking at the other candles again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from itertools import groupby
from operator import itemgetter
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from valr_tui.exchange.buckets import Candle
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.candles import CandleSeries, ChartPeriod

AXIS_GAP = 1  # columns between the plot and the price labels
PRICE_LABEL_EVERY = 3  # text rows between price labels
TIME_LABEL_MIN_SPACING = 8  # columns from one time label to the next
# Candles from one time label to the next, per period: round times (every 5 min, 30 min, 1 h, 6 h,
# week) at two columns a candle.
TIME_LABEL_EVERY = {60: 5, 300: 6, 900: 4, 3600: 6, 86400: 7}
MAX_PLACES = 8
BLANK = Style()  # the cells no candle, order or fill is drawn in
_STYLE_OF = itemgetter(1)  # a plot cell's style name


@dataclass(frozen=True, slots=True)
class OrderMark:
    """An open order of ours: a line across the plot at its price."""

    side: str  # "BUY" | "SELL"
    price: Decimal


@dataclass(frozen=True, slots=True)
class FillMark:
    """One of our fills: ▲ (buy) or ▼ (sell) next to the candle it happened in."""

    side: str
    price: Decimal
    at_s: int  # epoch seconds


def price_text(price: Decimal, places: int) -> str:
    """Grouped thousands, ``places`` decimals: ``1,250,000`` or ``42.15`` or ``3.2145``."""
    quantum = Decimal(1).scaleb(-places)
    q = DecimalGateway.quantize(price, quantum)
    return f"{q:,.{places}f}"


def tick_places(tick: Decimal | None, sample: Decimal | None = None) -> int:
    """Decimals to show a pair's prices with: its tick size's (from VALR's pair metadata), else
    what ``sample`` needs (2 for prices of 1 and more, 6 below), at most 8."""
    if tick is not None and tick > 0:
        exponent = tick.normalize().as_tuple().exponent
        if isinstance(exponent, int):
            return max(0, min(MAX_PLACES, -exponent))
    return 2 if sample is None or sample >= 1 else 6


def time_text(start: int, period_s: int) -> str:
    pattern = "%m-%d" if period_s >= 86400 else "%H:%M"
    return time.strftime(pattern, time.gmtime(start))


class _Scale:
    """Maps a price to one of ``steps`` half-rows (0 at the top) with Decimal arithmetic."""

    def __init__(self, low: Decimal, high: Decimal, steps: int) -> None:
        if high <= low:
            pad = abs(high) * Decimal("0.001") or Decimal(1)
            low, high = low - pad, high + pad
        self.low, self.high, self.steps = low, high, steps

    def step_of(self, price: Decimal) -> int:
        span = self.high - self.low
        raw = DecimalGateway.divide(DecimalGateway.multiply(self.high - price, Decimal(self.steps - 1)), span)
        return min(self.steps - 1, max(0, int(raw.to_integral_value(rounding=ROUND_FLOOR))))

    def price_at(self, step: int) -> Decimal:
        span = self.high - self.low
        part = DecimalGateway.multiply(span, Decimal(step))
        return self.high - DecimalGateway.divide(part, Decimal(self.steps - 1))


@dataclass(slots=True)
class _Plot:
    """What the last full build drew, kept so that a change of the last candle alone redraws only
    its column (``PriceChart._build_last``)."""

    key: tuple[object, ...]  # everything but the candles the build depended on
    candles: tuple[Candle, ...]  # the series' candles
    shown: int  # how many of the newest are in view
    low: Decimal  # the lowest low and highest high in view (before open orders widen the view)
    high: Decimal
    places: int
    scale: _Scale
    grid: list[list[tuple[str, str]]]  # (glyph, style) per plot cell, updated in place
    base: list[tuple[str, str]]  # each plot row's cell where no candle is (blank, or an order's line)
    labels: dict[int, tuple[str, str]]
    label_width: int
    width: int
    lines: list[Strip]


class PriceChart(Widget):
    """Candles of one pair and period. Feed it with ``show``; it redraws only on change."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "chart--up", "chart--down", "chart--axis", "chart--buy", "chart--sell", "chart--note",
    }
    DEFAULT_CSS = """
    PriceChart { height: 14; }
    PriceChart > .chart--up { color: $success; }
    PriceChart > .chart--down { color: $error; }
    PriceChart > .chart--axis { color: $text-muted; }
    PriceChart > .chart--buy { color: $success; text-style: bold; }
    PriceChart > .chart--sell { color: $error; text-style: bold; }
    PriceChart > .chart--note { color: $text-muted; text-style: italic; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._series: CandleSeries | None = None
        self._period: ChartPeriod | None = None
        self._tick: Decimal | None = None
        self._orders: tuple[OrderMark, ...] = ()
        self._fills: tuple[FillMark, ...] = ()
        self._loading = False
        self._problem: str | None = None
        self._shown: tuple[object, ...] = ()
        self._lines: list[Strip] = []
        self._styles: dict[str, Style] = {}
        # kept between builds: each candle's cells at the current scale, and each plot row's strip
        self._glyph_scale: tuple[Decimal, Decimal, int] | None = None
        self._glyphs: dict[tuple[int, Candle], list[tuple[int, str, str]]] = {}
        self._row_strips: dict[tuple[object, ...], Strip] = {}
        self._plot: _Plot | None = None  # the last full build, for a change of the last candle alone
        self._axis: tuple[tuple[object, ...], Strip] | None = None  # the time axis and what it shows

    # -- feeding --------------------------------------------------------------------------------
    def show(
        self,
        series: CandleSeries,
        period: ChartPeriod,
        *,
        tick: Decimal | None = None,
        loading: bool = False,
        problem: str | None = None,
    ) -> None:
        """``problem``: why the last load failed (shown under the chart; the candles held stay)."""
        self._series, self._period, self._tick, self._loading = series, period, tick, loading
        self._problem = problem
        title = f"{series.pair} · {period.label} candles"
        subtitle = f"{problem[:70]} (retrying)" if problem else ""
        if (title, subtitle) != (self.border_title, self.border_subtitle):  # setting repaints it all
            self.border_title, self.border_subtitle = title, subtitle
        self._changed()

    def show_marks(self, orders: Sequence[OrderMark], fills: Sequence[FillMark]) -> None:
        self._orders, self._fills = tuple(orders), tuple(fills)
        self._changed()

    def _changed(self) -> None:
        series = self._series
        key = (
            None if series is None else (series.pair, series.period_s, series.version, series.loaded_at),
            self._loading, self._problem, self._tick, self._orders, self._fills, self.size,
        )
        if key != self._shown:  # a redraw of the app with nothing new for the chart costs nothing
            resized = key[-1] != self._shown[-1] if self._shown else True
            self._shown = key
            before, self._lines = self._lines, self._build(self.size)
            if resized or len(before) != len(self._lines):
                self.refresh()
                return
            # a new trade moves the last candle and the header: repaint the lines that changed
            # only (Textual then re-renders and composites those lines alone)
            width = self.size.width
            for y, (old, new) in enumerate(zip(before, self._lines, strict=True)):
                if old is not new and old != new:
                    self.refresh(Region(0, y, width, 1))

    def on_resize(self) -> None:
        self._changed()

    def render_line(self, y: int) -> Strip:
        if 0 <= y < len(self._lines):
            return self._lines[y]
        return Strip.blank(self.size.width)

    # -- drawing --------------------------------------------------------------------------------
    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(name, partial=True)
        return style

    def notify_style_update(self) -> None:
        """A theme change: forget the resolved styles and draw again with the new ones."""
        super().notify_style_update()
        self._styles = {}
        self._row_strips = {}  # their segments hold the old styles
        self._plot = self._axis = None
        self._shown = ()
        self._changed()

    def _build(self, size: Size) -> list[Strip]:
        width, height = size.width, size.height
        series = self._series
        plot, self._plot = self._plot, None
        if width < 20 or height < 4:
            return []
        if series is None or not series.candles:
            if self._problem:
                note = "candles unavailable (see below); retrying"
            elif self._loading or series is None:
                note = "loading candles…"
            else:
                note = "no candles for this period yet"
            return [Strip([Segment(note.ljust(width)[:width], self._style("chart--note"))])]
        key = (series.pair, series.period_s, self._tick, self._orders, self._fills, width, height)
        if plot is not None and plot.key == key:
            lines = self._build_last(plot, series.candles)
            if lines is not None:
                self._plot = plot
                return lines
        places = tick_places(self._tick, series.candles[-1].close)
        # room for an open order's label ("B 1,200,000 ↓") beside the plain price labels; prices
        # are positive, so the highest high has the longest text
        label_width = len(price_text(max(c.high for c in series.candles[-width:]), places)) + 4
        plot_width = width - label_width - AXIS_GAP
        plot_rows = height - 2  # one line of OHLC text on top, one of times below
        candles = series.candles[-max(1, plot_width // 2):]
        low = min(c.low for c in candles)
        high = max(c.high for c in candles)
        plot_low, plot_high = low, high
        # An open order near the candles (within half their range) widens the view to show it
        # among them; one further away is named at the edge instead (↑ / ↓).
        reach = DecimalGateway.divide(high - low, Decimal(2))
        near = [o.price for o in self._orders if low - reach <= o.price <= high + reach]
        low, high = min([low, *near]), max([high, *near])
        scale = _Scale(low, high, plot_rows * 2)
        glyphs_before, self._glyphs = self._glyphs, {}
        if (scale.low, scale.high, scale.steps) != self._glyph_scale:  # every candle moves
            self._glyph_scale, glyphs_before = (scale.low, scale.high, scale.steps), {}
        grid = [[(" ", "")] * plot_width for _ in range(plot_rows)]
        self._draw_orders(grid, scale)
        base = [row[0] if row else (" ", "") for row in grid]  # an order's line spans its whole row
        for index, candle in enumerate(candles):
            self._draw_candle(grid, scale, index * 2, candle, glyphs_before)
        self._draw_fills(grid, scale, candles)
        lines = [self._header(candles[-1], candles, places, width)]
        labels = self._price_labels(scale, plot_rows, places)
        rows_before, self._row_strips = self._row_strips, {}
        for row in range(plot_rows):
            label = labels.get(row, ("", "chart--axis"))
            row_key = (tuple(grid[row]), label, label_width)
            strip = rows_before.get(row_key)  # a row the change did not touch is not built again
            if strip is None:
                strip = self._row_strip(grid[row], label, label_width)
            self._row_strips[row_key] = strip
            lines.append(strip)
        lines.append(self._time_axis(candles, width))
        self._plot = _Plot(key, series.candles, len(candles), plot_low, plot_high, places, scale, grid, base,
                           labels, label_width, width, lines)
        return lines

    def _build_last(self, plot: _Plot, candles: tuple[Candle, ...]) -> list[Strip] | None:
        """The lines after a change of the last candle alone (a trade in the current period), when
        the view stays as it is: the same candles before it (the same objects: compared by
        identity, not hashed), its high and low within the view's range, the same decimals. Only
        its column, the rows it covers (before and after) and the header are drawn again; None
        when the whole chart must be built."""
        before = plot.candles
        last, old = candles[-1], before[-1]
        if (
            len(candles) != len(before) or last.start != old.start
            or not plot.low <= last.low <= last.high <= plot.high
            or tick_places(self._tick, last.close) != plot.places
            or candles[:-1] != before[:-1]  # a tuple compares its items by identity first
        ):
            return None
        column = (plot.shown - 1) * 2
        if column >= len(plot.grid[0]):
            return None
        grid, rows = plot.grid, set()
        drawn = self._glyphs.pop((column, old), None) or self._candle_cells(plot.scale, old)
        for row, _glyph, _style in drawn:
            grid[row][column] = plot.base[row]
            rows.add(row)
        cells = self._glyphs[(column, last)] = self._candle_cells(plot.scale, last)
        for row, glyph, style in cells:
            grid[row][column] = (glyph, style)
            rows.add(row)
        lines = list(plot.lines)
        shown = candles[-plot.shown:]
        lines[0] = self._header(last, shown, plot.places, plot.width)
        for row in rows:
            label = plot.labels.get(row, ("", "chart--axis"))
            lines[1 + row] = self._row_strip(grid[row], label, plot.label_width)
        plot.candles, plot.lines = candles, lines
        return lines

    def _row_strip(self, cells: list[tuple[str, str]], label: tuple[str, str], label_width: int) -> Strip:
        """A plot row, the gap and its price label: already simple (the runs are merged, and the
        gap's unstyled segment sits between them and the styled label)."""
        segments = self._runs(cells)
        segments.append(Segment(" " * AXIS_GAP))
        segments.append(Segment(label[0].ljust(label_width)[:label_width], self._style(label[1])))
        return Strip(segments)

    def _runs(self, cells: list[tuple[str, str]]) -> list[Segment]:
        """One segment per run of cells in the same style (a row is mostly blank); two runs whose
        styles are equal are one segment, as ``Segment.simplify`` would make them."""
        segments: list[Segment] = []
        last: Style | None = None
        for name, run in groupby(cells, _STYLE_OF):
            text = "".join([glyph for glyph, _style in run])
            style = self._style(name) if name else BLANK
            if segments and style == last:
                segments[-1] = Segment(segments[-1].text + text, style)
            else:
                segments.append(Segment(text, style))
            last = style
        return segments

    def _header(self, last: Candle, candles: Sequence[Candle], places: int, width: int) -> Strip:
        first_open = candles[0].open
        change = (
            DecimalGateway.divide(DecimalGateway.multiply(last.close - first_open, Decimal(100)), first_open)
            if first_open > 0 else Decimal(0)
        )
        shown = DecimalGateway.quantize(change, Decimal("0.01"))
        up = last.close >= last.open
        text = (
            f"O {price_text(last.open, places)}  H {price_text(last.high, places)}"
            f"  L {price_text(last.low, places)}  C {price_text(last.close, places)}"
        )
        trend = f"  {'▲' if shown >= 0 else '▼'} {shown:+}% in view"
        rest = max(0, width - len(text))
        return Strip([
            Segment(text, self._style("chart--up" if up else "chart--down")),
            Segment(trend.ljust(rest)[:rest], self._style("chart--axis")),
        ]).crop(0, width)

    def _draw_candle(
        self, grid: list[list[tuple[str, str]]], scale: _Scale, column: int, c: Candle,
        before: dict[tuple[int, Candle], list[tuple[int, str, str]]],
    ) -> None:
        if column >= len(grid[0]):
            return
        cells = before.get((column, c))  # drawn once per scale: a new trade redraws the last candle
        if cells is None:
            cells = self._candle_cells(scale, c)
        self._glyphs[(column, c)] = cells
        for row, glyph, style in cells:
            grid[row][column] = (glyph, style)

    @staticmethod
    def _candle_cells(scale: _Scale, c: Candle) -> list[tuple[int, str, str]]:
        cells: list[tuple[int, str, str]] = []
        style = "chart--up" if c.close >= c.open else "chart--down"
        wick_top, wick_bottom = scale.step_of(c.high), scale.step_of(c.low)
        body_top, body_bottom = scale.step_of(max(c.open, c.close)), scale.step_of(min(c.open, c.close))
        for row in range(wick_top // 2, wick_bottom // 2 + 1):
            upper, lower = row * 2, row * 2 + 1
            body_up = body_top <= upper <= body_bottom
            body_low = body_top <= lower <= body_bottom
            wick_up = wick_top <= upper <= wick_bottom
            wick_low = wick_top <= lower <= wick_bottom
            if body_up and body_low:
                glyph = "█"
            elif body_up:
                glyph = "▀"
            elif body_low:
                glyph = "▄"
            elif wick_up and wick_low:
                glyph = "│"
            elif wick_up:
                glyph = "╵"
            else:
                glyph = "╷"
            cells.append((row, glyph, style))
        return cells

    def _draw_orders(self, grid: list[list[tuple[str, str]]], scale: _Scale) -> None:
        for order in self._orders:
            if not scale.low <= order.price <= scale.high:
                continue
            row = scale.step_of(order.price) // 2
            style = "chart--buy" if order.side == "BUY" else "chart--sell"
            grid[row] = [("╌", style)] * len(grid[row])

    def _draw_fills(
        self, grid: list[list[tuple[str, str]]], scale: _Scale, candles: Sequence[Candle]
    ) -> None:
        if not candles:
            return
        period = candles[0].period_s
        column_of = {c.start: i * 2 + 1 for i, c in enumerate(candles)}
        for fill in self._fills:
            column = column_of.get(fill.at_s // period * period)
            if column is None or column >= len(grid[0]) or not scale.low <= fill.price <= scale.high:
                continue
            mark = ("▲", "chart--buy") if fill.side == "BUY" else ("▼", "chart--sell")
            grid[scale.step_of(fill.price) // 2][column] = mark

    def _price_labels(self, scale: _Scale, rows: int, places: int) -> dict[int, tuple[str, str]]:
        labels: dict[int, tuple[str, str]] = {
            row: (price_text(scale.price_at(row * 2), places), "chart--axis")
            for row in range(0, rows, PRICE_LABEL_EVERY)
        }
        for order in self._orders:  # an open order's own label wins its row
            side = "B" if order.side == "BUY" else "S"
            text = f"{side} {price_text(order.price, places)}"
            style = "chart--buy" if order.side == "BUY" else "chart--sell"
            if order.price > scale.high:
                labels[0] = (f"{text} ↑", style)
            elif order.price < scale.low:
                labels[rows - 1] = (f"{text} ↓", style)
            else:
                labels[scale.step_of(order.price) // 2] = (text, style)
        return labels

    def _time_axis(self, candles: Sequence[Candle], width: int) -> Strip:
        """The time labels under the candles; kept while the candles' times and the width stay
        (a new trade moves none of them)."""
        key = (width, *(c.start for c in candles))
        if self._axis is not None and self._axis[0] == key:
            return self._axis[1]
        line = [" "] * width
        period = candles[0].period_s
        every = TIME_LABEL_EVERY.get(period, TIME_LABEL_MIN_SPACING // 2)
        last_end = -TIME_LABEL_MIN_SPACING
        for index, candle in enumerate(candles):
            if (candle.start // period) % every:
                continue
            text = time_text(candle.start, period)
            column = index * 2
            if column < last_end + 2 or column + len(text) > width:
                continue
            line[column : column + len(text)] = text
            last_end = column + len(text)
        strip = Strip([Segment("".join(line), self._style("chart--axis"))])
        self._axis = (key, strip)
        return strip
