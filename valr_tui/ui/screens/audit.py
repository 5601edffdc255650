"""The audit view: institutional_audit newest first, filter by correlation id, reconciliation rows."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker

from valr_tui.errors import ValrTuiError
from valr_tui.trading.views import TradingEngineAPI
from valr_tui.ui.format import clock_text
from valr_tui.ui.leaks import Footer

RECONCILIATION_EVENT = "RECONCILIATION"


class AuditScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back", id="audit_back")]

    def __init__(self, engine: TradingEngineAPI, correlation_id: str = "") -> None:
        """``correlation_id``: open on that order's story (the filter is filled in)."""
        super().__init__(id="audit-screen")
        self.engine = engine
        self.correlation_id = correlation_id

    def compose(self) -> ComposeResult:
        yield Static("[b]Audit[/b]  institutional_audit, newest first", id="audit-title")
        yield Input(self.correlation_id, id="cid-filter",
                    placeholder="filter by correlation id or its start (enter; empty shows all)")
        audit: DataTable[str] = DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        audit.border_title = "Events"
        yield audit
        recon: DataTable[str] = DataTable(id="recon-table", cursor_type="row")
        recon.border_title = "Reconciliation (ctrl+r: reconcile now)"
        yield recon
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#audit-table", DataTable).add_columns(
            "Time (UTC)", "Event", "Severity", "Correlation id", "State", "Message")
        self.query_one("#recon-table", DataTable).add_columns(
            "Time (UTC)", "Outcome", "Max deviation", "Worst", "Correlation id", "Message")
        self.reload()

    @on(Input.Submitted, "#cid-filter")
    def _filter(self) -> None:
        self.reload()

    def reload(self) -> None:
        # run on the app so its one on_worker_state_changed turns failures into notifications
        self._worker: Worker[None] = self.app.run_worker(
            self._load, group="audit", exclusive=True, exit_on_error=False, description="load audit"
        )

    async def _load(self) -> None:
        cid = self.query_one("#cid-filter", Input).value.strip() or None
        audit = self.query_one("#audit-table", DataTable)
        recon = self.query_one("#recon-table", DataTable)
        title = self.query_one("#audit-title", Static)
        try:
            entries = await self.engine.audit(cid)  # a unique start of the id is enough
        except ValrTuiError as exc:  # unknown or ambiguous id: say so where the rows would be
            audit.clear()
            recon.clear()
            title.update(Text.assemble(("Audit", "bold"), f"  {exc.code}: {exc.message}  (esc: back)"))
            return
        audit.clear()
        recon.clear()
        for e in entries:
            change = f"{e.state_before}→{e.state_after}" if e.state_before or e.state_after else ""
            audit.add_row(clock_text(e.occurred_at), e.event_type, e.severity, e.correlation_id or "—",
                          change, e.message, key=str(e.id))
            if e.event_type == RECONCILIATION_EVENT:
                recon.add_row(
                    clock_text(e.occurred_at), str(e.details.get("outcome", "?")),
                    f"{e.details.get('max_deviation_pct', '?')}%", str(e.details.get("worst_currency", "")),
                    e.correlation_id or "—", e.message, key=str(e.id),
                )
        full = entries[0].correlation_id if cid and entries else cid  # what a prefix resolved to
        where = f" for {full}" if full else ""
        title.update(Text.assemble(
            ("Audit", "bold"), f"  {len(entries)} events{where}, newest first  (esc: back)"))
