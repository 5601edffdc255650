"""The full book of one pair: a depth ladder (up to 40 levels a side, cumulative size, own orders
marked) beside the market-trades tape. Keys copy a price or a quantity preset into the order form."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.widgets.data_table import RowKey
from textual.worker import Worker

from storage.orders import OrderRecord
from valr_tui.exchange.models import BookLevel, OrderBook, Trade
from valr_tui.trading.views import MarketView, TradingEngineAPI
from valr_tui.ui.format import amount, crypto
from valr_tui.ui.leaks import Footer

MAX_LEVELS = 40
QUANTITY_PRESETS = {"1": Decimal(25), "2": Decimal(50), "3": Decimal(100)}


@dataclass(frozen=True, slots=True)
class LadderRow:
    key: str  # "ask-3", "bid-0": stable, so cells change in place
    side: str  # "ASK" | "BID"
    level: BookLevel
    cumulative: Decimal  # size from the best price out to this level
    own: str  # our open orders resting at this price, or ""


def own_orders_at(orders: list[OrderRecord], pair: str) -> dict[Decimal, str]:
    """Open orders of ``pair`` by price: "BUY 0.00200000" (several at one price are joined)."""
    marks: dict[Decimal, list[str]] = {}
    for order in orders:
        if order.pair == pair and order.state.is_open:
            marks.setdefault(order.price, []).append(
                f"{order.side} {crypto(order.quantity - order.filled_quantity)}")
    return {price: ", ".join(parts) for price, parts in marks.items()}


def ladder(book: OrderBook, own: dict[Decimal, str], levels: int = MAX_LEVELS) -> list[LadderRow]:
    """Asks from the farthest down to the best, then bids from the best out: read top to bottom
    as on VALR's screen, the spread in the middle."""
    def side(name: str, book_levels: tuple[BookLevel, ...]) -> list[LadderRow]:
        rows, total = [], Decimal(0)
        for i, level in enumerate(book_levels[:levels]):
            total += level.quantity
            rows.append(LadderRow(f"{name.lower()}-{i}", name, level, total, own.get(level.price, "")))
        return rows

    return [*reversed(side("ASK", book.asks)), *side("BID", book.bids)]


class FixedTable(DataTable[str | Content]):
    """A DataTable whose columns all have their width: it is sized without measuring its cells.

    Textual measures every cell of every new row on its next idle to widen auto-width columns
    (``_update_dimensions``: ~400 measures for the ladder's 80 rows), though a column given a
    width never uses the measure; and its scrollable size is known only after that idle, so a
    scroll right after new rows is clamped to the old size (the ladder was drawn at its top
    first, then again at the spread). ``fit`` sizes it at once; ``when_sized`` runs a callback
    as soon as it has a size, before the frame that draws it at that size."""

    _on_sized: Callable[[], None] | None = None

    def _measured(self) -> bool:
        return (any(column.auto_width for column in self.columns.values()) or self._labelled_row_exists
                or any(row.auto_height or row.label is not None for row in self.rows.values()))

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        if self._measured():
            super()._update_dimensions(new_rows)
            return
        header_height = self.header_height if self.show_header else 0
        width = sum(column.get_render_width(self) for column in self.columns.values())
        self.virtual_size = Size(width + self._row_label_column_width, self._total_row_height + header_height)

    def when_sized(self, callback: Callable[[], None]) -> None:
        if self.scrollable_content_region.height:
            callback()
        else:
            self._on_sized = callback

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        if self._on_sized is not None and self.scrollable_content_region.height:
            callback, self._on_sized = self._on_sized, None
            callback()  # in the layout, before its frame
        return changed

    def _scroll_update(self, virtual_size: Size) -> None:
        super()._scroll_update(virtual_size)
        if self.show_vertical_scrollbar:  # a scroll made while it was hidden (Textual moves it
            self.vertical_scrollbar.position = self.scroll_y  # only while shown)

    def fit(self) -> None:
        """The scrollable size for the rows added so far (what the next idle would compute)."""
        if not self._measured():
            self._require_update_dimensions = False
            self._new_rows.clear()
            self._update_dimensions(())


class BookScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="book_back"),
        Binding("b", "copy_best('bid')", "Best bid → form", id="book_best_bid"),
        Binding("a", "copy_best('ask')", "Best ask → form", id="book_best_ask"),
        Binding("enter", "copy_selected", "Level → form", id="book_level", priority=True),
        *(Binding(key, f"quantity_preset({pct})", f"{pct}%", id=f"book_qty_{pct}")
          for key, pct in QUANTITY_PRESETS.items()),
    ]

    def __init__(
        self,
        engine: TradingEngineAPI,
        pair: str,
        on_price: Callable[[Decimal], None],
        on_quantity_pct: Callable[[Decimal, Decimal | None], None],
    ) -> None:
        super().__init__(id="book-screen")
        self.engine = engine
        self.pair = pair
        self._on_price = on_price
        self._on_quantity_pct = on_quantity_pct
        self._rows: list[LadderRow] = []
        self._view: MarketView | None = None
        self._own: dict[Decimal, str] = {}
        self._centred = False
        self._tape_head: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            f"[b]Book {self.pair}[/b]  b best bid · a best ask · enter the selected level's price ·"
            " 1/2/3 quantity 25/50/100% of what is available — each into the order form  (esc: back)",
            id="book-title",
        )
        with Horizontal(id="book-body"):
            yield FixedTable(id="ladder", cursor_type="row", classes="pane")
            yield FixedTable(id="tape", cursor_type="none", zebra_stripes=True, classes="pane")
        yield Footer()

    def on_mount(self) -> None:
        ladder_table = self.query_one("#ladder", DataTable)
        ladder_table.border_title = f"Depth {self.pair} (up to {MAX_LEVELS} levels a side)"
        # styled cells are not measured for width: every column gets its width
        for label, width in (("Side", 4), ("Price", 14), ("Size", 12), ("Cumulative", 12), ("Own", 16)):
            ladder_table.add_column(label, key=label, width=width)
        tape = self.query_one("#tape", DataTable)
        tape.border_title = f"Trades {self.pair}"
        for label, width in (("Time", 8), ("Price", 14), ("Qty", 12), ("Taker", 5)):
            tape.add_column(label, key=label, width=width)
        ladder_table.focus()
        # on the app, so its one on_worker_state_changed turns failures into notifications
        self._worker: Worker[None] = self.app.run_worker(
            self._load, group="book", exclusive=True, exit_on_error=False, description="load the book"
        )

    async def _load(self) -> None:
        self.show(self.engine.market(self.pair), await self.engine.orders())

    def show(self, view: MarketView, own_orders: list[OrderRecord] | None = None) -> None:
        if not self.is_mounted:
            return  # a market redraw while the screen mounts: its columns come in on_mount, then _load
        if own_orders is not None:
            self._own = own_orders_at(own_orders, self.pair)
        self._view = view
        self._show_ladder(view)
        self._show_tape(view.trades)

    def _show_ladder(self, view: MarketView) -> None:
        table = self.query_one("#ladder", FixedTable)
        rows = ladder(view.book, self._own) if view.book is not None else []
        if [r.key for r in rows] != [r.key for r in self._rows]:
            table.clear()
            for row in rows:
                table.add_row(*self._cells(row), key=row.key)
        else:
            for old, new in zip(self._rows, rows, strict=True):
                if old != new:
                    for column, value in zip(("Side", "Price", "Size", "Cumulative", "Own"),
                                             self._cells(new), strict=True):
                        table.update_cell(new.key, column, value)
        self._rows = rows
        if rows and not self._centred:  # start at the spread, best ask selected
            self._centred = True
            best_ask = max(sum(1 for r in rows if r.side == "ASK") - 1, 0)
            table.move_cursor(row=best_ask, scroll=False)
            table.when_sized(partial(self._centre, best_ask))  # centred before it is drawn
            # and again at its size after that frame, when its first layout was not its last
            # (narrow: the body below settles later); the same place costs nothing
            table.call_after_refresh(self._centre, best_ask)

    def _centre(self, row: int) -> None:
        table = self.query_one("#ladder", FixedTable)
        table.fit()
        # forced: right after new rows its scrollbar is shown only at the next layout, and a
        # table without a scrollbar refuses to scroll (the size it scrolls within is known: fit)
        table.scroll_to(y=max(row - table.scrollable_content_region.height // 2 + 1, 0), animate=False,
                        immediate=True, force=True)

    @staticmethod
    def _cells(row: LadderRow) -> tuple[str | Content, ...]:
        colour = "$error" if row.side == "ASK" else "$success"
        own = Content.from_markup(f"[reverse]◀ {row.own}[/]") if row.own else ""
        return (
            Content.from_markup(f"[{colour}]{row.side}[/]"),
            Content.from_markup(f"[{colour}]{amount(row.level.price):>14}[/]"),
            f"{crypto(row.level.quantity):>12}",
            f"{crypto(row.cumulative):>12}",
            own,
        )

    def _show_tape(self, trades: tuple[Trade, ...]) -> None:
        head = trades[0].trade_id if trades else None
        if head == self._tape_head and trades:
            return  # no new trade: the book changed, the tape did not
        self._tape_head = head
        table = self.query_one("#tape", DataTable)
        table.clear()
        for trade in trades:
            colour = "$success" if trade.taker_side == "BUY" else "$error"
            table.add_row(
                trade.traded_at[11:19], f"{amount(trade.price):>14}",
                f"{crypto(trade.quantity):>12}", Content.from_markup(f"[{colour}]{trade.taker_side}[/]"),
            )

    def selected_level(self) -> LadderRow | None:
        table = self.query_one("#ladder", DataTable)
        if not self._rows or table.cursor_row >= len(self._rows):
            return None
        return self._rows[table.cursor_row]

    def action_copy_best(self, which: str) -> None:
        book = self._view.book if self._view else None
        price = None if book is None else book.best_bid if which == "bid" else book.best_ask
        if price is None:
            self.notify(f"No {which} in the {self.pair} book.", severity="warning")
            return
        self._on_price(price)

    def action_copy_selected(self) -> None:
        row = self.selected_level()
        if row is None:
            self.notify("No level selected.", severity="warning")
            return
        self._on_price(row.level.price)

    def action_quantity_preset(self, pct: int) -> None:
        row = self.selected_level()
        self._on_quantity_pct(Decimal(pct), None if row is None else row.level.price)
