"""The trade journal: closed positions with PnL, WIN/LOSS/BREAKEVEN coloured, and totals."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from valr_tui.trading.views import JournalEntry, TradingEngineAPI
from valr_tui.ui.format import clock_text, crypto, zar
from valr_tui.ui.leaks import Footer

_OUTCOME_STYLE = {"WIN": "$success", "LOSS": "$error", "BREAKEVEN": "$warning"}


class JournalScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back", id="journal_back")]

    def __init__(self, engine: TradingEngineAPI) -> None:
        super().__init__(id="journal-screen")
        self.engine = engine

    def compose(self) -> ComposeResult:
        yield Static("[b]Journal[/b]  closed trades  (esc: back)", id="journal-title")
        table: DataTable[str | Content] = DataTable(id="journal-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="journal-totals")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#journal-table", DataTable)
        table.add_columns("Closed (UTC)", "Pair", "Dir", "Qty", "Entry", "Exit", "Fees")
        # styled cells are not measured for width: give the coloured columns theirs
        table.add_column("PnL", width=10)
        table.add_column("Outcome", width=9)
        table.add_columns("Mode", "Thesis")
        # run on the app so its one on_worker_state_changed turns failures into notifications
        self._worker: Worker[None] = self.app.run_worker(
            self._load, group="journal", exclusive=True, exit_on_error=False, description="load journal"
        )

    async def _load(self) -> None:
        entries = await self.engine.journal()
        table = self.query_one("#journal-table", DataTable)
        table.clear()
        for j in entries:
            style = _OUTCOME_STYLE.get(j.outcome, "")
            table.add_row(
                clock_text(j.closed_at), j.pair, j.direction, crypto(j.quantity), zar(j.entry_value_zar),
                zar(j.exit_value_zar), zar(j.fees_zar),
                Content.from_markup(f"[{style}]{zar(j.pnl_zar)}[/]"),
                Content.from_markup(f"[{style}]{j.outcome}[/]"),
                "SIM" if j.execution_mode == "DRY_RUN" else "LIVE", j.thesis, key=str(j.id),
            )
        self.query_one("#journal-totals", Static).update(self.totals(entries))

    @staticmethod
    def totals(entries: list[JournalEntry]) -> str:
        pnl = sum((j.pnl_zar for j in entries), Decimal(0))
        fees = sum((j.fees_zar for j in entries), Decimal(0))
        count = {o: sum(1 for j in entries if j.outcome == o) for o in _OUTCOME_STYLE}
        style = "$success" if pnl > 0 else "$error" if pnl < 0 else "$warning"
        return (
            f"[b]{len(entries)} trades[/b]   [$success]WIN {count['WIN']}[/]  [$error]LOSS {count['LOSS']}[/]"
            f"  [$warning]BREAKEVEN {count['BREAKEVEN']}[/]   fees {zar(fees)}"
            f"   net PnL [b][{style}]{zar(pnl)}[/][/b]"
        )
