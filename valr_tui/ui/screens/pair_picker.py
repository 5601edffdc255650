"""The pair picker: type to narrow the watched pairs, Enter sets the order form's pair.

Each row shows the pair with its last price and 24 h move, so a trader finds "the one that moved"
without leaving the keyboard. Matching ignores case; pairs that start with the typed text come
before pairs that merely contain it (``ZAR`` finds every rand pair, ``SOL`` finds SOLZAR first).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


def matching(pairs: tuple[str, ...], typed: str) -> list[str]:
    """``pairs`` that contain ``typed`` (case-insensitive): prefix matches first, order kept."""
    needle = typed.strip().upper()
    if not needle:
        return list(pairs)
    starts = [p for p in pairs if p.startswith(needle)]
    return starts + [p for p in pairs if needle in p and p not in starts]


class PairPickerScreen(ModalScreen[str | None]):
    """Dismisses with the chosen pair, or None on escape."""

    DEFAULT_CSS = """
    PairPickerScreen { align: center middle; }
    #picker-dialog { width: 60; }
    #picker-title { height: 1; margin-bottom: 1; }
    #picker-list { height: auto; max-height: 14; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="picker_close"),
        Binding("down", "move(1)", "Next", show=False, priority=True),
        Binding("up", "move(-1)", "Previous", show=False, priority=True),
    ]

    def __init__(self, pairs: tuple[str, ...], lines: dict[str, str], current: str) -> None:
        super().__init__()
        self.pairs = pairs
        self.lines = lines  # pair -> "last, 24h" text shown beside it
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-dialog", classes="dialog"):
            yield Static("[b]Choose the pair[/b]  type to search · ↑↓ · Enter · Esc", id="picker-title")
            yield Input(placeholder="e.g. ZAR, SOL, BTC", id="picker-search")
            yield OptionList(id="picker-list")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#picker-search", Input).focus()

    def _fill(self, typed: str) -> None:
        options = self.query_one("#picker-list", OptionList)
        found = matching(self.pairs, typed)
        options.clear_options()
        options.add_options(
            Option(f"{'▶' if pair == self.current else ' '} {pair:<10} {self.lines.get(pair, '')}", id=pair)
            for pair in found
        )
        if found:
            options.highlighted = found.index(self.current) if self.current in found and not typed else 0

    @on(Input.Changed, "#picker-search")
    def _typed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-search")
    def _enter(self) -> None:
        options = self.query_one("#picker-list", OptionList)
        if options.highlighted is None:
            self.notify("No watched pair matches: PAIRS in .env sets them.", severity="warning")
            return
        self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#picker-list")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#picker-list", OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -delta
            options.highlighted = (current + delta) % options.option_count

    def action_cancel(self) -> None:
        self.dismiss(None)
