"""All orders of the current mode: open and done apart, the selected order's fills, cancel-all
for a pair (confirmed) and the selected order's audit story."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from storage.orders import FillRecord, OrderRecord
from valr_tui.trading.views import TradingEngineAPI
from valr_tui.ui.format import amount, clock_text, crypto, money
from valr_tui.ui.leaks import Footer
from valr_tui.ui.widgets.orders import OrdersTable


class OrdersScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="orders_back"),
        Binding("tab", "switch_table", "Open / done", id="orders_switch", show=False),
        Binding("s", "story", "Audit story", id="orders_story"),
        Binding("c", "cancel_selected", "Cancel", id="orders_cancel"),
        Binding("a", "amend_selected", "Amend", id="orders_amend"),
        Binding("A", "cancel_pair", "Cancel all (pair)", id="orders_cancel_pair"),
    ]

    def __init__(
        self,
        engine: TradingEngineAPI,
        load_fills: Callable[[list[OrderRecord]], Awaitable[dict[str, list[FillRecord]]]],
        cancel: Callable[[OrderRecord], None],
        cancel_pair: Callable[[str], None],
        story: Callable[[str], None],
        amend: Callable[[OrderRecord], None],
    ) -> None:
        super().__init__(id="orders-screen")
        self.engine = engine
        self._load_fills = load_fills
        self._cancel = cancel
        self._cancel_pair = cancel_pair
        self._story = story
        self._amend = amend
        self.fills: dict[str, list[FillRecord]] = {}

    def compose(self) -> ComposeResult:
        where = "LIVE on VALR" if self.engine.execution_mode == "LIVE" else "DRY_RUN paper"
        yield Static(f"[b]Orders[/b]  {where}   s story · c cancel · a amend · A cancel every open order"
                     " of the selected order's pair · tab open/done  (esc: back)", id="orders-title")
        open_table = OrdersTable(id="open-orders", classes="pane")
        open_table.border_title = "Open"
        yield open_table
        done = OrdersTable(id="done-orders", classes="pane")
        done.border_title = "Done (filled, cancelled, failed)"
        yield done
        fills: DataTable[str] = DataTable(id="fills", cursor_type="none", zebra_stripes=True, classes="pane")
        fills.border_title = "Fills of the selected order"
        yield fills
        yield Footer()

    def on_mount(self) -> None:
        fills = self.query_one("#fills", DataTable)
        fills.add_columns("Time (UTC)", "Price", "Qty", "Fee", "Role", "Trade id")
        self.query_one("#open-orders", OrdersTable).focus()
        self.reload()

    def reload(self) -> None:
        # on the app, so its one on_worker_state_changed turns failures into notifications
        self._worker: Worker[None] = self.app.run_worker(
            self._load, group="orders-screen", exclusive=True, exit_on_error=False, description="load orders"
        )

    async def _load(self) -> None:
        orders = await self.engine.orders()
        fills = self.fills = await self._load_fills(orders)
        self.query_one("#open-orders", OrdersTable).show([o for o in orders if o.state.is_open], fills)
        self.query_one("#done-orders", OrdersTable).show([o for o in orders if not o.state.is_open], fills)
        self._show_fills()

    def selected(self) -> OrderRecord | None:
        focused = self.focused if isinstance(self.focused, OrdersTable) else self.query_one("#open-orders",
                                                                                            OrdersTable)
        return focused.selected_order()

    def on_descendant_focus(self) -> None:
        self._show_fills()

    @on(OrdersTable.RowHighlighted)
    def _show_fills(self) -> None:
        table = self.query_one("#fills", DataTable)
        table.clear()
        order = self.selected()
        if order is None:
            return
        table.border_title = f"Fills of {order.correlation_id}"
        for f in self.fills.get(order.correlation_id, []):
            table.add_row(clock_text(f.traded_at), amount(f.price), crypto(f.quantity),
                          money(f.fee, f.fee_currency), "maker" if f.is_maker else "taker", f.trade_id)

    def action_switch_table(self) -> None:
        self.focus_next(OrdersTable)

    def action_story(self) -> None:
        order = self.selected()
        if order is not None:
            self._story(order.correlation_id)

    def action_cancel_selected(self) -> None:
        order = self.selected()
        if order is not None:
            self._cancel(order)

    def action_amend_selected(self) -> None:
        order = self.selected()
        if order is not None:
            self._amend(order)

    def action_cancel_pair(self) -> None:
        order = self.selected()
        if order is not None:
            self._cancel_pair(order.pair)
