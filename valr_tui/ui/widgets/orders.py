"""The order-entry form (LIMIT only, live preview) and the orders table."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.markup import escape
from textual.widgets import Button, DataTable, Input, Label, Select

from storage.orders import FillRecord, OrderRecord, OrderState
from valr_tui.errors import UnknownPairError
from valr_tui.exchange.models import Balance, Pair
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.money.pairs import split_pair_symbol
from valr_tui.trading.paper import reservation
from valr_tui.trading.price_band import TakerFill
from valr_tui.trading.views import OrderPreview, OrderRequest
from valr_tui.ui.format import amount, clock_text, crypto, money, zar
from valr_tui.ui.widgets.text import LiveText

SIDES = ("BUY", "SELL")
# The order options as one choice: (label, time in force, post-only). VALR refuses nothing here,
# but post-only with IOC or FOK is not offered (the order rules refuse it: VALR-ORD-030).
OPTIONS: tuple[tuple[str, str, bool], ...] = (
    ("GTC", "GTC", False),
    ("GTC post-only", "GTC", True),
    ("IOC", "IOC", False),
    ("FOK", "FOK", False),
)


def _steady(field: Input) -> Input:
    """A cursor that does not blink: a blinking one repaints the form twice a second, which was
    a quarter of the idle dashboard's frames."""
    field.cursor_blink = False
    return field


def price_label(pair: str) -> str:
    """'Price ZAR' for BTCZAR, 'Price USDC' for BTCUSDC; plain 'Price' for a quote it cannot tell."""
    try:
        return f"Price {split_pair_symbol(pair)[1]}"
    except UnknownPairError:
        return "Price"


class OrderForm(Vertical):
    """Pair, side, price, quantity and note; the preview underneath lists every coded problem."""

    def __init__(self, pairs: tuple[str, ...]) -> None:
        super().__init__(id="order-form", classes="pane")
        self.border_title = "New LIMIT order"
        self.pairs = pairs
        self._preview = LiveText(id="preview")

    def compose(self) -> ComposeResult:
        with Grid(id="form-grid"):
            yield Label(" Pair", id="label-pair")
            yield Select([(p, p) for p in self.pairs], value=self.pairs[0], allow_blank=False,
                         id="pair", compact=True)
            yield Label(" Side", id="label-side")
            yield Select([(s, s) for s in SIDES], value="BUY", allow_blank=False, id="side", compact=True)
            yield Label(f" {price_label(self.pairs[0])}", id="label-price")
            yield _steady(Input(placeholder="e.g. 1200000", id="price", compact=True))
            yield Label(" Quantity", id="label-quantity")
            yield _steady(Input(placeholder="e.g. 0.001", id="quantity", compact=True))
            yield Label(" Note", id="label-note")
            yield _steady(Input(placeholder="optional", id="note", max_length=200, compact=True))
            yield Label(" Options", id="label-options")
            yield Select([(label, index) for index, (label, _tif, _post) in enumerate(OPTIONS)], value=0,
                         allow_blank=False, id="options", compact=True)
        yield self._preview
        yield Button("Submit (ctrl+s)", id="submit", variant="primary", compact=True)

    @on(Select.Changed, "#pair")
    def _pair_changed(self, event: Select.Changed) -> None:
        """The price is typed in the pair's quote currency (USDC for BTCUSDC), so its label says which."""
        if event.value != Select.NULL:
            label = self.query_one("#label-price", Label)
            marker = "▸" if label.has_class("-focused") else " "
            label.update(f"{marker}{price_label(str(event.value))}")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._mark_label(event.widget.id, focused=True)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self._mark_label(event.widget.id, focused=False)

    def _mark_label(self, field_id: str | None, *, focused: bool) -> None:
        """The focused field's label turns reverse with a marker: visible without colour."""
        for label in self.query(f"#label-{field_id}").results(Label):
            text = str(label.render()).lstrip("▸ ").strip()
            label.update(f"▸{text}" if focused else f" {text}")
            label.set_class(focused, "-focused")

    def request(self) -> OrderRequest:
        choice = self.query_one("#options", Select).value
        _label, time_in_force, post_only = OPTIONS[choice if isinstance(choice, int) else 0]
        return OrderRequest(
            pair=str(self.query_one("#pair", Select).value),
            side=str(self.query_one("#side", Select).value),
            price=self.query_one("#price", Input).value,
            quantity=self.query_one("#quantity", Input).value,
            note=self.query_one("#note", Input).value,
            post_only=post_only,
            time_in_force=time_in_force,
        )

    def has_amounts(self) -> bool:
        return bool(self.query_one("#price", Input).value or self.query_one("#quantity", Input).value)

    def show_empty(self) -> None:
        self._preview.show_text("Type a price and quantity to see the order value and any problems.")
        self._preview.set_classes("")

    def show_preview(
        self, preview: OrderPreview, *, taker: TakerFill | None = None, options: str | None = None
    ) -> None:
        widget = self._preview
        value = zar(preview.value_zar) if preview.value_zar is not None else "—"
        lines = [f"Value [b]{value}[/b]"]
        if options is not None:
            lines.append(f"[b]{escape(options)}[/b]")
        if taker is not None:
            plural = "s" if taker.levels != 1 else ""
            lines.append(
                f"[reverse $warning] TAKER [/] crosses the spread: fills {crypto(taker.quantity)} now at"
                f" avg {zar(taker.average_price)} over {taker.levels} level{plural} (taker fee)"
                + (f"; {crypto(taker.rests)} rests" if taker.rests > 0 else ""))
        if preview.ok:
            lines.append("[$success]✔ ready to submit[/]")
        lines.extend(f"[$error]✘ {p.code}[/] {escape(p.message)}" for p in preview.problems)
        widget.show_text("\n".join(lines))
        widget.set_class(not preview.ok, "-problems")

    def show_locked(self) -> None:
        preview = self._preview
        preview.show_text(
            "[b]Order entry disabled: LOCKDOWN.[/b]\nctrl+u unlocks (operator, reason, typed phrase)."
        )
        preview.set_class(True, "-problems")

    def clear_amounts(self) -> None:
        for field in ("#price", "#quantity", "#note"):
            self.query_one(field, Input).value = ""


def average_fill_price(fills: list[FillRecord]) -> Decimal | None:
    """Quantity-weighted mean price of an order's fills; None before the first fill."""
    quantity = sum((f.quantity for f in fills), Decimal(0))
    if quantity == 0:
        return None
    value = sum((DecimalGateway.multiply(f.price, f.quantity) for f in fills), Decimal(0))
    return DecimalGateway.divide(value, quantity)


def fee_text(fills: list[FillRecord], fallback: Decimal) -> str:
    """Fees per currency ("0.00000100 BTC", "R 1.25"); the order row's total when no fill says."""
    by_currency: dict[str, Decimal] = {}
    for fill in fills:
        by_currency[fill.fee_currency] = by_currency.get(fill.fee_currency, Decimal(0)) + fill.fee
    if not by_currency:
        return "—" if fallback == 0 else crypto(fallback)
    return " + ".join(money(amount, currency) for currency, amount in by_currency.items())


# The longest state name: the State column never cuts one ("CANCEL", "FILLE").
STATE_WIDTH = max(len(state.value) for state in OrderState)


class OrdersTable(DataTable[str | Text]):
    """Orders of the current mode, keyed by correlation id; cells change in place. The full
    correlation id, VALR's order id, fees and the note of the selected row are in ``OrderDetail``."""

    COLUMNS = (
        ("time", "Time (UTC)"), ("pair", "Pair"), ("side", "Side"), ("state", "State"),
        ("price", "Price"), ("qty", "Qty"), ("filled", "Filled"), ("avg", "Avg fill"), ("fee", "Fees"),
        ("options", "TIF"),
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.records: dict[str, OrderRecord] = {}
        self.fills: dict[str, list[FillRecord]] = {}

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for key, label in self.COLUMNS:
            # plain Text: a str label goes through Rich's markup and emoji codes, whose table
            # (~3,700 names, 2-6 ms to import) the first frame otherwise loads for these headers
            self.add_column(Text(label), key=key, width=STATE_WIDTH if key == "state" else None)

    def _cells(self, order: OrderRecord) -> dict[str, str | Text]:
        fills = self.fills.get(order.correlation_id, [])
        avg = average_fill_price(fills)
        # An order of unknown outcome is shown in red until a lookup resolves it.
        state: str | Text = (Text(order.state.value, style="bold red")
                             if order.state is OrderState.UNKNOWN else order.state.value)
        return {
            "time": clock_text(order.created_at),
            "pair": order.pair,
            "side": order.side,
            "state": state,
            "price": amount(order.price),
            "qty": crypto(order.quantity),
            "filled": crypto(order.filled_quantity),
            "avg": "—" if avg is None else zar(avg, symbol=False),
            "fee": fee_text(fills, order.fee_total),
            "options": f"{order.time_in_force} PO" if order.post_only else order.time_in_force,
        }

    def show(self, orders: list[OrderRecord], fills: dict[str, list[FillRecord]] | None = None) -> None:
        """Update cells in place when the same orders are shown; rebuild only when rows change."""
        self.records = {o.correlation_id: o for o in orders}
        self.fills = fills or {}
        keys = [o.correlation_id for o in orders]
        current = [str(row.value) for row in self.rows]
        if keys == current:
            with self.app.batch_update():
                for order in orders:
                    for column, value in self._cells(order).items():
                        if self.get_cell(order.correlation_id, column) != value:
                            # update_width: a longer value ("CANCELLED" after "OPEN") widens the column
                            self.update_cell(order.correlation_id, column, value, update_width=True)
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

    def selected_order(self) -> OrderRecord | None:
        cid = self.selected_correlation_id()
        return None if cid is None else self.records.get(cid)


class OrderDetail(LiveText):
    """The selected order in full: correlation id, VALR's order id, fees, note."""

    def show(self, order: OrderRecord | None, fills: list[FillRecord]) -> None:
        if order is None:
            self.show_text("No orders yet.")
            return
        where = "paper" if order.is_simulated else "LIVE"
        parts = [f"[b]{order.correlation_id}[/b]", f"{where} id {order.valr_order_id or '—'}",
                 order.options, f"{len(fills)} fill{'s' if len(fills) != 1 else ''}"]
        if order.note:
            parts.append(f"note {escape(order.note)}")
        self.show_text("  ·  ".join(parts))


def preset_quantity(
    side: str, pct: Decimal, price: Decimal, pair: Pair, balances: list[Balance], taker_fee_pct: Decimal
) -> Decimal:
    """``pct`` % of what is available for ``side``: the quote currency (fee buffer included, as
    the order manager reserves it) for a BUY, the base currency for a SELL. Rounded down to the
    pair's decimals, so 100% never asks for more than there is."""
    available = {b.currency: b.available for b in balances}
    step = Decimal(1).scaleb(-pair.base_decimal_places)
    share = DecimalGateway.divide(pct, Decimal(100))
    if side == "SELL":
        return DecimalGateway.quantize(
            DecimalGateway.multiply(available.get(pair.base_currency, Decimal(0)), share), step, ROUND_DOWN)
    budget = DecimalGateway.multiply(available.get(pair.quote_currency, Decimal(0)), share)
    if price <= 0:
        return Decimal(0)
    fee_factor = 1 + DecimalGateway.divide(taker_fee_pct, Decimal(100))
    quantity = DecimalGateway.quantize(
        DecimalGateway.divide(budget, DecimalGateway.multiply(price, fee_factor)), step, ROUND_DOWN)
    # the reservation rounds its fee up: step down until it fits the budget
    while quantity > 0 and reservation(
        "BUY", price, quantity, pair.base_currency, pair.quote_currency, taker_fee_pct
    )[1] > budget:
        quantity -= step
    return max(quantity, Decimal(0))
