"""The stable names for scripts that use the core without the dashboard.

Everything here keeps its name and import path when the modules behind it move::

    from valr_tui.api import EmbeddedSimulator, OrderRequest, TradingEngine, load_settings, simulator_settings

    with EmbeddedSimulator() as sim:
        settings = simulator_settings(load_settings(), sim.base_url, sim.ws_url, sim.api_key,
                                      sim.api_secret, db_path="paper.db")
        ...  # in a coroutine: engine = TradingEngine(settings); await engine.start(); ...

The README's "Use the core from Python" section walks through a whole script.
"""

from __future__ import annotations

from storage.audit import AuditEntry
from storage.orders import ExecutionModeName, OrderRecord, OrderState
from valr_tui.config import Settings, load_settings
from valr_tui.errors import EngineNotReady, OrderRejected, ValrTuiError
from valr_tui.exchange.models import Balance, Pair, TickerData
from valr_tui.launcher import EmbeddedSimulator, simulator_settings
from valr_tui.money import DecimalGateway, Side
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.engine import TradingEngine
from valr_tui.trading.safety import SafetyState, SafetyStatus
from valr_tui.trading.views import (
    ConnectionState,
    EngineEvent,
    EngineEventKind,
    JournalEntry,
    MarketView,
    OrderPreview,
    OrderRequest,
    OrderResult,
    ReconciliationReport,
    TradingEngineAPI,
)

__all__ = [
    "AuditEntry",
    "Balance",
    "ConnectionState",
    "DecimalGateway",
    "EmbeddedSimulator",
    "EngineEvent",
    "EngineEventKind",
    "EngineNotReady",
    "ExecutionModeName",
    "JournalEntry",
    "MarketView",
    "OrderPreview",
    "OrderRecord",
    "OrderRejected",
    "OrderRequest",
    "OrderResult",
    "OrderState",
    "Pair",
    "ReconciliationReport",
    "SafetyState",
    "SafetyStatus",
    "Settings",
    "Side",
    "SimulatorServer",
    "TickerData",
    "TradingEngine",
    "TradingEngineAPI",
    "ValrTuiError",
    "load_settings",
    "simulator_settings",
]
