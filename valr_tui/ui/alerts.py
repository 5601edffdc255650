"""Price and percent-move alerts, the alert log, and how an alert reaches the trader: the
terminal bell always, a desktop notification when ``DESKTOP_NOTIFY`` asks for one."""

from __future__ import annotations

import shutil
import subprocess
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from valr_tui.config import DesktopNotify
from valr_tui.errors import AlertError, ValrTuiError
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.ui.format import pct, quoted_price

AlertKind = Literal["above", "below", "move"]
LOG_LEN = 200


@dataclass(frozen=True, slots=True)
class PriceAlert:
    id: int
    pair: str
    kind: AlertKind
    level: Decimal  # the price for above/below, the percentage for move
    reference: Decimal  # the last price when it was set

    def describe(self) -> str:
        if self.kind == "move":
            return f"{self.pair} moves {pct(self.level)} from {quoted_price(self.reference, self.pair)}"
        return f"{self.pair} {self.kind} {quoted_price(self.level, self.pair)}"

    def hit(self, last: Decimal) -> bool:
        if self.kind == "above":
            return last >= self.level
        if self.kind == "below":
            return last <= self.level
        moved = abs(DecimalGateway.divide((last - self.reference) * 100, self.reference))
        return moved >= self.level


@dataclass(frozen=True, slots=True)
class AlertEvent:
    at: float  # wall clock seconds
    kind: str  # "PRICE", "LOCKDOWN", "SAFE-IDLE", "FILL"
    message: str


def parse_alert(text: str, pair: str, last: Decimal, alert_id: int) -> PriceAlert:
    """``1300000``: a price alert, above or below the last price; ``5%``: a move of 5% either way."""
    raw = text.strip().replace(",", "").replace(" ", "")
    is_move = raw.endswith("%")
    try:
        value = DecimalGateway.to_decimal(raw.rstrip("%"))
    except ValrTuiError:
        raise AlertError(f"{text[:30]!r} is neither a price (1300000) nor a move (5%)") from None
    if value <= 0:
        raise AlertError("an alert needs a positive price or percentage")
    if is_move:
        return PriceAlert(alert_id, pair, "move", value, last)
    if value == last:
        raise AlertError(f"{quoted_price(value, pair)} is the last price already")
    return PriceAlert(alert_id, pair, "above" if value > last else "below", value, last)


class AlertBook:
    """Active alerts (each fires once) and the log of everything that rang."""

    def __init__(self) -> None:
        self.active: list[PriceAlert] = []
        self.log: deque[AlertEvent] = deque(maxlen=LOG_LEN)  # newest first
        self._next_id = 1

    def add(self, text: str, pair: str, last: Decimal) -> PriceAlert:
        alert = parse_alert(text, pair, last, self._next_id)
        self._next_id += 1
        self.active.append(alert)
        return alert

    def remove(self, alert_id: int) -> None:
        self.active = [a for a in self.active if a.id != alert_id]

    def check(self, pair: str, last: Decimal) -> list[PriceAlert]:
        """The alerts of ``pair`` that ``last`` triggers; they leave the active list."""
        fired = [a for a in self.active if a.pair == pair and a.hit(last)]
        if fired:
            self.active = [a for a in self.active if a not in fired]
        return fired

    def record(self, at: float, kind: str, message: str) -> AlertEvent:
        event = AlertEvent(at, kind, message)
        self.log.appendleft(event)
        return event


def osc_notification(title: str, body: str) -> str:
    """OSC 9 (iTerm2, WezTerm, Windows Terminal) and OSC 777 (kitty, foot, rxvt) in one write;
    a terminal ignores the one it does not know. Control characters are removed from the text."""
    def clean(text: str) -> str:
        return "".join(ch for ch in text if ch.isprintable()).replace(";", ",")[:200]

    return f"\x1b]9;{clean(title)}: {clean(body)}\x07\x1b]777;notify;{clean(title)};{clean(body)}\x07"


def desktop_notifier(mode: DesktopNotify, write: Callable[[str], None]) -> Callable[[str, str], None]:
    """How one alert reaches the desktop. ``write`` puts an escape on the terminal."""
    if mode == "osc":
        return lambda title, body: write(osc_notification(title, body))
    if mode == "notify-send" and shutil.which("notify-send"):
        def send(title: str, body: str) -> None:
            # fire and forget: a slow notification daemon must never hold up the dashboard
            subprocess.Popen(["notify-send", "--app-name=valr-tui", title, body],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return send
    return lambda title, body: None
