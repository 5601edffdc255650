"""Alerts: set a price or percent-move alert for the form's pair; the active alerts; the log of
everything that rang (price alerts, LOCKDOWN, SAFE-IDLE, fills)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from valr_tui.errors import ValrTuiError
from valr_tui.ui.alerts import AlertBook
from valr_tui.ui.format import clock_text


class AlertsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="alerts_back"),
        Binding("delete", "remove_alert", "Remove alert", id="alerts_remove"),
    ]

    def __init__(self, book: AlertBook, pair: str, last_price: Callable[[str], Decimal | None]) -> None:
        super().__init__(id="alerts-screen")
        self.book = book
        self.pair = pair
        self._last_price = last_price

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Alerts[/b]  {self.pair}: type a price (1300000: rings when crossed) or a move"
                     " (5%: rings on a 5% move either way), enter sets it · delete removes  (esc: back)",
                     id="alerts-title")
        yield Input(placeholder=f"new alert for {self.pair}: 1300000 or 5%", id="alert-input")
        yield Static(id="alert-error")
        active: DataTable[str] = DataTable(id="alerts-active", cursor_type="row", classes="pane")
        active.border_title = "Active (each rings once)"
        yield active
        log: DataTable[str] = DataTable(id="alerts-log", cursor_type="none", zebra_stripes=True,
                                        classes="pane")
        log.border_title = "Log, newest first"
        yield log
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#alerts-active", DataTable).add_columns("#", "Alert")
        self.query_one("#alerts-log", DataTable).add_columns("Time (UTC)", "Kind", "Message")
        self.query_one("#alert-input", Input).focus()
        self.refresh_tables()

    @on(Input.Submitted, "#alert-input")
    def _add(self, event: Input.Submitted) -> None:
        error = self.query_one("#alert-error", Static)
        last = self._last_price(self.pair)
        if last is None:
            error.update(f"[$error]VALR-MKT-002[/] no {self.pair} price yet to set an alert against")
            return
        try:
            alert = self.book.add(event.value, self.pair, last)
        except ValrTuiError as exc:
            error.update(f"[$error]{exc.code}[/] {escape(exc.message)}")
            return
        error.update(f"set: {escape(alert.describe())}")
        event.input.value = ""
        self.refresh_tables()

    def action_remove_alert(self) -> None:
        table = self.query_one("#alerts-active", DataTable)
        if table.row_count:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            if row_key.value is not None:
                self.book.remove(int(row_key.value))
                self.refresh_tables()

    def refresh_tables(self) -> None:
        active = self.query_one("#alerts-active", DataTable)
        active.clear()
        for alert in self.book.active:
            active.add_row(str(alert.id), alert.describe(), key=str(alert.id))
        log = self.query_one("#alerts-log", DataTable)
        log.clear()
        for event in self.book.log:
            log.add_row(clock_text(int(event.at * 1000)), event.kind, event.message)
