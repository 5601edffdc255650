"""Fakes and builders for the order-manager, paper and LIVE-order tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from storage.db import Database
from valr_tui.config import Settings
from valr_tui.errors import OrderNotFoundError, StaleMarketDataError, ValrTuiError
from valr_tui.exchange.models import (
    AccountTrade,
    Balance,
    BookLevel,
    OrderAck,
    OrderBook,
    OrderStatus,
    Pair,
    TickerData,
)
from valr_tui.secrets import Secret
from valr_tui.trading.clock import ManualClock
from valr_tui.trading.order_manager import OrderManager
from valr_tui.trading.paper import PaperVenue
from valr_tui.trading.safety import SafetyController
from valr_tui.trading.valr_venue import ValrVenue
from valr_tui.trading.venue import Venue
from valr_tui.trading.views import MarketView

D = Decimal
OPEN_DBS: list[Database] = []


async def open_db(path: str = ":memory:") -> Database:
    """A migrated database that ``close_dbs`` closes after the test (aiosqlite runs a thread)."""
    db = await Database.open(path)
    OPEN_DBS.append(db)
    return db


async def close_dbs() -> None:
    while OPEN_DBS:
        await OPEN_DBS.pop().close()


def pair(symbol: str, base: str, min_base: str, active: bool = True) -> Pair:
    return Pair(symbol, base, "ZAR", D("1"), 8, D(min_base), D("100"), D("10"), D("5000000"), active)


PAIRS: dict[str, Pair] = {
    "BTCZAR": pair("BTCZAR", "BTC", "0.00001"),
    "ETHZAR": pair("ETHZAR", "ETH", "0.0002"),
    "DOGEZAR": pair("DOGEZAR", "DOGE", "1", active=False),
}


def view(
    symbol: str,
    bid: str,
    ask: str,
    last: str | None = None,
    *,
    asks: Iterable[tuple[str, str]] | None = None,
    bids: Iterable[tuple[str, str]] | None = None,
    at: float = 1_760_000_000.0,
    sequence: int = 1,
) -> MarketView:
    ticker = TickerData(
        symbol, D(bid), D(ask), D(last or bid), D(0), D(0), D(0), D(0), D(0), D(0), "", at
    )
    book = None
    if asks is not None or bids is not None:
        book = OrderBook(
            symbol,
            tuple(BookLevel(D(p), D(q)) for p, q in (asks or ())),
            tuple(BookLevel(D(p), D(q)) for p, q in (bids or ())),
            sequence=sequence,
        )
    return MarketView(symbol, ticker, book, at, False)


class FakeMarket:
    def __init__(self) -> None:
        self.views: dict[str, MarketView] = {
            "BTCZAR": view("BTCZAR", "1000000", "1001000", "1000500"),
            "ETHZAR": view("ETHZAR", "50000", "50050", "50020"),
        }

    def market(self, pair: str) -> MarketView:
        return self.views[pair]


def market_check(v: MarketView, now: float, settings: Settings) -> list[ValrTuiError]:
    """Stands in for market_rules.check_market: stale flag or missing ticker only."""
    if v.stale or v.ticker is None:
        return [StaleMarketDataError(f"market data for {v.pair} is stale")]
    return []


@dataclass
class FakeClient:
    """Records every call; answers from ``orders`` (by customerOrderId) like VALR would."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    orders: dict[str, OrderStatus] = field(default_factory=dict)
    trades: list[AccountTrade] = field(default_factory=list)
    balances: list[Balance] = field(
        default_factory=lambda: [Balance("ZAR", D("100000"), D(0), D("100000")),
                                 Balance("BTC", D("1"), D(0), D("1"))]
    )
    place_error: ValrTuiError | None = None
    place_error_after_placing: bool = False  # the order lands, but the answer is lost
    get_error: ValrTuiError | None = None
    cancel_error: ValrTuiError | None = None
    balance_error: ValrTuiError | None = None
    cancel_lags: bool = False  # VALR's 202: accepted, cancelled only later (or never, if it fills)

    @property
    def order_calls(self) -> list[tuple[str, Any]]:
        return [c for c in self.calls if c[0] in ("place_limit_order", "cancel_order")]

    async def place_limit_order(
        self, pair: str, side: Any, quantity: Decimal, price: Decimal, customer_order_id: str,
        *, post_only: bool = False, time_in_force: str = "GTC",
    ) -> OrderAck:
        self.calls.append(("place_limit_order", (pair, side, quantity, price, customer_order_id)))
        if self.place_error is not None and not self.place_error_after_placing:
            raise self.place_error
        order_id = f"valr-{len(self.orders) + 1}"
        self.orders[customer_order_id] = OrderStatus(
            order_id, pair, side, "Placed", price, quantity, quantity, customer_order_id
        )
        if self.place_error is not None:
            raise self.place_error
        return OrderAck(order_id, customer_order_id)

    async def cancel_order(
        self, pair: str, *, order_id: str | None = None, customer_order_id: str | None = None
    ) -> None:
        self.calls.append(("cancel_order", (pair, customer_order_id)))
        if self.cancel_error is not None:
            raise self.cancel_error
        status = self.orders.get(customer_order_id or "")
        if status is None or not status.is_open:
            raise OrderNotFoundError("Invalid Order.")
        if not self.cancel_lags:
            self.orders[customer_order_id or ""] = _with(status, status="Cancelled")

    async def get_order(
        self, pair: str, *, order_id: str | None = None, customer_order_id: str | None = None
    ) -> OrderStatus:
        self.calls.append(("get_order", customer_order_id))
        if self.get_error is not None:
            raise self.get_error
        status = self.orders.get(customer_order_id or "")
        if status is None:
            raise OrderNotFoundError("Invalid Order.")
        return status

    async def get_trade_history(self, pair: str | None = None, limit: int = 100) -> list[AccountTrade]:
        self.calls.append(("get_trade_history", pair))
        return [t for t in self.trades if pair is None or t.pair == pair]

    async def get_balances(self) -> list[Balance]:
        self.calls.append(("get_balances", None))
        if self.balance_error is not None:
            raise self.balance_error
        return list(self.balances)

    async def get_open_orders(self) -> list[OrderStatus]:
        self.calls.append(("get_open_orders", None))
        return [o for o in self.orders.values() if o.is_open]

    time_offset_s: float = 0.0

    async def sync_server_time(self) -> float:
        return self.time_offset_s


def _with(original: OrderStatus, **changes: Any) -> OrderStatus:
    from dataclasses import replace

    return replace(original, **changes)


def fill_on_exchange(client: FakeClient, cid: str, quantity: str, price: str, trade_id: str) -> None:
    """Make VALR report a (partial) fill of the order with customerOrderId ``cid``."""
    status = client.orders[cid]
    remaining = status.remaining_quantity - D(quantity)
    client.orders[cid] = _with(
        status, remaining_quantity=remaining, status="Filled" if remaining == 0 else "Partially Filled"
    )
    client.trades.append(AccountTrade(
        status.pair, status.side, D(price), D(quantity), D("0.00000100"), "BTC", status.order_id,
        "2026-11-24T10:00:00.123Z", trade_id, 1, cid,
    ))


def settings(**overrides: Any) -> Settings:
    base: dict[str, Any] = {"db_path": ":memory:", "log_path": ""}
    base.update(overrides)
    return Settings(**base)


def live_settings(**overrides: Any) -> Settings:
    live: dict[str, Any] = {
        "execution_mode": "LIVE", "live_trading_confirmed": True,
        "api_key": Secret("key-123456"), "api_secret": Secret("secret-abcdef"),
    }
    return settings(**{**live, **overrides})


@dataclass
class Harness:
    manager: OrderManager
    db: Database
    safety: SafetyController
    market: FakeMarket
    client: FakeClient
    paper: PaperVenue | None
    clock: ManualClock
    venue: Venue


async def build(cfg: Settings | None = None, *, db: Database | None = None,
                client: FakeClient | None = None, market: FakeMarket | None = None,
                clock: ManualClock | None = None) -> Harness:
    cfg = cfg or settings()
    clock = clock or ManualClock()
    db = db or await open_db()
    safety = SafetyController(db, clock)
    market = market or FakeMarket()
    client = client or FakeClient()
    paper = None if cfg.is_live else PaperVenue(cfg, db, clock, market=market)
    venue: Venue = ValrVenue(client, cfg, clock, pairs=PAIRS) if cfg.is_live else paper  # type: ignore[assignment]
    manager = await OrderManager.create(cfg, db, safety, market, PAIRS, venue, clock,
                                        market_check=market_check)
    return Harness(manager, db, safety, market, client, paper, clock, venue)


# --- the simulator ------------------------------------------------------------------------------
SIM_KEY, SIM_SECRET = "sim-key-0001", "sim-secret-0001"


class SimMarket:
    """A market-data provider that reads the simulator through a real VALRClient."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.views: dict[str, MarketView] = {}

    async def refresh(self, pair: str) -> MarketView:
        import time

        ticker = await self.client.get_ticker(pair)
        book = await self.client.get_orderbook(pair)
        self.views[pair] = MarketView(pair, ticker, book, time.time(), False)
        return self.views[pair]

    def market(self, pair: str) -> MarketView:
        return self.views[pair]


def order_endpoint_calls(request_log: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Requests that place, cancel or look up orders (not market data, balances or history)."""
    return [(m, p) for m, p in request_log if p.startswith("/v1/orders")]


@dataclass(frozen=True, slots=True)
class StoredFill:
    """One ``order_fills`` row as the tests read it back."""

    trade_id: str
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_currency: str
    is_maker: bool
    traded_at: int


async def stored_fills(db: Database, correlation_id: str, execution_mode: str) -> list[StoredFill]:
    """The fills stored for one order, in trading order (a test's direct look at the table)."""
    rows = await db.fetchall(
        "SELECT * FROM order_fills WHERE correlation_id = ? AND execution_mode = ? ORDER BY traded_at, id",
        (correlation_id, execution_mode),
    )
    return [
        StoredFill(r["trade_id"], D(r["price"]), D(r["quantity"]), D(r["fee"]), r["fee_currency"],
                   bool(r["is_maker"]), r["traded_at"])
        for r in rows
    ]
