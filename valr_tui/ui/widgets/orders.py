"""The order-entry form (LIMIT only, live preview) and the orders table."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.markup import escape
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from storage.orders import OrderRecord, OrderState
from valr_tui.trading.views import OrderPreview, OrderRequest
from valr_tui.ui.format import clock_text, crypto, zar

SIDES = ("BUY", "SELL")


class OrderForm(Vertical):
    """Pair, side, price, quantity and note; the preview underneath lists every coded problem."""

    def __init__(self, pairs: tuple[str, ...]) -> None:
        super().__init__(id="order-form", classes="pane")
        self.border_title = "New LIMIT order"
        self.pairs = pairs

    def compose(self) -> ComposeResult:
        with Grid(id="form-grid"):
            yield Label("Pair")
            yield Select([(p, p) for p in self.pairs], value=self.pairs[0], allow_blank=False,
                         id="pair", compact=True)
            yield Label("Side")
            yield Select([(s, s) for s in SIDES], value="BUY", allow_blank=False, id="side", compact=True)
            yield Label("Price ZAR")
            yield Input(placeholder="e.g. 1200000", id="price", compact=True)
            yield Label("Quantity")
            yield Input(placeholder="e.g. 0.001", id="quantity", compact=True)
            yield Label("Note")
            yield Input(placeholder="optional", id="note", max_length=200, compact=True)
        yield Static(id="preview")
        yield Button("Submit (ctrl+s)", id="submit", variant="primary", compact=True)

    def request(self) -> OrderRequest:
        return OrderRequest(
            pair=str(self.query_one("#pair", Select).value),
            side=str(self.query_one("#side", Select).value),
            price=self.query_one("#price", Input).value,
            quantity=self.query_one("#quantity", Input).value,
            note=self.query_one("#note", Input).value,
        )

    def has_amounts(self) -> bool:
        return bool(self.query_one("#price", Input).value or self.query_one("#quantity", Input).value)

    def show_preview(self, preview: OrderPreview, *, empty: bool) -> None:
        widget = self.query_one("#preview", Static)
        if empty:
            widget.update("Type a price and quantity to see the order value and any problems.")
            widget.set_classes("")
            return
        value = zar(preview.value_zar) if preview.value_zar is not None else "—"
        lines = [f"Value [b]{value}[/b]"]
        if preview.ok:
            lines.append("[$success]✔ ready to submit[/]")
        lines.extend(f"[$error]✘ {p.code}[/] {escape(p.message)}" for p in preview.problems)
        widget.update("\n".join(lines))
        widget.set_class(not preview.ok, "-problems")

    def show_locked(self) -> None:
        preview = self.query_one("#preview", Static)
        preview.update(
            "[b]Order entry disabled: LOCKDOWN.[/b]\nctrl+u unlocks (operator, reason, typed phrase)."
        )
        preview.set_class(True, "-problems")

    def clear_amounts(self) -> None:
        for field in ("#price", "#quantity", "#note"):
            self.query_one(field, Input).value = ""


class OrdersTable(DataTable[str | Text]):
    """Open and recent orders, keyed by correlation id; cells change in place."""

    COLUMNS = (
        ("time", "Time (UTC)"), ("pair", "Pair"), ("side", "Side"), ("state", "State"), ("mode", "Mode"),
        ("price", "Price"), ("qty", "Qty"), ("filled", "Filled"),
        ("id", "Order id"), ("cid", "Correlation id"),
    )

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for key, label in self.COLUMNS:
            self.add_column(label, key=key)

    @staticmethod
    def _cells(order: OrderRecord) -> dict[str, str | Text]:
        # An order of unknown outcome is shown in red until a lookup resolves it.
        state: str | Text = (Text(order.state.value, style="bold red")
                             if order.state is OrderState.UNKNOWN else order.state.value)
        return {
            "time": clock_text(order.created_at),
            "pair": order.pair,
            "side": order.side,
            "state": state,
            "mode": "SIM" if order.is_simulated else "LIVE",
            "price": zar(order.price, symbol=False),
            "qty": crypto(order.quantity),
            "filled": crypto(order.filled_quantity),
            "id": order.valr_order_id or "—",
            "cid": order.correlation_id,
        }

    def show(self, orders: list[OrderRecord]) -> None:
        """Update cells in place when the same orders are shown; rebuild only when rows change."""
        keys = [o.correlation_id for o in orders]
        current = [str(row.value) for row in self.rows]
        if keys == current:
            with self.app.batch_update():
                for order in orders:
                    for column, value in self._cells(order).items():
                        if self.get_cell(order.correlation_id, column) != value:
                            self.update_cell(order.correlation_id, column, value)
            return
        selected = self.selected_correlation_id()
        self.clear()
        for order in orders:
            self.add_row(*self._cells(order).values(), key=order.correlation_id)
        if selected in keys:
            self.move_cursor(row=keys.index(selected))

    def selected_correlation_id(self) -> str | None:
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return None if row_key.value is None else str(row_key.value)

    def order_state(self, correlation_id: str) -> str:
        return str(self.get_cell(correlation_id, "state"))
