"""Balances: total, available and reserved per currency, and what it is all worth in ZAR."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from valr_tui.exchange.models import Balance
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.views import TradingEngineAPI
from valr_tui.ui.format import money, zar
from valr_tui.ui.leaks import Footer


@dataclass(frozen=True, slots=True)
class Valued:
    """One currency's balance with its ZAR price (the mid of ``<CUR>ZAR``) when one is watched."""

    balance: Balance
    price_zar: Decimal | None

    @property
    def value_zar(self) -> Decimal | None:
        if self.balance.currency == "ZAR":
            return self.balance.total
        return None if self.price_zar is None else DecimalGateway.multiply(self.balance.total, self.price_zar)


def value_balances(engine: TradingEngineAPI, balances: list[Balance]) -> list[Valued]:
    """ZAR first, then the rest by currency; a currency without a watched ZAR pair has no price."""
    valued = []
    for balance in sorted(balances, key=lambda b: (b.currency != "ZAR", b.currency)):
        price = None
        pair = f"{balance.currency}ZAR"
        if balance.currency != "ZAR" and pair in engine.pairs:
            ticker = engine.market(pair).ticker
            if ticker is not None and ticker.bid > 0 and ticker.ask > 0:
                price = DecimalGateway.divide(ticker.bid + ticker.ask, Decimal(2))
        valued.append(Valued(balance, price))
    return valued


class BalancesScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back", id="balances_back")]

    def __init__(self, engine: TradingEngineAPI) -> None:
        super().__init__(id="balances-screen")
        self.engine = engine

    def compose(self) -> ComposeResult:
        paper = self.engine.execution_mode == "DRY_RUN"
        where = "PAPER wallet (DRY_RUN: simulated funds)" if paper else "LIVE VALR account"
        yield Static(f"[b]Balances[/b]  {where}  (esc: back)", id="balances-title")
        yield DataTable(id="balances-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="balances-total")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#balances-table", DataTable)
        for label in ("Currency", "Total", "Available", "Reserved", "Price (ZAR, mid)", "Value (ZAR)"):
            table.add_column(label, key=label)
        self.reload()

    def reload(self) -> None:
        # on the app, so its one on_worker_state_changed turns failures into notifications
        self._worker: Worker[None] = self.app.run_worker(
            self._load, group="balances", exclusive=True, exit_on_error=False, description="load balances"
        )

    async def _load(self) -> None:
        valued = value_balances(self.engine, await self.engine.balances())
        table = self.query_one("#balances-table", DataTable)
        table.clear()
        for v in valued:
            b = v.balance
            table.add_row(
                b.currency, money(b.total, b.currency), money(b.available, b.currency),
                money(b.reserved, b.currency), "—" if v.price_zar is None else zar(v.price_zar),
                "no ZAR price" if v.value_zar is None else zar(v.value_zar), key=b.currency,
            )
        self.query_one("#balances-total", Static).update(self.total_text(valued))

    def total_text(self, valued: list[Valued]) -> str:
        known = [v.value_zar for v in valued if v.value_zar is not None]
        total = sum(known, Decimal(0))
        live = self.engine.execution_mode == "LIVE"
        paper = " [reverse $error] LIVE [/]" if live else " [reverse] PAPER [/]"
        unpriced = [v.balance.currency for v in valued if v.value_zar is None]
        note = f"  (not counted, no ZAR price: {', '.join(unpriced)})" if unpriced else ""
        return f"[b]Portfolio value {zar(total)}[/b]{paper}  at mid prices{note}"
