"""The dashboard: ``ValrApp`` renders a ``TradingEngineAPI`` and turns keys into engine calls.

Engine events arrive through ``engine.subscribe`` carrying their data (a pair's ``MarketView``, the
``SafetyStatus``); they are collected (the newest view of a pair wins) and drawn from a plain loop
callback. A whole change of a pair (its ticker and its book both new) after a quiet spell (three
frames without a redraw) is drawn at once, in the loop's next turn; anything else is gathered with
the burst it came in (``BURST_QUIET_S`` without a new event, at most ``BURST_GATHER_S`` after its
first), redraws at least 1 / ``FLOOD_REDRAWS_PER_SECOND`` apart and the form pair's depth, chart
and preview at most ``FORM_FLOOD_PER_SECOND`` times a second during a flood, so a flood of ticks
collapses into the newest state and can never starve the loop (which also reads the WebSocket and
the keyboard). A redraw touches only
the widgets whose data changed (a trade alone moves the chart, not the ticker row, the depth or
the preview) and never asks for a layout unless a size changes (``LiveText``): Textual then
paints them in its next frame (at most 60 a second), so a price reaches the screen within a
frame of its arrival. Everything slow runs in a worker; every worker error is turned into a
notification in ``on_worker_state_changed`` so an exchange error never kills the app.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Protocol

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Button, Input, Select
from textual.worker import Worker, WorkerState

from storage.orders import FillRecord, OrderRecord, OrderState
from valr_tui.errors import ValrTuiError
from valr_tui.heap import release_collector
from valr_tui.logging_setup import crash_line, redact
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.trading.candles import CHART_PERIODS, MAX_CANDLES, period_named
from valr_tui.trading.price_band import expected_taker_fill, options_note
from valr_tui.trading.safety import UNLOCK_PHRASE, SafetyState, SafetyStatus
from valr_tui.trading.views import (
    EngineEvent,
    EngineEventKind,
    MarketView,
    OrderRequest,
    OrderResult,
    TradingEngineAPI,
)
from valr_tui.ui.alerts import AlertBook, desktop_notifier
from valr_tui.ui.format import crypto, pct, quoted_price, zar
from valr_tui.ui.frames import FrameClock, RegionCompositor
from valr_tui.ui.leaks import drop_stale_table_caches, release_styles_caches
from valr_tui.ui.screens.alerts import AlertsScreen
from valr_tui.ui.screens.audit import AuditScreen
from valr_tui.ui.screens.balances import BalancesScreen
from valr_tui.ui.screens.book import QUANTITY_PRESETS, BookScreen
from valr_tui.ui.screens.journal import JournalScreen
from valr_tui.ui.screens.modals import AmendScreen, ConfirmScreen, HelpScreen, UnlockRequest, UnlockScreen
from valr_tui.ui.screens.orders import OrdersScreen
from valr_tui.ui.screens.pair_picker import PairPickerScreen
from valr_tui.ui.screens.stacking import incremental_backdrops
from valr_tui.ui.widgets.chart import FillMark, OrderMark, PriceChart, price_text, tick_places
from valr_tui.ui.widgets.footer import RankedFooter
from valr_tui.ui.widgets.market import SpreadPane
from valr_tui.ui.widgets.orders import OrderDetail, OrderForm, OrdersTable, preset_quantity
from valr_tui.ui.widgets.status import BucketGauge, SafetyBanner, StatusBar
from valr_tui.ui.widgets.tickers import TickerTable

log = logging.getLogger(__name__)

REFRESH_PER_SECOND = 4  # the data ages and the bucket gauge move with time alone
CHART_RELOAD_MIN_S = 60  # a chart whose candles are older than max(this, one period) is reloaded
CHART_RETRY_S = 10  # a failed candle load is asked again at most this often
EXIT_START_FAILED = 2
# One price change arrives as a few events (trade, summary, book) within a millisecond or two.
# The frame clock paints the first change at once and the next one a frame period later: drawn
# one by one, the trade would take the immediate frame and the price the next. So a trade alone
# (it moves only the chart) waits for the rest of its burst: the redraw waits until no event came
# for BURST_QUIET_S (the parts of one change arrive 0.15-0.4 ms apart at the median, 0.9 ms at p90
# on a loaded machine), and never longer than BURST_GATHER_S after the burst's first event (the
# loop's selector sleeps in whole milliseconds: a 1.5 ms wait took 2-2.7 ms). Once a pair's ticker
# and book have both arrived, its change is whole: after a quiet spell (QUIET_SPELL_S) it is drawn
# in the loop's next turn, with the trade gathered before it. Drawn at the ticker alone, the book
# arrived 0.15 ms later, after the redraw, and took a second redraw and frame a frame later (at 10
# changes/s: 18 redraws/s instead of 9).
BURST_QUIET_S = 0.0015
BURST_GATHER_S = 0.003
# Textual composites at most 60 frames a second: the quiet spell below is counted in its frames.
# Under a flood a redraw draws the newest state, so intermediate values are dropped instead of
# queued. At ordinary rates (a change every 100 ms) only the gather applies and a price takes the
# immediate frame.
MAX_REDRAWS_PER_SECOND = 60
# A whole change (ticker and book) is drawn at once only after a quiet spell: nothing drawn for
# three frames. Under a flood (a change every 10 ms at 100/s) it gathers and is spaced a frame
# apart: drawn at once there too, the price -> screen p99 at 100/s rose from 55-65 ms to 83-93 ms
# (the same minutes, load 4.3-5.3), the redraws falling out of step with the frames.
QUIET_SPELL_S = 3 / MAX_REDRAWS_PER_SECOND
# While a flood lasts (a redraw within QUIET_SPELL_S of the one before), every redraw draws the
# ticker rows (the price a trader reads, within a frame of its arrival) and the form pair's depth,
# chart and preview at most FORM_FLOOD_PER_SECOND times a second, the newest state then; the first
# change after a quiet spell draws them all at once as before.
FORM_FLOOD_PER_SECOND = 20
# With the form pair drawn at its own rate, a flood redraw is a ticker row or two: spaced a frame
# apart they waited up to a frame for their turn and then for the frame (100/s p50 19-21 ms, p99
# 35-37); spaced FLOOD_REDRAWS_PER_SECOND apart (5 ms: never binding with a change every 10 ms, a
# bound on the loop's share for a faster flood) p50 14, p99 25 (load 0.2-0.5, alternated).
FLOOD_REDRAWS_PER_SECOND = 200


def _same(shown: object, new: object) -> bool:
    """The engine hands on the same ticker and book objects until they change: identity first."""
    return shown is new or shown == new


def _moved(shown: MarketView, new: MarketView) -> bool:
    """Whether ``new`` changes what a ticker row, the depth or the preview show of ``shown``: its
    ticker, book, age or staleness (not its trades and price history, which the chart reads)."""
    return not (
        _same(shown.ticker, new.ticker) and _same(shown.book, new.book)
        and shown.updated_at == new.updated_at and shown.stale == new.stale
    )


class DemoControls(Protocol):
    """What ``--demo`` hands the dashboard: the simulator's fault switches."""

    kinds: tuple[str, ...]

    async def inject_fault(self, kind: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Action:
    """One user action: the footer binding, the help row and the palette entry come from here."""

    key: str
    action: str
    label: str
    help: str
    id: str
    show: bool = True
    priority: bool = False


ACTIONS: tuple[Action, ...] = (
    Action("f1,question_mark", "help", "Help", "show every key", "help"),
    Action("ctrl+s", "submit_order", "Submit", "submit the order in the form (LIVE asks first)",
           "submit_order", priority=True),
    Action("ctrl+x", "cancel_order", "Cancel order", "cancel the order selected in the table", "cancel_order",
           priority=True),
    Action("ctrl+a", "amend_order", "Amend", "change the price or quantity of the open order selected in the"
           " table (same checks as a new order)", "amend_order", priority=True),
    Action("ctrl+q", "quit", "Quit", "leave the app (asks first while LIVE orders are open on VALR)", "quit",
           priority=True),
    Action("ctrl+u", "unlock", "Unlock", "leave LOCKDOWN (operator, reason, typed UNLOCK)", "unlock",
           priority=True),
    Action("ctrl+l", "show_orders", "All orders", "open and done orders apart, fills, cancel-all for a pair,"
           " audit story", "show_orders", priority=True),
    Action("ctrl+d", "show_book", "Book", "depth ladder (40 levels), trades tape; copy a price or a quantity"
           " preset into the form", "show_book", priority=True),
    Action("ctrl+t", "pick_pair", "Pair", "choose the form's pair: type to search the watched pairs",
           "pick_pair", priority=True),
    Action("ctrl+r", "reconcile", "Reconcile", "run a reconciliation now", "reconcile", priority=True),
    Action("f2", "show_audit", "Audit", "audit log, correlation filter, reconciliation", "show_audit"),
    Action("f3", "show_journal", "Journal", "closed trades with PnL", "show_journal"),
    Action("f4", "show_balances", "Balances", "total, available, reserved and the portfolio value in ZAR",
           "show_balances"),
    Action("ctrl+b", "show_alerts", "Alerts", "set a price or % move alert for the form's pair; the log",
           "show_alerts", priority=True),
    Action("ctrl+o", "focus_orders", "Orders", "move focus to the orders table", "focus_orders"),
    Action("ctrl+e", "focus_form", "Form", "move focus to the order form (also from a text field)",
           "focus_form", priority=True),
    Action("ctrl+g", "cycle_chart_period", "Chart period", "the chart's candles: 1m, 5m, 15m, 1h, 1d, 1m…",
           "chart_period", priority=True),
)
WIDE_FROM = 100  # columns: from here the form sits beside the market panes, below it they stack
# The footer shows the essential keys first (ACTIONS is in that order), the demo's faults last.
FOOTER_ORDER: tuple[str, ...] = (*(a.action for a in ACTIONS), "inject_fault")
MAIN_SCREEN_ACTIONS = frozenset({"submit_order", "cancel_order", "amend_order", "focus_orders", "focus_form",
                                 "show_book", "pick_pair", "cycle_chart_period", "chart_period"})
# Function keys for the simulator's faults, in DemoControls.kinds order (demo mode only).
# The simulator's faults: kind, key, footer label, the name help and the palette show. Kinds the
# DemoControls lacks stay hidden.
DEMO_FAULTS: tuple[tuple[str, str, str, str], ...] = (
    ("outage", "f5", "Outage", "Exchange outage (REST and WebSocket)"),
    ("rate_limit_storm", "f6", "429 storm", "429 rate-limit storm"),
    ("spread_blowout", "f7", "Spread", "Spread blow-out"),
    ("balance_drift", "f8", "Drift", "Balance drift"),
    ("price_shock", "f9", "Shock", "Price shock"),
    ("ws_drop", "f10", "WS drop", "WebSocket drop"),
)
FAULT_NAMES = {kind: name for kind, _key, _label, name in DEMO_FAULTS}
# A stream that is connected but has delivered nothing for this long is not "live".
WS_SILENT_AFTER_S = 10.0


def _is_number(text: str) -> bool:
    try:
        DecimalGateway.to_decimal(text.strip())
    except ValrTuiError:
        return False
    return True


def key_text(keys: str) -> str:
    """A binding's keys as help and the palette show them: "f1 / ?"."""
    return keys.replace("question_mark", "?").replace(",", " / ")


class Body(VerticalScroll):
    """The main screen's scrolling body. No style below it depends on its focus (app.tcss and
    Textual's CSS of the widgets in it style a focused widget itself, or its own children), so
    its focus and blur restyle it alone; Textual restyles the whole subtree (~50 widgets), and
    the screen focuses the body first at start-up: ~20 % of the CPU to the first price frame."""

    def watch_has_focus(self, _has_focus: bool) -> None:
        self.app.stylesheet.update_nodes([self], animate=True)


class MainScreen(Screen[None]):
    """Everything at once: status, alerts, tickers, spread, bucket, order form, orders."""

    def __init__(self, engine: TradingEngineAPI, on_ready: Callable[[], None]) -> None:
        super().__init__(id="main")
        self._compositor = RegionCompositor()  # a frame renders only the widgets under a change
        self._frames = FrameClock(self._on_timer_update, self._frame_failed)  # a frame once one may be
        self.engine = engine
        self._on_ready = on_ready
        self._resumed = False

    def compose(self) -> ComposeResult:
        # The width's breakpoint class (-narrow / -wide) before the widgets mount, so they are
        # styled for it once: set by the first resize, it restyled the whole screen again.
        breakpoints = self._get_breakpoint_classes(self.app.size.width, self.app.HORIZONTAL_BREAKPOINTS or [])
        self.add_class(*breakpoints, update=False)
        yield StatusBar(id="status-bar")
        yield SafetyBanner(id="banner")
        with Body(id="body"):
            with Horizontal(id="top"):
                with Vertical(id="left"):
                    e = self.engine
                    yield TickerTable(e.pairs, e.settings.max_spread_pct, e.tick_size, id="tickers")
                    yield PriceChart(id="chart", classes="pane")
                    with Horizontal(id="middle"):
                        yield SpreadPane(e.settings.max_spread_pct, e.tick_size)
                        gauge = BucketGauge(id="bucket", classes="pane")
                        gauge.border_title = "Rate-limit bucket"
                        yield gauge
                with Vertical(id="right"):
                    yield OrderForm(self.engine.pairs)
            # full width: every column of an order fits at 120 columns
            with Vertical(id="orders-pane", classes="pane"):
                yield OrdersTable(id="orders")
                yield OrderDetail(id="order-detail")
        yield RankedFooter(FOOTER_ORDER)

    @property
    def _update_timer(self) -> FrameClock:  # type: ignore[override]  # what Textual pauses and resumes
        return self._frames

    def _frame_failed(self, error: Exception) -> None:
        self.app._handle_exception(error)

    def on_unmount(self) -> None:
        self._frames.stop()

    def on_mount(self) -> None:
        live = self.engine.execution_mode == "LIVE"
        pane = self.query_one("#orders-pane")
        pane.border_title = "Orders — LIVE on VALR" if live else "Orders — DRY_RUN paper"
        pane.set_class(live, "-live")
        self._on_ready()  # the widgets exist only now; the App's own on_mount runs before this

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Runs before ``Screen``'s own handler. The first resume follows the mount, whose
        styles are fresh; Textual would match every widget's styles again (~40 ms of a cold
        start). Later resumes (back from another screen) restyle as Textual does."""
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False


class ValrApp(App[int]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "valr-tui"
    ENABLE_COMMAND_PALETTE = True
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_FROM, "-wide")]  # noqa: RUF012 (declared by App)
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(a.key, a.action, a.label, show=a.show, id=a.id, priority=a.priority) for a in ACTIONS),
        *(Binding(key, f"inject_fault('{kind}')", label, id=f"demo_{kind}")
          for kind, key, label, _name in DEMO_FAULTS),
    ]

    def __init__(
        self,
        engine: TradingEngineAPI,
        *,
        clock: Callable[[], float] = time.time,
        demo: DemoControls | None = None,
    ) -> None:
        release_styles_caches()
        drop_stale_table_caches()
        incremental_backdrops()
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.demo = demo
        self._pending: set[EngineEventKind] = set()
        self._pending_markets: dict[str, MarketView] = {}  # pair -> newest view not drawn yet
        self._views: dict[str, MarketView] = {}  # pair -> newest view drawn
        self._pending_safety: SafetyStatus | None = None
        # the redraw due, once an event came: a loop callback (a Textual timer is a task each, and
        # call_next goes through the app's message queue), at once (Handle) or gathered (TimerHandle)
        self._redraw_at: asyncio.Handle | None = None
        self._redraw_now = False  # _redraw_at runs in the loop's next turn: later events ride along
        self._burst_began = 0.0
        self._new_tickers: set[str] = set()  # pairs whose ticker / book moved since the last redraw
        self._new_books: set[str] = set()
        self._redraw_posted = False  # the redraw is in the app's message queue, behind a waiting key
        self._last_redraw = 0.0
        self._flooding = False  # the redraw running now came within QUIET_SPELL_S of the one before
        # the form pair's parts not drawn yet during a flood: its book (spread, depth, chart and
        # preview) or its chart alone; drawn by _form_at at most FORM_FLOOD_PER_SECOND
        self._form_book_due = self._form_chart_due = False
        self._form_at: asyncio.TimerHandle | None = None
        self._last_form_draw = -1.0
        self._tick_at: asyncio.TimerHandle | None = None  # the next _tick (REFRESH_PER_SECOND)
        self._main_mounted = False
        self.start_error: ValrTuiError | None = None
        self.crash_message: str | None = None  # the one coded line an unexpected error ends with
        self._shown_locked = False
        # the state the last safety event carried (the spread line reads it on every form-pair
        # redraw; the first redraw draws the safety state right after the markets)
        self._shown_safety = SafetyState.NORMAL
        self._unsubscribe: Callable[[], None] | None = None
        self._depth_pair = engine.pairs[0] if engine.pairs else ""
        self._fills_cache: dict[str, tuple[Decimal, list[FillRecord]]] = {}
        self.alerts = AlertBook()
        self._desktop = desktop_notifier(engine.settings.desktop_notify, self._write_to_terminal)
        self._alerted_state: SafetyState | None = None  # the safety state last rung for
        self._seen_filled: dict[str, Decimal] | None = None  # None until the first orders load
        self._chart_period = CHART_PERIODS[0]
        self._chart_loading: set[tuple[str, int]] = set()
        self._chart_tried: dict[tuple[str, int], float] = {}  # when each (pair, period) was last asked for
        self._chart_problems: dict[tuple[str, int], str] = {}  # why its last load failed
        self._open_orders: list[OrderRecord] = []
        self.main = MainScreen(engine, self._main_ready)

    # -- life cycle ---------------------------------------------------------------------------
    def get_default_screen(self) -> Screen[Any]:
        return self.main

    async def on_load(self) -> None:
        """Start the engine before the first screen is composed. Its start-up is local and
        short (database, safety state, paper wallet; the network loops run as its own tasks), but
        run alongside Textual's first layouts every one of its awaits waited for a loop turn and
        the first prices reached the screen ~0.5 s later. An engine that cannot start (the LIVE
        gate, an unusable database) ends the app before the terminal is taken over."""
        self._unsubscribe = self.engine.subscribe(self._on_engine_event)
        try:
            await self.engine.start()
        except ValrTuiError as exc:
            self.start_error = exc
            self.exit(return_code=EXIT_START_FAILED)

    # -- the boundary: an unexpected error ends the app with one coded line ----------------------
    def _handle_exception(self, error: Exception) -> None:
        self._crash = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Textual's crash report prints every frame's locals (the signer's secret among them):
        log the traceback (redacted, no locals) and show one coded line instead."""
        error = getattr(self, "_crash", None)
        if error is not None:
            log.error("the dashboard stopped on an unexpected error",
                      exc_info=(type(error), error, error.__traceback__))
        self.bell()
        # Printed by run_app once the terminal is restored: one plain line, not a wrapped panel.
        self.crash_message = crash_line(error) if error is not None else "[VALR-GEN-001] unexpected error"
        self._close_messages_no_wait()

    def _main_ready(self) -> None:
        main = self.main
        self._main_mounted = True
        self._tickers = main.query_one(TickerTable)
        self._spread = main.query_one(SpreadPane)
        self._bucket = main.query_one(BucketGauge)
        self._status = main.query_one(StatusBar)
        self._form = main.query_one(OrderForm)
        self._chart = main.query_one(PriceChart)  # drawn on every trade: not looked up each time
        self._status.show_mode(self.engine.execution_mode)
        # the first picture is pulled; from here on the events carry what changed
        self._pending_markets = {pair: self.engine.market(pair) for pair in self.engine.pairs}
        self._pending.update(("market", "orders", "safety", "balances", "bucket"))
        self._redraw()
        # The screen, its widgets and the engine live as long as the app: frozen (until it ends),
        # the collector's full passes no longer walk them. Under a 100/s price flood such a pass
        # took ~45 ms (the imports frozen as the launcher does, valr_tui.heap), 230-320 ms without:
        # a frame, and a key press, waited that long.
        self.call_after_refresh(release_collector)  # held since the imports: valr_tui.heap
        gc.freeze()
        # Wide: the form is in view, so it takes the focus (after the first layout). Narrow (the
        # body scrolls): the first frame shows the market from the top; ctrl+e brings the form.
        if self.size.width >= WIDE_FROM:
            self.call_after_refresh(self.action_focus_form)
        self._schedule_tick(asyncio.get_running_loop().time())  # a loop timer, cancelled at unmount

    def _cancel_timers(self) -> None:
        """The redraw and the tick are loop callbacks, not Textual timers: nothing stops them
        with the app unless they are cancelled (``_cannot_draw`` guards them meanwhile)."""
        for handle in (self._redraw_at, self._tick_at, self._form_at):
            if handle is not None:
                handle.cancel()
        self._redraw_at = self._tick_at = self._form_at = None

    async def on_unmount(self) -> None:
        self._cancel_timers()
        gc.unfreeze()  # what this app held can be collected again once it is gone
        if self._unsubscribe is not None:
            self._unsubscribe()
        try:
            await self.engine.stop()
        except Exception:  # the app is closing: log, never raise out of shutdown
            log.exception("engine.stop failed")

    def _on_engine_event(self, event: EngineEvent) -> None:
        market = event.market
        complete = False  # the pair's ticker and book have both moved since the last redraw
        if market is not None:
            pair = market.pair
            shown = self._pending_markets.get(pair) or self._views.get(pair)
            if shown is None or not _same(shown.ticker, market.ticker):
                self._new_tickers.add(pair)
            if shown is None or not _same(shown.book, market.book):
                self._new_books.add(pair)
            complete = pair in self._new_tickers and pair in self._new_books
            self._pending_markets[pair] = market
        if event.safety is not None:
            self._pending_safety = event.safety
        self._pending.add(event.kind)
        if self._redraw_posted or self._redraw_now:
            return  # the redraw is on its way: it reads the pending state when it runs
        # A loop callback, moved on by every event of the burst; when it runs the redraw runs
        # directly, or behind a key already waiting for the app (_draw_due).
        loop = asyncio.get_running_loop()
        now = loop.time()
        after_last = self._last_redraw + 1 / FLOOD_REDRAWS_PER_SECOND - now
        if self._redraw_at is None:
            self._burst_began = now
        else:
            self._redraw_at.cancel()
        if complete and now - self._last_redraw >= QUIET_SPELL_S:  # a whole change after a quiet spell
            self._redraw_now = True
            self._redraw_at = loop.call_soon(self._draw_due)
            return
        wait = max(min(BURST_QUIET_S, self._burst_began + BURST_GATHER_S - now), after_last, 0.0)
        self._redraw_at = loop.call_later(wait, self._draw_due)

    def _draw_due(self) -> None:
        """The redraw's loop callback; behind a key already waiting (``_draw_behind_waiting_keys``)."""
        self._redraw_at = None
        self._redraw_now = False
        if self._cannot_draw:
            return  # the events stay pending (the first redraw after the mount draws them)
        if self._draw_behind_waiting_keys(self._gathered_redraw):
            self._redraw_posted = True

    def _draw_behind_waiting_keys(self, draw: Callable[[], None]) -> bool:
        """Run ``draw`` from a loop callback, or, when a key press already waits for the app (or
        for the focused widget it goes to), post it through the app's message queue behind it
        (``message_queue_size``: Textual's public count of what waits). True when posted."""
        focused = self.focused
        if self.message_queue_size or (focused is not None and focused.message_queue_size):
            self.call_next(draw)
            return True
        try:
            draw()
        except Exception as error:  # as in a Textual callback: the app's own crash handling
            self._handle_exception(error)
        return False

    def _gathered_redraw(self) -> None:
        self._redraw_posted = False  # events from here on queue the next redraw
        self._new_tickers.clear()
        self._new_books.clear()
        now = asyncio.get_running_loop().time()
        self._flooding, self._last_redraw = now - self._last_redraw < QUIET_SPELL_S, now
        try:
            self._redraw()
        finally:
            self._flooding = False

    @property
    def _cannot_draw(self) -> bool:
        """Before the main screen is mounted its widgets are not known yet (events wait in the
        pending state); after exit() they are being removed, and once the app stopped running no
        frame follows: an event still queued must not try to draw on them."""
        return self._exit or not self._running or not self._main_mounted or not self.main.is_attached

    def _schedule_tick(self, after: float) -> None:
        """The next _tick, REFRESH_PER_SECOND after ``after`` on the loop's clock (a late tick
        does not make the next one early)."""
        loop = asyncio.get_running_loop()
        due = max(after + 1 / REFRESH_PER_SECOND, loop.time())
        self._tick_at = loop.call_at(due, self._run_tick, due)

    def _run_tick(self, due: float) -> None:
        self._tick_at = None
        if self._exit or not self._running:
            return  # the app is ending: no next tick
        try:
            self._tick()
        except Exception as error:  # as in a Textual timer: the app's own crash handling
            self._handle_exception(error)
            return
        self._schedule_tick(due)

    def _tick(self) -> None:
        """Ages and the bucket move with time even when no event arrives; each widget repaints
        only when its text changes."""
        if self._cannot_draw:
            return
        now = self.clock()
        self._tickers.show_age(now)
        self._bucket.show(self.engine.bucket_snapshot())
        self._show_connection(now)

    def _show_connection(self, now: float) -> None:
        """The stream's state, and how long it has been silent: connected is not live."""
        ages = [a for a in (view.age(now) for view in self._tickers.views) if a is not None]
        silent_for = min(ages) if ages else None
        self._status.show_connection(
            self.engine.connection_state(), silent_for, WS_SILENT_AFTER_S,
            clock_skew_s=self.engine.clock_skew_s())

    def _redraw(self) -> None:
        """Draw what the pending events carry, on the widgets they concern only."""
        if self._cannot_draw:
            return
        kinds, self._pending = self._pending, set()
        markets, self._pending_markets = self._pending_markets, {}
        if markets:
            views = self._views
            # a view whose ticker, book, age and staleness are those drawn carries a trade alone:
            # it moves the chart only (the ticker row, the depth and the preview read none of it)
            moved = [view for pair, view in markets.items() if pair not in views or _moved(views[pair], view)]
            views.update(markets)
            if moved:
                now = self.clock()
                self._tickers.show(moved, now)
                self._check_price_alerts(moved)
                self._show_connection(now)
            if self._depth_pair in markets:  # the form's pair: its chart, and book and rules if moved
                if any(view.pair == self._depth_pair for view in moved):
                    self._form_book_due = True
                self._form_chart_due = True
                self._draw_form_pair()
        if "bucket" in kinds:
            self._bucket.show(self.engine.bucket_snapshot())
        if "safety" in kinds:
            status, self._pending_safety = self._pending_safety, None
            self._show_safety(status)
        if "orders" in kinds or "balances" in kinds:
            self._spawn(self._load_orders_and_balances, "orders", "refresh orders")
        if "audit" in kinds and isinstance(self.screen, AuditScreen):
            self.screen.reload()
        if "balances" in kinds and isinstance(self.screen, BalancesScreen):
            self.screen.reload()
        if "market" in kinds and isinstance(self.screen, BookScreen):
            self.screen.show(self.engine.market(self.screen.pair))

    def _draw_form_pair(self) -> None:
        """The form pair's parts due: at once, or during a flood at most FORM_FLOOD_PER_SECOND
        (a loop callback then draws the newest state; the ticker rows never wait for it)."""
        loop = asyncio.get_running_loop()
        due = self._last_form_draw + 1 / FORM_FLOOD_PER_SECOND
        if self._flooding and loop.time() < due:
            if self._form_at is None:
                self._form_at = loop.call_at(due, self._form_due)
            return
        if self._form_at is not None:
            self._form_at.cancel()
            self._form_at = None
        book, chart = self._form_book_due, self._form_chart_due
        self._form_book_due = self._form_chart_due = False
        self._last_form_draw = loop.time()
        if book:
            self._show_form_pair()
            self._update_preview()
        elif chart:
            self._show_chart()

    def _form_due(self) -> None:
        """The deferred form-pair draw's loop callback; behind a key already waiting, as a redraw."""
        self._form_at = None
        if self._cannot_draw:
            return
        self._draw_behind_waiting_keys(self._draw_form_pair)

    # -- alerts ------------------------------------------------------------------------------
    def _write_to_terminal(self, text: str) -> None:
        if self._driver is not None:  # as App.bell does: an escape for the terminal itself
            self._driver.write(text)

    def ring(self, kind: str, message: str, *, severity: SeverityLevel = "warning") -> None:
        """Bell, a toast, the alert log and (when enabled) a desktop notification."""
        self.alerts.record(self.clock(), kind, message)
        self.bell()
        self.notify(message, title=f"Alert: {kind}", severity=severity, timeout=10)
        self._desktop(f"valr-tui {kind}", message)
        if isinstance(self.screen, AlertsScreen):
            self.screen.refresh_tables()

    def _check_price_alerts(self, views: list[MarketView]) -> None:
        if not self.alerts.active:
            return
        for view in views:
            if view.ticker is not None and view.ticker.last > 0 and not view.stale:
                for alert in self.alerts.check(view.pair, view.ticker.last):
                    last = quoted_price(view.ticker.last, view.pair)
                    self.ring("PRICE", f"{alert.describe()}: last {last}")

    def _ring_for_safety(self, status: SafetyStatus) -> None:
        # a LOCKDOWN carried over from the last run rings too: the trader must see it
        previous, self._alerted_state = self._alerted_state, status.state
        if status.state is previous or status.state not in (SafetyState.LOCKDOWN, SafetyState.SAFE_IDLE):
            return
        self.ring(status.state.label, status.reason or status.state.label, severity="error")

    def _ring_for_fills(self, orders: list[OrderRecord]) -> None:
        filled = {o.correlation_id: o.filled_quantity for o in orders}
        seen, self._seen_filled = self._seen_filled, filled
        if seen is None:
            return  # the first load: what was filled before is not news
        for order in orders:
            before = seen.get(order.correlation_id, Decimal(0))
            if order.filled_quantity > before:
                self.ring("FILL", f"{order.side} {crypto(order.filled_quantity - before)} {order.pair}"
                          f" @ {quoted_price(order.price, order.pair)} ({order.state.value})"
                          f" {order.correlation_id}",
                          severity="information")

    def action_show_alerts(self) -> None:
        if not isinstance(self.screen, AlertsScreen):
            pair = str(self.main.query_one("#pair", Select).value)
            self.push_screen(AlertsScreen(self.alerts, pair, self._last_price))

    def _last_price(self, pair: str) -> Decimal | None:
        ticker = self.engine.market(pair).ticker
        return None if ticker is None or ticker.last <= 0 else ticker.last

    def _show_safety(self, status: SafetyStatus | None = None) -> None:
        """Draw ``status`` (the event's), or the engine's own when no event carried one."""
        if status is None:
            status = self.engine.safety_status()
        self._ring_for_safety(status)
        self._shown_safety = status.state
        main = self.main
        self._status.show_safety(status)
        main.query_one(SafetyBanner).show(status, UNLOCK_PHRASE)
        locked = status.state is SafetyState.LOCKDOWN
        self._form.disabled = locked
        if locked != self._shown_locked:  # the footer (unlock key) changes only with LOCKDOWN;
            self._shown_locked = locked  # rebuilding it on every safety event cost ~0.2 s at start
            self.refresh_bindings()
        self._show_form_pair()  # the spread line says STALE / SAFE-IDLE instead of "ok"
        self._update_preview()

    async def _load_orders_and_balances(self) -> None:
        orders = await self.engine.orders()
        self._ring_for_fills(orders)
        fills = await self._fills_of(orders)
        self.main.query_one(OrdersTable).show(orders, fills)
        self._show_order_detail()
        self._open_orders = orders
        await self._load_chart_marks()
        if isinstance(self.screen, BookScreen):  # own orders are marked on the ladder
            self.screen.show(self.engine.market(self.screen.pair), orders)
        balances = await self.engine.balances()
        self.main.query_one(StatusBar).show_balances(
            balances,
            paper=self.engine.execution_mode == "DRY_RUN",
            has_credentials=self.engine.settings.has_credentials,
        )

    async def _fills_of(self, orders: list[OrderRecord]) -> dict[str, list[FillRecord]]:
        """Fills of the orders that have any; read again only when an order's filled quantity
        changes, so a redraw of an unchanged table costs no query."""
        fills: dict[str, list[FillRecord]] = {}
        for order in orders:
            if order.filled_quantity == 0:
                continue
            cached = self._fills_cache.get(order.correlation_id)
            if cached is None or cached[0] != order.filled_quantity:
                cached = (order.filled_quantity, await self.engine.fills(order.correlation_id))
                self._fills_cache[order.correlation_id] = cached
            fills[order.correlation_id] = cached[1]
        return fills

    @on(OrdersTable.RowHighlighted, "#orders")
    def _show_order_detail(self) -> None:
        order = self.main.query_one(OrdersTable).selected_order()
        fills = self._fills_cache.get(order.correlation_id, (None, []))[1] if order else []
        self.main.query_one(OrderDetail).show(order, fills)

    # -- workers and their errors (one place) --------------------------------------------------
    def _spawn(
        self, work: Callable[[], Coroutine[Any, Any, Any]], group: str, description: str
    ) -> Worker[Any]:
        # A callable, not a coroutine: an exclusive worker replaced before it starts never runs,
        # and a coroutine object left unawaited would warn.
        return self.run_worker(work, group=group, description=description, exit_on_error=False,
                               exclusive=group != "submit")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        what = event.worker.description or event.worker.name or "background task"
        if isinstance(error, ValrTuiError):
            self.notify(f"{error.code}: {redact(error.message)}", title=f"{what} failed", severity="error",
                        timeout=8)
        else:
            log.error("%s failed", what, exc_info=error)
            # crash_line redacts before it cuts: the text may quote a credential
            line = crash_line(error or RuntimeError("unknown error"))
            self.notify(line, title=f"{what} failed", severity="error", timeout=8)

    # -- order form ----------------------------------------------------------------------------
    @on(Input.Changed, "#order-form Input")
    @on(Select.Changed, "#order-form Select")
    def _form_changed(self, event: Input.Changed | Select.Changed) -> None:
        if isinstance(event, Select.Changed) and event.select.id == "pair" and event.value != Select.NULL:
            self._depth_pair = str(event.value)
            self._tickers.select_pair(self._depth_pair)
            self._show_form_pair()
            self._spawn(self._load_chart_marks, "chart-marks", "load chart marks")
        self._update_preview()

    def _update_preview(self) -> None:
        """Judge the form's order (the engine's rules) and show the verdict; an empty form needs
        no judging."""
        form = self._form
        if form.disabled:
            form.show_locked()
        elif not form.has_amounts():
            form.show_empty()
        else:
            request = form.request()
            taker = options = None
            amounts = self._typed_amounts(request)
            if amounts is not None:
                price, quantity, view = amounts
                options = options_note(request.side, price, quantity, view, post_only=request.post_only,
                                       time_in_force=request.time_in_force)
                # with post-only, IOC or FOK the options line says what fills; the taker line
                # (which assumes the rest rests) would contradict it
                taker = expected_taker_fill(request.side, price, quantity, view) if options is None else None
            form.show_preview(self.engine.preview(request), taker=taker, options=options)

    def _typed_amounts(self, request: OrderRequest) -> tuple[Decimal, Decimal, MarketView] | None:
        """The form's price and quantity as numbers with its pair's market, for the preview's
        lines about the book (what crosses, what the options mean); None until both are numbers."""
        price, quantity = str(request.price), str(request.quantity)
        if not (_is_number(price) and _is_number(quantity)) or request.pair not in self.engine.pairs:
            return None
        return (DecimalGateway.to_decimal(price.strip()), DecimalGateway.to_decimal(quantity.strip()),
                self.engine.market(request.pair))

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.action_submit_order()

    @on(Input.Submitted, "#order-form Input")
    def _input_submitted(self) -> None:
        """Enter in a field moves to the next one (the note's next is Submit): an order is sent
        only by ctrl+s or by pressing Submit itself, never by finishing a number."""
        self.main.focus_next()

    def action_submit_order(self) -> None:
        if self.screen is not self.main:
            return
        form = self.main.query_one(OrderForm)
        if form.disabled:
            self.notify("Order entry is disabled while in LOCKDOWN.", severity="error")
            return
        request = form.request()
        if self.engine.execution_mode != "LIVE":
            self._spawn(partial(self._submit, request), "submit", "submit order")
            return
        value = self.engine.preview(request).value_zar
        shown = zar(value) if value is not None else "an unknown value"
        question = (f"LIVE order on VALR: {request.side} {request.quantity} {request.pair} @ {request.price}"
                    f" ({shown}). Send it?")

        twice = value is not None and value > self.engine.settings.confirm_twice_zar
        limit = zar(self.engine.settings.confirm_twice_zar)

        def confirmed_again(answer: bool | None) -> None:
            if answer:
                self._spawn(partial(self._submit, request), "submit", "submit order")

        def confirmed(answer: bool | None) -> None:
            if answer and twice:  # a large LIVE order: a second, separate question
                self.push_screen(ConfirmScreen(
                    f"Second confirmation: {shown} is above CONFIRM_TWICE_ZAR {limit}. Really send"
                    f" {request.side} {request.quantity} {request.pair} @ {request.price} to VALR?",
                    danger=True), confirmed_again)
            else:
                confirmed_again(answer)

        self.push_screen(ConfirmScreen(question, danger=True), confirmed)

    async def _submit(self, request: OrderRequest) -> OrderResult:
        result = await self.engine.submit(request)
        kind = "simulated" if result.is_simulated else "LIVE"
        if result.state is OrderState.UNKNOWN:
            self.notify(f"{result.message}\ncorrelation {result.correlation_id}",
                        title="Order outcome UNKNOWN", severity="error")
        else:
            self.notify(f"{result.order_id} ({kind}) {result.state.value}\ncorrelation"
                        f" {result.correlation_id}", title="Order accepted")
        self.main.query_one(OrderForm).clear_amounts()
        await self._load_orders_and_balances()
        return result

    async def action_quit(self) -> None:
        """ctrl+q: with LIVE orders still open on VALR, or orders of unknown outcome, ask first
        (they keep trading, or stay unresolved, while the app is away)."""
        if isinstance(self.screen, ConfirmScreen):
            return
        orders = await self.engine.orders(limit=500)
        live_open = [o for o in orders if o.execution_mode == "LIVE" and o.state.is_open
                     and o.state is not OrderState.UNKNOWN]
        unknown = [o for o in orders if o.state is OrderState.UNKNOWN]
        if not live_open and not unknown:
            self.exit()
            return
        parts = []
        if live_open:
            parts.append(f"{len(live_open)} LIVE order(s) still open on VALR (they keep trading)")
        if unknown:
            parts.append(f"{len(unknown)} order(s) of UNKNOWN outcome (looked up at the next start)")
        question = f"{' and '.join(parts)}. Quit anyway?"

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.exit()

        self.push_screen(ConfirmScreen(question, danger=True), confirmed)

    # -- chart and pair picker -----------------------------------------------------------------
    def _show_form_pair(self) -> None:
        """The form pair's spread line, book and chart, from its newest view."""
        view = self._views.get(self._depth_pair)
        self._spread.show([view] if view is not None else [], self._depth_pair, self._shown_safety)
        self._show_chart()

    def _show_chart(self) -> None:
        """Draw the form pair's candles; load them when missing or older than one period (the
        stream extends them with every trade, so a reload is only needed after a quiet spell). A
        failed load is retried at most every CHART_RETRY_S and said on the chart, not in toasts."""
        pair, period = self._depth_pair, self._chart_period
        key = (pair, period.seconds)
        series = self.engine.candles(pair, period.seconds)
        now = self.clock()
        due = series.loaded_at is None or now - series.loaded_at > max(CHART_RELOAD_MIN_S, period.seconds)
        tried = self._chart_tried.get(key)
        if due and key not in self._chart_loading and (tried is None or now - tried >= CHART_RETRY_S):
            self._chart_loading.add(key)
            self._chart_tried[key] = now
            self._spawn(partial(self._load_candles, pair, period.seconds), f"chart-{pair}-{period.label}",
                        f"load {pair} {period.label} candles")
        self._chart.show(series, period, tick=self.engine.tick_size(pair), loading=key in self._chart_loading,
                         problem=self._chart_problems.get(key))

    async def _load_candles(self, pair: str, period_s: int) -> None:
        key = (pair, period_s)
        try:
            await self.engine.load_candles(pair, period_s)
            self._chart_problems.pop(key, None)
        except ValrTuiError as exc:
            self._chart_problems[key] = f"{exc.code}: {exc.message}"
        finally:
            self._chart_loading.discard(key)
            if not self._cannot_draw:
                self._show_chart()

    async def _load_chart_marks(self) -> None:
        """Our open orders on the chart's pair (lines) and its fills in view (▲ ▼)."""
        pair = self._depth_pair
        since_ms = int((self.clock() - MAX_CANDLES * self._chart_period.seconds) * 1000)
        fills = await self.engine.pair_fills(pair, since_ms)
        orders = [OrderMark(o.side, o.price) for o in self._open_orders if o.pair == pair and o.state.is_open]
        marks = [FillMark(f.side, f.price, f.traded_at // 1000) for f in fills]
        if not self._cannot_draw:
            self.main.query_one(PriceChart).show_marks(orders, marks)

    def action_cycle_chart_period(self) -> None:
        index = CHART_PERIODS.index(self._chart_period)
        self.action_chart_period(CHART_PERIODS[(index + 1) % len(CHART_PERIODS)].label)

    def action_chart_period(self, label: str) -> None:
        if self.screen is not self.main:
            return
        self._chart_period = period_named(label)
        self._show_chart()
        self.main.query_one(PriceChart).scroll_visible(animate=False)  # narrow: the chart may be off screen
        self._spawn(self._load_chart_marks, "chart-marks", "load chart marks")

    def action_pick_pair(self) -> None:
        if self.screen is not self.main:
            return
        lines = {}
        for pair in self.engine.pairs:
            ticker = self.engine.market(pair).ticker
            if ticker is not None:
                places = tick_places(self.engine.tick_size(pair), ticker.last)
                change = pct(ticker.change_pct, signed=True)
                lines[pair] = f"{price_text(ticker.last, places):>14}  {change:>8}"

        def chosen(pair: str | None) -> None:
            if pair is not None and pair != self._depth_pair:
                self.main.query_one("#pair", Select).value = pair  # Select.Changed does the rest

        self.push_screen(PairPickerScreen(self.engine.pairs, lines, self._depth_pair), chosen)

    # -- orders --------------------------------------------------------------------------------
    def action_cancel_order(self) -> None:
        if (order := self._selected_main_order()) is not None:
            self._ask_cancel(order)

    def action_amend_order(self) -> None:
        if (order := self._selected_main_order()) is not None:
            self._ask_amend(order)

    def _selected_main_order(self) -> OrderRecord | None:
        """The dashboard's selected order, or None (with a hint when nothing is selected)."""
        if self.screen is not self.main:
            return None
        order = self.main.query_one(OrdersTable).selected_order()
        if order is None:
            self.notify("No order selected: ctrl+o focuses the orders table.", severity="warning")
        return order

    def _ask_amend(self, order: OrderRecord) -> None:
        cid = order.correlation_id
        if order.state not in (OrderState.OPEN, OrderState.PARTIALLY_FILLED):
            self.notify(f"{cid} is {order.state.value}: only an open order can be amended.",
                        severity="warning")
            return

        def amended(record: OrderRecord | None) -> None:
            if record is not None:
                self.notify(f"{cid}: {record.side} {crypto(record.quantity)} {record.pair} @"
                            f" {quoted_price(record.price, record.pair)} ({record.state.value})",
                            title="Order amended")

        self.push_screen(AmendScreen(order, partial(self.engine.amend_problems, order),
                                     partial(self.engine.amend, cid)), amended)

    def _ask_cancel(self, order: OrderRecord) -> None:
        cid = order.correlation_id
        if not order.state.is_open:
            self.notify(f"{cid} is {order.state.value}: there is nothing to cancel.", severity="warning")
            return
        question = (f"Cancel order {cid} ({order.state.value}): {order.side} {crypto(order.quantity)}"
                    f" {order.pair} @ {quoted_price(order.price, order.pair)}?")

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._spawn(partial(self._cancel, cid), "cancel", "cancel order")

        self.push_screen(ConfirmScreen(question), confirmed)

    async def _cancel(self, correlation_id: str) -> None:
        record = await self.engine.cancel(correlation_id)
        self.notify(f"{record.correlation_id} is {record.state.value}", title="Cancel")
        await self._after_orders_changed()

    async def _after_orders_changed(self) -> None:
        await self._load_orders_and_balances()
        if isinstance(self.screen, OrdersScreen):
            self.screen.reload()

    def _ask_cancel_pair(self, pair: str) -> None:
        self._spawn(partial(self._confirm_cancel_pair, pair), "cancel", "cancel all")

    async def _confirm_cancel_pair(self, pair: str) -> None:
        open_orders = [o for o in await self.engine.orders() if o.pair == pair and o.state.is_open]
        if not open_orders:
            self.notify(f"No open {pair} orders.", severity="warning")
            return
        question = f"Cancel all {len(open_orders)} open {pair} orders?"

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._spawn(partial(self._cancel_all, open_orders), "cancel", "cancel all")

        self.push_screen(ConfirmScreen(question, danger=True), confirmed)

    async def _cancel_all(self, orders: list[OrderRecord]) -> None:
        """One by one, so one refusal (already filled) does not stop the rest."""
        done, failed = 0, []
        for order in orders:
            try:
                await self.engine.cancel(order.correlation_id)
                done += 1
            except ValrTuiError as exc:
                failed.append(f"{order.correlation_id}: {exc.code}")
        text = f"{done} of {len(orders)} {orders[0].pair} orders cancelled"
        if failed:
            text += "; not cancelled: " + ", ".join(failed)
        self.notify(text, title="Cancel all", severity="error" if failed else "information")
        await self._after_orders_changed()

    @on(OrdersTable.RowSelected, "#orders")
    def _row_selected(self, event: OrdersTable.RowSelected) -> None:
        """Enter on an order: its audit story."""
        if event.row_key.value is not None:
            self._show_story(str(event.row_key.value))

    def _show_story(self, correlation_id: str) -> None:
        self.push_screen(AuditScreen(self.engine, correlation_id))

    def action_show_orders(self) -> None:
        if not isinstance(self.screen, OrdersScreen):
            self.push_screen(OrdersScreen(
                self.engine, self._fills_of, self._ask_cancel, self._ask_cancel_pair, self._show_story,
                self._ask_amend))

    def action_focus_orders(self) -> None:
        if self.screen is self.main:
            self.main.query_one(OrdersTable).focus()

    def action_focus_form(self) -> None:
        form = self.main.query_one(OrderForm)
        if self.screen is self.main and not form.disabled:
            self.main.query_one("#price", Input).focus(scroll_visible=False)
            # a narrow screen scrolls: the whole form from its title, never a pane cut at the top
            self.main.query_one("#body", VerticalScroll).scroll_to_widget(form, animate=False, top=True)

    # -- screens, safety, demo -----------------------------------------------------------------
    def action_help(self) -> None:
        rows = [(key_text(a.key), a.label, a.help) for a in ACTIONS]
        if self.demo is not None:
            rows += [(key, name, "demo: the simulator misbehaves for a while")
                     for kind, key, _label, name in DEMO_FAULTS if kind in self.demo.kinds]
        self.push_screen(HelpScreen(rows))

    def action_show_audit(self) -> None:
        if not isinstance(self.screen, AuditScreen):
            self.push_screen(AuditScreen(self.engine))

    def action_show_book(self) -> None:
        if isinstance(self.screen, BookScreen):
            return
        pair = str(self.main.query_one("#pair", Select).value)
        self.push_screen(BookScreen(self.engine, pair, self._copy_price, self._quantity_preset))

    def _back_to_form(self) -> None:
        while self.screen is not self.main and isinstance(self.screen, BookScreen):
            self.pop_screen()

    def _copy_price(self, price: Decimal) -> None:
        """A price from the book into the form; the quantity is next to type."""
        self._back_to_form()
        self.main.query_one("#price", Input).value = DecimalGateway.to_wire(price)
        # after the screen switch, which gives focus back to the widget that had it
        self.call_after_refresh(self.main.query_one("#quantity", Input).focus)

    def _quantity_preset(self, pct: Decimal, level_price: Decimal | None = None) -> None:
        self._spawn(partial(self._fill_quantity, pct, level_price), "preset", "quantity preset")

    async def _fill_quantity(self, pct: Decimal, level_price: Decimal | None) -> None:
        """``pct`` % of what is available for the form's side, at the form's price (else the
        selected level's, else the best price the order would meet)."""
        request = self.main.query_one(OrderForm).request()
        pair, side = request.pair, request.side
        price = DecimalGateway.to_decimal(request.price) if _is_number(str(request.price)) else level_price
        if price is None:
            ticker = self.engine.market(pair).ticker
            price = None if ticker is None else ticker.ask if side == "BUY" else ticker.bid
        if price is None or price <= 0:
            self.notify("Type a price first: there is no market price to size the order at.",
                        severity="warning")
            return
        meta = self.engine.pair_metadata(pair)
        quantity = preset_quantity(side, pct, price, meta, await self.engine.balances(),
                                   self.engine.settings.taker_fee_pct)
        self._back_to_form()
        self.main.query_one("#quantity", Input).value = DecimalGateway.to_wire(quantity)
        spend = meta.quote_currency if side == "BUY" else meta.base_currency
        at = DecimalGateway.format_price(price, meta.quote_currency)
        self.notify(f"{pct}% of the available {spend} at {at}:"
                    f" {crypto(quantity)} {meta.base_currency}", title="Quantity preset")

    def action_show_balances(self) -> None:
        if not isinstance(self.screen, BalancesScreen):
            self.push_screen(BalancesScreen(self.engine))

    def action_show_journal(self) -> None:
        if not isinstance(self.screen, JournalScreen):
            self.push_screen(JournalScreen(self.engine))

    def action_reconcile(self) -> None:
        self._spawn(self._reconcile, "reconcile", "reconcile now")

    async def _reconcile(self) -> None:
        report = await self.engine.reconcile_now()
        # the report's message quotes the deviation as the LOCKDOWN banner does: one figure
        text = report.message
        status = self.engine.safety_status()
        if status.state is SafetyState.LOCKDOWN and status.reason != report.message:
            text += "\n(LOCKDOWN stays until unlocked; it was entered on the check in the banner)"
        verdict = "OK" if report.ok else ("MISMATCH" if report.completed else "FAILED")
        self.notify(text, title=f"Reconciliation {verdict}",
                    severity="information" if report.ok else "error")
        self._pending.update(("safety", "audit"))
        self._redraw()

    def action_unlock(self) -> None:
        if isinstance(self.screen, UnlockScreen):
            return  # ctrl+u is a priority key: inside the open dialog it must not stack another
        if self.engine.safety_status().state is not SafetyState.LOCKDOWN:
            self.notify("Not in LOCKDOWN: nothing to unlock.")
            return

        def answered(request: UnlockRequest | None) -> None:
            if request is not None:
                self.notify(f"LOCKDOWN cleared by {request.operator}", title="Unlocked")
                self._pending.update(("safety", "audit"))
                self._redraw()

        self.push_screen(UnlockScreen(self._unlock), answered)

    async def _unlock(self, request: UnlockRequest) -> None:
        await self.engine.unlock(request.operator, request.reason, request.typed_confirmation)

    def action_inject_fault(self, kind: str) -> None:
        if self.demo is None or kind not in self.demo.kinds:
            return
        self._spawn(partial(self._inject, kind), f"fault-{kind}", f"inject {kind}")

    async def _inject(self, kind: str) -> None:
        assert self.demo is not None
        self.notify(await self.demo.inject_fault(kind), title=f"Demo: {FAULT_NAMES.get(kind, kind)}",
                    severity="warning")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MAIN_SCREEN_ACTIONS and self.screen is not self.main:
            return False  # hidden from the footer of the audit and journal screens
        if action == "inject_fault":
            return self.demo is not None and parameters[0] in self.demo.kinds
        if action == "unlock":
            return self.engine.safety_status().state is SafetyState.LOCKDOWN
        return True

    # -- command palette -----------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for a in ACTIONS:
            if a.action == "quit":
                continue  # Textual's own "Quit" entry runs the same action
            yield SystemCommand(a.label, f"{a.help} ({key_text(a.key)})", self._palette_callback(a.action))
        for key, share in QUANTITY_PRESETS.items():
            yield SystemCommand(f"Quantity {share}% of available", f"size the form's order (book: {key})",
                                partial(self._quantity_preset, share))
        for period in CHART_PERIODS:
            yield SystemCommand(f"Chart: {period.name} candles", f"{period.label} candles (ctrl+g cycles)",
                                self._palette_callback(f"chart_period('{period.label}')"))
        if self.demo is not None:
            for kind, key, _label, name in DEMO_FAULTS:
                if kind in self.demo.kinds:
                    yield SystemCommand(f"Demo: {name}", f"the simulator misbehaves for a while ({key})",
                                        self._palette_fault(kind))

    def _palette_callback(self, action: str) -> Callable[[], Any]:
        return lambda: self.run_action(action)

    def _palette_fault(self, kind: str) -> Callable[[], Any]:
        return lambda: self.action_inject_fault(kind)


def run_app(engine: TradingEngineAPI, demo: DemoControls | None = None) -> int:
    """Run the dashboard until the user quits; the return code is the App's (0 on a normal quit).
    An engine that cannot start ends it with one coded line on stderr, after the terminal is
    restored."""
    app = ValrApp(engine, demo=demo)
    app.run()
    if app.start_error is not None:
        print(f"valr-tui: {crash_line(app.start_error)}", file=sys.stderr)
    if app.crash_message is not None:
        print(f"valr-tui: {app.crash_message}", file=sys.stderr)
    return app.return_code or 0
