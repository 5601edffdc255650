"""Status bar, safety banner and token-bucket gauge."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import Static

from storage.orders import ExecutionModeName
from valr_tui.exchange.models import Balance
from valr_tui.exchange.rate_limiter import BucketSnapshot
from valr_tui.trading.safety import SafetyState, SafetyStatus
from valr_tui.trading.views import ConnectionState
from valr_tui.ui.format import age, crypto, zar

_CONNECTION_TEXT = {
    ConnectionState.CONNECTING: "CONNECTING…",
    ConnectionState.WS: "WS live",
    ConnectionState.REST: "REST fallback",
    ConnectionState.DOWN: "DOWN",
}
GAUGE_WIDTH = 26


class StatusBar(Horizontal):
    """Mode badge, connection, safety state and balances on one line."""

    _connection_text = ""

    def compose(self) -> ComposeResult:
        yield Static(id="mode-badge")
        yield Static(id="connection")
        yield Static(id="safety")
        yield Static(id="balances")

    def show_mode(self, mode: ExecutionModeName) -> None:
        badge = self.query_one("#mode-badge", Static)
        badge.update(" LIVE " if mode == "LIVE" else " DRY_RUN ")
        badge.set_class(mode == "LIVE", "-live")

    def show_connection(
        self, state: ConnectionState, silent_for: float | None = None, limit_s: float = float("inf"),
        *, clock_skew_s: float | None = None,
    ) -> None:
        """"WS live" only while data arrives: a connected stream silent for ``limit_s`` says so;
        with ``clock_skew_s`` (this clock minus VALR's, when large) a CLOCK SKEW warning beside it."""
        silent = state is ConnectionState.WS and silent_for is not None and silent_for >= limit_s
        text = f"WS silent {age(silent_for)}" if silent else _CONNECTION_TEXT[state]
        text += f" · CLOCK SKEW {clock_skew_s:+.1f} s" if clock_skew_s is not None else ""
        if text == self._connection_text:
            return  # called 4 times a second: redraw only on change
        self._connection_text = text
        widget = self.query_one("#connection", Static)
        widget.update(text)
        widget.set_class(state is ConnectionState.DOWN, "-bad")
        widget.set_class(
            silent or state in (ConnectionState.REST, ConnectionState.CONNECTING) or clock_skew_s is not None,
            "-warn",
        )

    def show_safety(self, status: SafetyStatus) -> None:
        widget = self.query_one("#safety", Static)
        widget.update(f" {status.state.label} ")
        for state in SafetyState:
            widget.set_class(status.state is state, f"-{state.value.lower()}")

    def show_balances(self, balances: list[Balance], *, paper: bool, has_credentials: bool) -> None:
        """Available balances; paper ones say so, and without an API key the bar says why
        there are no exchange balances (VALR-SEC-001)."""
        # ZAR first: on a narrow terminal the line is cut from the right, never the rand amount
        ordered = sorted(balances, key=lambda b: b.currency != "ZAR")
        parts = [f"{b.currency} {zar(b.available) if b.currency == 'ZAR' else crypto(b.available)}"
                 for b in ordered]
        text = "  ".join(parts) or "balances unknown"
        if paper:
            text = f"paper {text}"
        if not has_credentials:
            text += "  · VALR-SEC-001 no API key"
        self.query_one("#balances", Static).update(text)


class SafetyBanner(Static):
    """Full-width alert: red for LOCKDOWN, amber for SAFE-IDLE and NEUTRAL; hidden when NORMAL."""

    _TEXT: ClassVar[dict[SafetyState, str]] = {
        SafetyState.LOCKDOWN: "LOCKDOWN — all trading halted: {reason}."
        "  Unlock: ctrl+u (operator, reason, type {phrase})",
        SafetyState.SAFE_IDLE: "SAFE-IDLE — new orders refused until fresh market data returns: {reason}",
        SafetyState.NEUTRAL: "NEUTRAL — new orders refused until a reconciliation succeeds: {reason}",
    }

    def show(self, status: SafetyStatus, phrase: str) -> None:
        template = self._TEXT.get(status.state)
        self.display = template is not None
        self.set_class(status.state is SafetyState.LOCKDOWN, "-lockdown")
        self.set_class(status.state in (SafetyState.SAFE_IDLE, SafetyState.NEUTRAL), "-amber")
        if template is not None:
            self.update(template.format(reason=escape(status.reason or "no reason given"), phrase=phrase))


class BucketGauge(Vertical):
    """Tokens left of capacity, refill rate, the essential line and 429 back-off."""

    def compose(self) -> ComposeResult:
        yield Static(id="bucket-numbers")
        yield Static(id="bucket-bar")
        yield Static(id="bucket-alert")

    _last: BucketSnapshot | None = None

    def show(self, snap: BucketSnapshot) -> None:
        if snap == self._last:
            return  # called 4 times a second: redraw only on change
        self._last = snap
        capacity = max(snap.capacity, 1)
        filled = round(GAUGE_WIDTH * min(max(snap.available, 0.0), capacity) / capacity)
        floor_at = min(GAUGE_WIDTH - 1, round(GAUGE_WIDTH * snap.essential_floor / capacity))
        cells = ["█" if i < filled else "░" for i in range(GAUGE_WIDTH)]
        cells[floor_at] = "┃"
        self.query_one("#bucket-numbers", Static).update(
            f"[b]{snap.available:.0f}[/b]/{snap.capacity} tokens +{snap.refill_per_second:g}/s\n"
            f"┃ essential line at {snap.essential_floor:.0f}\n"
            f"granted {snap.granted}  refused {snap.refused}"
        )
        style = "$error" if snap.essential_only else "$success"
        self.query_one("#bucket-bar", Static).update(f"[{style}]{''.join(cells)}[/]")
        alerts = []
        if snap.essential_only:
            alerts.append("[reverse $error] ESSENTIAL-ONLY [/] polling paused")
        if snap.blocked_for > 0:
            alerts.append(f"[reverse $warning] 429 BACK-OFF [/] {snap.blocked_for:.1f} s")
        self.query_one("#bucket-alert", Static).update("\n".join(alerts) or "polling allowed")
        self.set_class(snap.essential_only, "-essential")
