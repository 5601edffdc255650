"""Modals: yes/no confirmation, the operator unlock of LOCKDOWN, amending an order, the key help."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from storage.orders import OrderRecord
from valr_tui.errors import ValrTuiError
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.safety import UNLOCK_PHRASE


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; dismisses with True only on an explicit yes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, question: str, *, danger: bool = False) -> None:
        super().__init__(classes="-danger" if danger else "")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(escape(self.question), id="question")
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", id="yes", variant="error", compact=True)
                yield Button("No (n)", id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe answer is the default

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


@dataclass(frozen=True, slots=True)
class UnlockRequest:
    operator: str
    reason: str
    typed_confirmation: str


class UnlockScreen(ModalScreen[UnlockRequest | None]):
    """Operator name, reason and the typed phrase. Empty fields are refused here; every attempt
    with a name and a reason goes to ``attempt`` (the engine), so a wrong phrase is audited too.
    Stays open on a refusal; dismisses with the request once the unlock succeeded."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="unlock_cancel")]

    def __init__(self, attempt: Callable[[UnlockRequest], Awaitable[None]]) -> None:
        super().__init__()
        self._attempt = attempt

    def compose(self) -> ComposeResult:
        with Vertical(id="unlock-dialog", classes="dialog"):
            yield Static(
                "[b]Unlock LOCKDOWN[/b]\nTrading resumes only after this. The unlock is audited"
                " with your name and reason.", id="unlock-title",
            )
            yield Label("Operator name")
            yield Input(id="operator", max_length=80)
            yield Label("Reason")
            yield Input(id="reason", max_length=200)
            yield Label(f"Type {UNLOCK_PHRASE} to confirm")
            yield Input(id="phrase", max_length=20)
            yield Static(id="unlock-error")
            with Horizontal(classes="buttons"):
                yield Button("Unlock", id="unlock", variant="error", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#operator", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self._try_unlock()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "unlock":
            self._try_unlock()
        else:
            self.dismiss(None)

    def _try_unlock(self) -> None:
        operator = self.query_one("#operator", Input).value.strip()
        reason = self.query_one("#reason", Input).value.strip()
        phrase = self.query_one("#phrase", Input).value
        # The engine refuses an incomplete attempt itself, so that every attempt is audited.
        self.run_worker(self._send(UnlockRequest(operator, reason, phrase)), exclusive=True)

    async def _send(self, request: UnlockRequest) -> None:
        try:
            await self._attempt(request)
        except ValrTuiError as exc:  # the engine's own words: what is missing, or why not
            self.query_one("#unlock-error", Static).update(f"[$error]{exc.code}[/] {escape(exc.message)}")
            return
        self.dismiss(request)


class AmendScreen(ModalScreen[OrderRecord | None]):
    """Amend an open order's price and total quantity, prefilled with its own. ``problems`` is the
    engine's live check (the same rules as a new order); ``attempt`` sends it. Stays open with the
    coded reason on a refusal (the order is then as it was); dismisses with the amended order."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="amend_cancel")]

    def __init__(
        self,
        order: OrderRecord,
        problems: Callable[[str, str], list[ValrTuiError]],
        attempt: Callable[[str, str], Awaitable[OrderRecord]],
    ) -> None:
        super().__init__()
        self.order = order
        self._problems = problems
        self._attempt = attempt

    def compose(self) -> ComposeResult:
        order = self.order
        filled = (f", {DecimalGateway.to_wire(order.filled_quantity)} filled"
                  if order.filled_quantity > 0 else "")
        with Vertical(id="amend-dialog", classes="dialog"):
            yield Static(
                f"[b]Amend {escape(order.correlation_id)}[/b]\n{order.side} {order.pair}"
                f" {escape(order.options)}{filled}. The order stays a maker: a price that would"
                " match at once is refused.", id="amend-title",
            )
            yield Label("Price")
            yield Input(DecimalGateway.to_wire(order.price), id="amend-price", max_length=40)
            yield Label("Total quantity")
            yield Input(DecimalGateway.to_wire(order.quantity), id="amend-quantity", max_length=40)
            yield Static(id="amend-problems")
            with Horizontal(classes="buttons"):
                yield Button("Amend (enter)", id="amend", variant="warning", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#amend-price", Input).focus()
        self._check()

    def _typed(self) -> tuple[str, str]:
        return self.query_one("#amend-price", Input).value, self.query_one("#amend-quantity", Input).value

    @on(Input.Changed)
    def _check(self) -> None:
        problems = self._problems(*self._typed())
        text = "\n".join(f"[$error]✘ {p.code}[/] {escape(p.message)}" for p in problems)
        self.query_one("#amend-problems", Static).update(text or "[$success]✔ ready to amend[/]")

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self._send()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "amend":
            self._send()
        else:
            self.dismiss(None)

    def _send(self) -> None:
        self.run_worker(self._amend(*self._typed()), exclusive=True)

    async def _amend(self, price: str, quantity: str) -> None:
        try:
            amended = await self._attempt(price, quantity)
        except ValrTuiError as exc:
            self.query_one("#amend-problems", Static).update(
                f"[$error]✘ {exc.code}[/] {escape(exc.message)} (the order is as it was)")
            return
        self.dismiss(amended)


HELP_NOTES = (
    "[b]Order form[/b]  tab / shift+tab move between fields; enter on a Select opens it; enter in"
    " price, quantity or note moves to the next field (never submits); the preview under the form"
    " lists every problem with its code and what the options mean for this order; ctrl+s or enter on"
    " Submit sends the order (LIVE asks first). The focused field's label is ▸ reversed.",
    "[b]Options[/b]  GTC rests until filled or cancelled; post-only (PO) fails rather than match at"
    " once; IOC fills what it can at once and cancels the rest; FOK fills in full at once or fails.",
    "[b]Orders[/b]  focus the table (ctrl+o): ctrl+x cancels the selected order (asks first), ctrl+a"
    " amends its price or quantity (same checks as a new order; a price that would match at once is"
    " refused), enter shows its audit story. ctrl+l: all orders, s story, c cancel, a amend, A cancel"
    " a pair.",
    "[b]Book[/b] (ctrl+d)  up/down pick a level; b best bid, a best ask, enter the level's price into"
    " the form; 1 / 2 / 3 size the order at 25 / 50 / 100% of what is available.",
)


class KeyTable(Static):
    """The help's keys, names and explanations in three columns (16, 14 and the rest, a column
    between them), each wrapped within its own: drawn as one widget, as the grid of three
    ``Static``s a row drew them (51 widgets composed, styled and laid out at every open)."""

    KEY, NAME, GAP = 16, 14, 1

    def __init__(self, rows: list[tuple[str, str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = rows
        self._lines: tuple[int, Content] | None = None  # the width they were wrapped for

    def _wrapped(self, width: int) -> Content:
        if self._lines is not None and self._lines[0] == width:
            return self._lines[1]
        text_width = max(width - self.KEY - self.NAME - 2 * self.GAP, 1)
        lines: list[Content] = []
        for key, name, help_ in self.rows:
            cells = (Content.from_markup(f"[b]{escape(key)}[/b]").wrap(self.KEY),
                     Content(name).wrap(self.NAME), Content(help_).wrap(text_width))
            for index in range(max(len(cell) for cell in cells)):
                parts = [cell[index] if index < len(cell) else Content("") for cell in cells]
                gap = " " * self.GAP
                lines.append(Content.assemble(parts[0].pad_right(self.KEY - parts[0].cell_length), gap,
                                              parts[1].pad_right(self.NAME - parts[1].cell_length), gap,
                                              parts[2]))
        content = Content("\n").join(lines)
        self._lines = (width, content)
        return content

    def render(self) -> Content:
        """What the table says, a row a line, unwrapped (its text); it is drawn in its columns."""
        return Content("\n").join(Content.assemble(Content.from_markup(f"[b]{escape(key)}[/b]"), "  ", name,
                                                    "  ", help_) for key, name, help_ in self.rows)

    def _render(self) -> Content:
        """What Textual draws and measures: the rows wrapped in their columns at this width."""
        return self._wrapped(self.content_region.width or self.size.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._wrapped(width).split("\n"))


class HelpScreen(ModalScreen[None]):
    """Every key the app knows, from the same table the footer and palette use."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help_close"),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static("[b]Keys[/b]   (ctrl+p opens the command palette with every action)")
            # columns, so a long explanation wraps inside its own column at 80 columns
            yield KeyTable(self.rows, id="help-keys")
            yield Static("\n\n".join(HELP_NOTES), id="help-notes")

    def action_close(self) -> None:
        self.dismiss(None)
