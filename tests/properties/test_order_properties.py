"""Order properties 3, 4, 5, 6 and 14.

Each property builds its database once and runs every hypothesis example inside one event loop
(``asyncio.Runner``), so a property costs a second or two, not one database per example.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from storage.audit import AuditRepository
from storage.db import Database
from storage.orders import OrderState
from tests.trading.order_fakes import (
    PAIRS,
    SIM_KEY,
    SIM_SECRET,
    FakeClient,
    FakeMarket,
    Harness,
    SimMarket,
    build,
    close_dbs,
    fill_on_exchange,
    live_settings,
    market_check,
    open_db,
    order_endpoint_calls,
    settings,
    view,
)
from valr_tui.config import load_settings
from valr_tui.errors import (
    ConfigError,
    LiveTradingNotConfirmedError,
    MarketOrderRejected,
    OrderRejected,
    ValrTuiError,
)
from valr_tui.exchange.models import Balance, Pair
from valr_tui.exchange.valr_client import VALRClient
from valr_tui.secrets import Secret
from valr_tui.simulator.server import SimulatorServer
from valr_tui.trading.clock import ManualClock, system_clock
from valr_tui.trading.order_manager import CORRELATION_ID_RE, OrderManager
from valr_tui.trading.paper import PaperVenue
from valr_tui.trading.safety import SafetyController
from valr_tui.trading.valr_venue import ValrVenue
from valr_tui.trading.views import OrderRequest

D = Decimal
T = TypeVar("T")
RICH = settings(dry_run_wallet_zar=D("1000000000"), dry_run_wallet_btc=D("1000"),
                dry_run_wallet_eth=D("1000"))


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop
        loop.run(close_dbs())


def run(loop: asyncio.Runner, make: Callable[[], Awaitable[T]]) -> T:
    return loop.run(make())  # type: ignore[arg-type]


async def count(h: Harness, sql: str = "SELECT COUNT(*) FROM trading_orders") -> int:
    row = await h.db.fetchone(sql)
    assert row is not None
    return int(row[0])


# --- Property 3: MARKET order rejection -----------------------------------------------------------
market_like = st.sampled_from(["MARKET", "market", "Market", " MARKET ", "MARKET\n"])
other_types = st.text(max_size=12).filter(lambda t: t.strip().upper() != "LIMIT")
amounts = st.one_of(st.decimals(allow_nan=True, allow_infinity=True, places=3).map(str),
                    st.text(max_size=10), st.sampled_from(["999000", "0.001", "1"]))


@hsettings(max_examples=40)
@given(order_type=st.one_of(market_like, other_types), pair=st.sampled_from(["BTCZAR", "ETHZAR", "X"]),
       side=st.sampled_from(["BUY", "SELL", "sell", "?"]), price=amounts, quantity=amounts)
def test_property_03_market_order_rejection(
    runner: asyncio.Runner, order_type: str, pair: str, side: str, price: str, quantity: str
) -> None:
    h = run(runner, lambda: build(RICH))  # fresh state per example: "never stored" is exact
    request = OrderRequest(pair, side, price, quantity, order_type=order_type)
    assert h.manager.preview(request).problems[0].code == "VALR-ORD-001"
    with pytest.raises(MarketOrderRejected) as caught:
        run(runner, lambda: h.manager.submit(request))
    assert caught.value.code == "VALR-ORD-001"
    assert run(runner, lambda: count(h)) == 0
    assert h.client.calls == []
    run(runner, close_dbs)


# --- Property 4: order value limit ------------------------------------------------------------------
@hsettings(max_examples=50)
@given(price=st.integers(min_value=1, max_value=10**9),
       quantity=st.decimals(min_value=D("0.00001"), max_value=D("50"), places=8),
       limit=st.sampled_from([D("5000"), D("10.01"), D("250000")]))
def test_property_04_order_value_limit_enforcement(
    runner: asyncio.Runner, price: int, quantity: Decimal, limit: Decimal
) -> None:
    h = run(runner, lambda: build(RICH.with_overrides(max_order_zar=limit)))
    request = OrderRequest("BTCZAR", "BUY", str(price), str(quantity))
    value = D(price) * quantity
    try:
        result = run(runner, lambda: h.manager.submit(request))
    except OrderRejected as exc:
        codes = [p.code for p in h.manager.preview(request).problems]
        assert exc.code == codes[0]
        assert ("VALR-ORD-007" in codes) == (value > limit)
        if value > limit:
            assert exc.code == "VALR-ORD-007"  # the only rule such an order breaks before it
        assert run(runner, lambda: count(h)) == 0
    else:
        assert value <= limit
        [record] = run(runner, h.manager.orders)
        assert record.correlation_id == result.correlation_id
        assert record.value_zar == value <= limit
    run(runner, close_dbs)


# --- Property 5: DRY_RUN simulation -----------------------------------------------------------------
@dataclass
class SimEnv:
    sim: SimulatorServer
    client: VALRClient
    market: SimMarket
    pairs: dict[str, Pair]


@pytest.fixture(scope="module")
def sim_env(runner: asyncio.Runner) -> Iterator[SimEnv]:
    """One simulator and one real, signed VALRClient for the whole property."""
    stack = contextlib.AsyncExitStack()

    async def start() -> SimEnv:
        sim = await stack.enter_async_context(
            SimulatorServer(SIM_KEY, SIM_SECRET, seed=1, tick_interval=None))
        cfg = settings(api_key=Secret(SIM_KEY), api_secret=Secret(SIM_SECRET), base_url=sim.base_url)
        client = await stack.enter_async_context(VALRClient.from_settings(cfg))
        pairs = {p.symbol: p for p in await client.get_pairs()}
        return SimEnv(sim, client, SimMarket(client), pairs)

    env = runner.run(start())
    yield env
    runner.run(stack.aclose())


relative_orders = st.tuples(
    st.sampled_from(["BUY", "SELL"]),
    st.integers(min_value=-3000, max_value=3000),
    st.decimals(min_value=D("0.00001"), max_value=D("0.003"), places=5),
)


async def dry_run_flow(env: SimEnv, orders: list[tuple[str, int, Decimal]], cancel_first: bool,
                       steps: int) -> tuple[list[Any], list[Any], list[Any]]:
    cfg = RICH.with_overrides(base_url=env.sim.base_url, api_key=Secret(SIM_KEY),
                              api_secret=Secret(SIM_SECRET))
    db = await open_db()
    paper = PaperVenue(cfg, db, system_clock, market=env.market)
    manager = await OrderManager.create(cfg, db, SafetyController(db), env.market, env.pairs, paper)
    quote = await env.market.refresh("BTCZAR")
    assert quote.ticker is not None
    mid = quote.ticker.last
    results = [
        await manager.submit(OrderRequest("BTCZAR", side, str(mid + ticks), str(quantity)))
        for side, ticks, quantity in orders
    ]
    if cancel_first and results[0].state.is_open:
        await manager.cancel(results[0].correlation_id)
    for _ in range(steps):
        env.sim.exchange.step()
        await paper.on_market(await env.market.refresh("BTCZAR"))
    rows = await db.fetchall("SELECT * FROM trading_orders")
    fills = await db.fetchall("SELECT execution_mode FROM order_fills")
    return results, rows, fills


@hsettings(max_examples=10)
@given(orders=st.lists(relative_orders, min_size=1, max_size=5), cancel_first=st.booleans(),
       steps=st.integers(min_value=0, max_value=3))
def test_property_05_dry_run_simulation(
    runner: asyncio.Runner, sim_env: SimEnv, orders: list[tuple[str, int, Decimal]],
    cancel_first: bool, steps: int,
) -> None:
    log_before = len(sim_env.sim.exchange.request_log)
    results, rows, fills = run(runner, lambda: dry_run_flow(sim_env, orders, cancel_first, steps))
    for result in results:
        assert result.execution_mode == "DRY_RUN" and result.is_simulated
        assert result.order_id.startswith("DRY_")
    assert len(rows) == len(orders)
    assert all(r["is_simulated"] == 1 and r["execution_mode"] == "DRY_RUN" for r in rows)
    assert all(r["valr_order_id"].startswith("DRY_") for r in rows)
    assert all(f["execution_mode"] == "DRY_RUN" for f in fills)
    sent = sim_env.sim.exchange.request_log[log_before:]
    assert sent  # the market data really came from the simulator...
    assert order_endpoint_calls(sent) == []  # ...and no order endpoint was ever reached
    run(runner, close_dbs)


# --- Property 6: LIVE mode safety gate ----------------------------------------------------------------
MODES = ["DRY_RUN", "LIVE", "live", "live?", "", None, "PAPER"]
CONFIRMS = ["true", "TRUE", "false", "", None, "garbage", "yes please"]


async def gate(mode: str | None, confirmed: str | None) -> tuple[str, FakeClient]:
    """Outcome of start-up with these two values: 'LIVE', 'DRY_RUN' or 'REFUSED'."""
    environ = {"VALR_API_KEY": "k-000000", "VALR_API_SECRET": "s-000000", "VALR_DB_PATH": ":memory:"}
    if mode is not None:
        environ["EXECUTION_MODE"] = mode
    if confirmed is not None:
        environ["LIVE_TRADING_CONFIRMED"] = confirmed
    client = FakeClient()
    try:
        cfg = load_settings(environ, env_file=None)
    except ConfigError:
        return "REFUSED", client
    db = await open_db()
    clock = ManualClock()
    market = FakeMarket()
    venue: Any = ValrVenue(client, cfg, clock) if cfg.is_live else PaperVenue(cfg, db, clock, market=market)
    try:
        manager = await OrderManager.create(cfg, db, SafetyController(db, clock), market, PAIRS,
                                            venue, clock, market_check=market_check)
    except (LiveTradingNotConfirmedError, ConfigError):
        return "REFUSED", client
    if manager.execution_mode == "DRY_RUN":
        await manager.submit(OrderRequest("BTCZAR", "BUY", "999000", "0.001"))
    return manager.execution_mode, client


def expected_gate(mode: str | None, confirmed: str | None) -> set[str]:
    normal_mode = (mode or "").strip().upper()
    normal_confirm = (confirmed or "").strip().lower()
    if normal_mode == "LIVE" and normal_confirm == "true":
        return {"LIVE"}
    return {"DRY_RUN", "REFUSED"}


def test_property_06_live_mode_safety_gate_every_combination(runner: asyncio.Runner) -> None:
    for mode, confirmed in itertools.product(MODES, CONFIRMS):
        outcome, client = run(runner, lambda m=mode, c=confirmed: gate(m, c))  # type: ignore[misc]
        assert outcome in expected_gate(mode, confirmed), (mode, confirmed, outcome)
        if outcome != "LIVE":
            assert client.order_calls == [], (mode, confirmed)
        if (mode or "").strip().upper() == "LIVE" and outcome != "LIVE":
            assert outcome == "REFUSED"  # asked for LIVE without confirmation: refused, not DRY_RUN
        run(runner, close_dbs)


@given(mode=st.one_of(st.sampled_from(MODES), st.text(max_size=8)),
       confirmed=st.one_of(st.sampled_from(CONFIRMS), st.text(max_size=8)))
def test_property_06_live_mode_safety_gate_any_text(
    runner: asyncio.Runner, mode: str | None, confirmed: str | None
) -> None:
    outcome, client = run(runner, lambda: gate(mode, confirmed))
    if outcome == "LIVE":
        assert (mode or "").strip().upper() == "LIVE"
        assert (confirmed or "").strip().lower() in {"true", "1", "yes", "on"}
    else:
        assert client.order_calls == []
    run(runner, close_dbs)


# --- Property 14: correlation id traceability --------------------------------------------------------
valid_orders = st.builds(
    lambda side, ticks, quantity: OrderRequest("BTCZAR", side, str(1_000_000 + ticks), str(quantity)),
    st.sampled_from(["BUY", "SELL"]),
    st.integers(min_value=-3000, max_value=3000),
    st.decimals(min_value=D("0.00002"), max_value=D("0.004"), places=5),
)
actions = st.lists(
    st.one_of(
        st.tuples(st.just("submit"), valid_orders),
        st.tuples(st.just("reject"), st.sampled_from([
            OrderRequest("BTCZAR", "BUY", "1e6", "0.001"),
            OrderRequest("BTCZAR", "BUY", "999000", "0.001", order_type="MARKET"),
            OrderRequest("BTCZAR", "BUY", "999000", "5")])),
        st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=10)),
        st.tuples(st.just("market"), st.integers(min_value=-4000, max_value=4000)),
    ),
    min_size=1, max_size=12,
)


async def play(h: Harness, flow: list[tuple[str, Any]], mode: str) -> set[str]:
    rejected: set[str] = set()
    accepted: list[str] = []
    for step, (kind, arg) in enumerate(flow):
        if kind in ("submit", "reject"):
            try:
                accepted.append((await h.manager.submit(arg)).correlation_id)
            except ValrTuiError as exc:
                rejected.add(exc.details["correlation_id"])
        elif kind == "cancel" and accepted:
            record = await h.manager.repo.get(accepted[arg % len(accepted)], mode)
            if record is not None and record.state.is_open:
                await h.manager.cancel(record.correlation_id)
        elif kind == "market" and h.paper is not None:
            mid = 1_000_000 + arg
            await h.paper.on_market(view("BTCZAR", str(mid - 500), str(mid + 500), str(mid),
                                         asks=[(str(mid + 500), "0.002")],
                                         bids=[(str(mid - 500), "0.002")], sequence=step))
        elif kind == "market":  # LIVE: VALR fills half of every open order, then we sync
            for cid, status in list(h.client.orders.items()):
                half = (status.remaining_quantity / 2).quantize(D("0.00000001"))
                if status.status in ("Placed", "Partially Filled") and half > 0:
                    fill_on_exchange(h.client, cid, str(half), str(status.price), f"t-{step}-{cid}")
            await h.manager.sync()
    return rejected


async def traced_harness(mode: str) -> Harness:
    if mode == "DRY_RUN":
        return await build(RICH)
    client = FakeClient(balances=[Balance("ZAR", D("1e9"), D(0), D("1e9")),
                                  Balance("BTC", D("1000"), D(0), D("1000"))])
    return await build(live_settings(), client=client)


@dataclass(frozen=True, slots=True)
class StoryEntry:
    source: str  # "order" | "fill" | "audit"
    row_id: int
    kind: str  # order status, "FILL", or the audit event type


async def order_story(db: Database, correlation_id: str) -> list[StoryEntry]:
    """Every row that carries ``correlation_id`` (order, fills, audit), in time order."""
    rows = await db.fetchall(
        "SELECT 'order' AS source, created_at AS at, id AS row_id, status AS kind, 0 AS rank"
        "   FROM trading_orders WHERE correlation_id = ?"
        " UNION ALL SELECT 'fill', traded_at, id, 'FILL', 1 FROM order_fills WHERE correlation_id = ?"
        " UNION ALL SELECT 'audit', occurred_at, id, event_type, 2"
        "   FROM institutional_audit WHERE correlation_id = ?"
        " ORDER BY at, rank, row_id",
        (correlation_id, correlation_id, correlation_id),
    )
    return [StoryEntry(r["source"], r["row_id"], r["kind"]) for r in rows]


@pytest.mark.parametrize("mode", ["DRY_RUN", "LIVE"])
@hsettings(max_examples=20)
@given(flow=actions)
def test_property_14_correlation_id_traceability(
    runner: asyncio.Runner, mode: str, flow: list[tuple[str, Any]]
) -> None:
    h = run(runner, lambda: traced_harness(mode))
    rejected = run(runner, lambda: play(h, flow, mode))
    db = h.db
    orders = run(runner, lambda: db.fetchall("SELECT id, correlation_id FROM trading_orders"))
    fills = run(runner, lambda: db.fetchall("SELECT id, order_id, correlation_id FROM order_fills"))
    audit = run(runner, lambda: db.fetchall(
        "SELECT id, correlation_id, event_type FROM institutional_audit WHERE event_type LIKE 'ORDER_%'"))
    cid_of = {o["id"]: o["correlation_id"] for o in orders}
    # every fill row belongs to the order whose correlation id it carries
    assert all(cid_of[f["order_id"]] == f["correlation_id"] for f in fills)
    # every audit row about an order names an order or a rejected request
    assert all(a["correlation_id"] in set(cid_of.values()) | rejected for a in audit)
    assert all(CORRELATION_ID_RE.fullmatch(c) for c in set(cid_of.values()) | rejected)
    for cid in set(cid_of.values()) | rejected:
        story = run(runner, lambda c=cid: order_story(db, c))  # type: ignore[misc]
        assert sum(e.source == "order" for e in story) == (cid not in rejected)
        assert {e.row_id for e in story if e.source == "fill"} == {
            f["id"] for f in fills if f["correlation_id"] == cid}
        assert {e.row_id for e in story if e.source == "audit"} == {
            a["id"] for a in audit if a["correlation_id"] == cid}
        if cid in rejected:
            assert [e.kind for e in story] == ["ORDER_REJECTED"]
        else:
            assert story[0].source in ("order", "audit") and "ORDER_ACCEPTED" in {e.kind for e in story}
    for record in run(runner, lambda: h.manager.orders(limit=1000)):
        if record.state is OrderState.FILLED:
            trail = run(runner, lambda r=record: AuditRepository(db).query(  # type: ignore[misc]
                correlation_id=r.correlation_id, event_types=("ORDER_FILL",)))
            assert trail  # a filled order has its fills on the record
    run(runner, close_dbs)
