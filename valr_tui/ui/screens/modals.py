"""Modals: yes/no confirmation, the operator unlock of LOCKDOWN, and the key help."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from valr_tui.errors import ValrTuiError
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


class HelpScreen(ModalScreen[None]):
    """Every key the app knows, from the same table the footer and palette use."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help_close"),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        lines = ["[b]Keys[/b]   (ctrl+p opens the command palette with every action)", ""]
        lines += [f"  [b]{escape(key):<16}[/b] {escape(text)} — {escape(help_)}"
                  for key, text, help_ in self.rows]
        lines += [
            "",
            "[b]Order form[/b]  tab / shift+tab move between fields; enter on a Select opens it;",
            "enter in price, quantity or note moves to the next field (never submits);",
            "the preview under the form lists every problem with its code; ctrl+s or enter on",
            "Submit sends the order (LIVE asks first). The focused field's label is ▸ reversed.",
            "[b]Orders[/b]  focus the table and ctrl+x cancels the selected order (asks first);",
            "enter shows its audit story. ctrl+l: all orders, s story, c cancel, A cancel a pair.",
            "[b]Book[/b] (ctrl+d)  up/down pick a level; b best bid, a best ask, enter the level's",
            "price into the form; 1 / 2 / 3 size the order at 25 / 50 / 100% of what is available.",
        ]
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static("\n".join(lines))

    def action_close(self) -> None:
        self.dismiss(None)
