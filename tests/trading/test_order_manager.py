"""Order manager: validation (each rule its own code, before anything is sent), DRY_RUN submit,
the LIVE gate, mode separation, cancel, listeners and log prefixes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from storage.audit import AuditRepository
from storage.db import Database
from storage.orders import NewOrder, OrderRepository, OrderState
from tests.trading.order_fakes import (
    PAIRS,
    FakeClient,
    FakeMarket,
    build,
    close_dbs,
    live_settings,
    market_check,
    open_db,
    settings,
    view,
)
from valr_tui.errors import (
    ConfigError,
    LiveTradingNotConfirmedError,
    MissingCredentialsError,
    OrderNotFoundError,
    OrderRejected,
)
from valr_tui.trading.clock import ManualClock
from valr_tui.trading.order_manager import CORRELATION_ID_RE, OrderManager
from valr_tui.trading.paper import PaperVenue
from valr_tui.trading.safety import SafetyController, SafetyState
from valr_tui.trading.valr_venue import ValrVenue
from valr_tui.trading.views import OrderRequest

D = Decimal


@pytest.fixture(autouse=True)
async def _close_dbs() -> AsyncIterator[None]:
    yield
    await close_dbs()


GOOD: dict[str, Any] = {"pair": "BTCZAR", "side": "BUY", "price": "999000", "quantity": "0.001"}


def req(**changes: Any) -> OrderRequest:
    return OrderRequest(**{**GOOD, **changes})


async def order_count(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM trading_orders")
    assert row is not None
    return int(row[0])


async def test_valid_dry_run_order_is_stored_as_simulated_and_nothing_is_sent() -> None:
    h = await build()
    result = await h.manager.submit(req(note="test buy"))
    assert result.execution_mode == "DRY_RUN" and result.is_simulated
    assert result.order_id.startswith("DRY_") and len(result.order_id) == 4 + 32
    assert CORRELATION_ID_RE.fullmatch(result.correlation_id)
    assert result.correlation_id.startswith("ord-")
    assert result.state is OrderState.OPEN
    row = await h.db.fetchone("SELECT * FROM trading_orders WHERE correlation_id = ?",
                              (result.correlation_id,))
    assert row is not None
    assert row["is_simulated"] == 1 and row["execution_mode"] == "DRY_RUN"
    assert row["customer_order_id"] == result.correlation_id
    assert row["valr_order_id"] == result.order_id
    assert row["price"] == "999000" and row["quantity"] == "0.001" and row["note"] == "test buy"
    assert h.client.calls == []
    events = [e.event_type for e in await AuditRepository(h.db).query(
        correlation_id=result.correlation_id, newest_first=False)]
    assert events == ["ORDER_PENDING_SUBMIT", "ORDER_ACCEPTED", "ORDER_OPEN"]
    assert h.manager.execution_mode == "DRY_RUN"


REJECTIONS: list[tuple[dict[str, Any], str]] = [
    ({"order_type": "MARKET"}, "VALR-ORD-001"),
    ({"order_type": "market"}, "VALR-ORD-001"),
    ({"order_type": "STOP_LIMIT"}, "VALR-ORD-001"),
    ({"side": "HOLD"}, "VALR-ORD-002"),
    ({"side": ""}, "VALR-ORD-002"),
    ({"pair": "XRPZAR"}, "VALR-ORD-003"),
    ({"pair": "DOGEZAR", "quantity": "10", "price": "2"}, "VALR-ORD-003"),
    ({"price": "abc"}, "VALR-ORD-004"),
    ({"price": "NaN"}, "VALR-ORD-004"),
    ({"price": "Infinity"}, "VALR-ORD-004"),
    ({"price": "1e6"}, "VALR-ORD-004"),
    ({"price": "١٠٠٠٠٠٠"}, "VALR-ORD-004"),  # Arabic-Indic digits
    ({"price": "   "}, "VALR-ORD-004"),
    ({"price": "1,000,000"}, "VALR-ORD-004"),
    ({"price": "999000; DROP TABLE trading_orders"}, "VALR-ORD-004"),
    ({"price": "-999000"}, "VALR-ORD-004"),
    ({"price": "0"}, "VALR-ORD-004"),
    ({"price": "999000.5"}, "VALR-ORD-004"),  # not a multiple of the tick size 1
    ({"price": "0.000000000000000000000000000001"}, "VALR-ORD-004"),
    ({"price": 999000.0}, "VALR-ORD-004"),  # a float never enters the money path
    ({"quantity": "0.000000001"}, "VALR-ORD-005"),  # 9 decimals > baseDecimalPlaces 8
    ({"quantity": "0.000000000000000000000000000001"}, "VALR-ORD-005"),
    ({"quantity": "' OR 1=1 --"}, "VALR-ORD-005"),
    ({"quantity": "-0.001"}, "VALR-ORD-005"),
    ({"quantity": "0.000009"}, "VALR-ORD-006"),  # below minBaseAmount 0.00001
    ({"pair": "ETHZAR", "price": "40000", "quantity": "0.0002"}, "VALR-ORD-006"),  # R 8 < R 10
    ({"quantity": "0.006"}, "VALR-ORD-007"),  # R 5 994 > MAX_ORDER_ZAR 5 000
]


@pytest.mark.parametrize(("changes", "code"), REJECTIONS)
async def test_each_rule_rejects_with_its_code_before_anything_is_stored_or_sent(
    changes: dict[str, Any], code: str
) -> None:
    h = await build()
    request = req(**changes)
    assert h.manager.preview(request).problems[0].code == code
    with pytest.raises(OrderRejected) as caught:
        await h.manager.submit(request)
    assert caught.value.code == code
    assert caught.value.message  # a sentence for the trader, not a traceback
    assert await order_count(h.db) == 0
    assert h.client.calls == []
    [entry] = await AuditRepository(h.db).query(event_types=("ORDER_REJECTED",))
    assert entry.details["code"] == code
    assert entry.details["pair"] == str(request.pair)[:60]
    assert entry.details["price"] == str(request.price)[:60]
    assert entry.correlation_id == caught.value.details["correlation_id"]


async def test_stale_market_spread_and_safety_state_reject_with_their_codes() -> None:
    h = await build()
    stale = view("BTCZAR", "1000000", "1001000")
    h.market.views["BTCZAR"] = type(stale)(stale.pair, stale.ticker, None, stale.updated_at, True)
    with pytest.raises(OrderRejected) as caught:
        await h.manager.submit(req())
    assert caught.value.code == "VALR-MKT-002"
    h.market.views.pop("BTCZAR")  # no data at all for the pair
    assert h.manager.preview(req()).problems[0].code == "VALR-MKT-002"
    h.market.views["BTCZAR"] = FakeMarket().views["BTCZAR"]
    await h.safety.raise_condition(SafetyState.NEUTRAL, "reconciliation failing")
    with pytest.raises(OrderRejected) as caught:
        await h.manager.submit(req())
    assert caught.value.code == "VALR-SAF-001"
    assert "NEUTRAL" in caught.value.message
    assert await order_count(h.db) == 0


async def test_insufficient_paper_balance_is_rejected() -> None:
    h = await build(settings(dry_run_wallet_zar=D("1000")))
    preview = h.manager.preview(req(quantity="0.002"))  # R 1 998 + fee buffer > R 1 000
    assert [p.code for p in preview.problems] == ["VALR-ORD-008"]
    assert "has R 1,000.00 available" in preview.problems[0].message  # money formatted
    sell = h.manager.preview(req(side="SELL"))  # no BTC in the paper wallet
    assert [p.code for p in sell.problems] == ["VALR-ORD-008"]


async def test_preview_lists_every_problem_in_order_and_the_value() -> None:
    h = await build()
    bad = h.manager.preview(req(order_type="MARKET", side="hold", price="999000.5", quantity="0.006"))
    assert [p.code for p in bad.problems] == ["VALR-ORD-001", "VALR-ORD-002", "VALR-ORD-004",
                                              "VALR-ORD-007"]
    assert bad.value_zar == D("5994.003")
    good = h.manager.preview(req())
    assert good.ok and good.value_zar == D("999")
    assert h.client.calls == [] and await order_count(h.db) == 0


async def test_side_and_pair_are_case_and_space_tolerant() -> None:
    h = await build()
    result = await h.manager.submit(req(side=" buy ", pair="btczar", price=" 999000 "))
    [record] = await h.manager.orders()
    assert record.side == "BUY" and record.pair == "BTCZAR" and record.price == D("999000")
    assert record.correlation_id == result.correlation_id


async def test_every_log_line_is_prefixed_with_the_mode_and_correlation_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="valr_tui")
    h = await build()
    result = await h.manager.submit(req(price="1001000"))  # crosses: taker fill at once
    with pytest.raises(OrderRejected):
        await h.manager.submit(req(order_type="MARKET"))
    mine = [r for r in caplog.records if r.name.startswith("valr_tui.trading")]
    assert mine
    assert all(r.getMessage().startswith("[DRY_RUN]") for r in mine)
    about_order = [r.getMessage() for r in mine if result.correlation_id in r.getMessage()]
    assert any("fill" in m for m in about_order) and any("accepted" in m for m in about_order)


async def test_orders_never_mix_paper_and_live() -> None:
    h = await build()
    paper_result = await h.manager.submit(req())
    async with h.db.transaction() as tx:
        await OrderRepository.insert(tx, NewOrder("ord-live1", "BTCZAR", "BUY", D("1"), D("1"),
                                                  OrderState.OPEN, "LIVE"), 1)
    assert [o.correlation_id for o in await h.manager.orders()] == [paper_result.correlation_id]
    assert [o.correlation_id for o in await h.manager.orders(execution_mode="LIVE")] == ["ord-live1"]
    with pytest.raises(OrderNotFoundError):
        await h.manager.cancel("ord-live1")  # a DRY_RUN manager never touches LIVE rows
    with pytest.raises(ConfigError):
        await h.manager.orders(execution_mode="live?")


async def test_cancel_releases_the_reservation_and_cannot_repeat() -> None:
    h = await build()
    assert h.paper is not None
    result = await h.manager.submit(req())
    assert h.paper.available("ZAR") < D("100000")
    record = await h.manager.cancel(result.correlation_id)
    assert record.state is OrderState.CANCELLED
    assert h.paper.available("ZAR") == D("100000")
    with pytest.raises(OrderNotFoundError, match="is CANCELLED"):
        await h.manager.cancel(result.correlation_id)
    with pytest.raises(OrderNotFoundError):
        await h.manager.cancel("ord-nope")
    assert h.client.calls == []


async def test_listeners_hear_about_order_changes_until_unsubscribed() -> None:
    h = await build()
    heard: list[int] = []
    unsubscribe = h.manager.subscribe(lambda: heard.append(1))
    await h.manager.submit(req())
    assert heard
    unsubscribe()
    count = len(heard)
    await h.manager.submit(req())
    assert len(heard) == count


async def test_an_order_sync_with_nothing_to_follow_tells_no_one() -> None:
    h = await build()
    heard: list[int] = []
    h.manager.subscribe(lambda: heard.append(1))
    await h.manager.sync()  # nothing open: the idle round
    await h.manager.sync()
    assert heard == []
    result = await h.manager.submit(req())  # rests on the paper book
    heard.clear()
    await h.manager.sync()
    assert heard  # a round that followed an open order is heard
    await h.manager.cancel(result.correlation_id)
    heard.clear()
    await h.manager.sync()
    assert heard == []


async def _create(cfg: Any, client: FakeClient | None, with_paper: bool) -> tuple[Database, Any]:
    db = await open_db()
    clock = ManualClock()
    venue: Any = PaperVenue(cfg, db, clock) if with_paper else ValrVenue(client or FakeClient(), cfg, clock)
    try:
        await OrderManager.create(cfg, db, SafetyController(db, clock), FakeMarket(), PAIRS, venue,
                                  clock, market_check=market_check)
    except Exception as exc:
        return db, exc
    return db, None


async def test_live_without_confirmation_is_refused_audited_and_sends_nothing() -> None:
    client = FakeClient()
    db, error = await _create(live_settings(live_trading_confirmed=False), client, False)
    assert isinstance(error, LiveTradingNotConfirmedError) and error.code == "VALR-SEC-002"
    [entry] = await AuditRepository(db).query(event_types=("LIVE_GATE_REFUSED",))
    assert entry.severity == "CRITICAL" and entry.details["code"] == "VALR-SEC-002"
    assert client.calls == []


async def test_live_needs_credentials_and_each_mode_its_own_venue() -> None:
    _, error = await _create(settings(execution_mode="LIVE", live_trading_confirmed=True),
                             FakeClient(), False)
    assert isinstance(error, MissingCredentialsError)
    _, error = await _create(settings(), FakeClient(), False)  # DRY_RUN given the VALR venue
    assert isinstance(error, ConfigError)
    _, error = await _create(live_settings(), FakeClient(), True)  # LIVE given the paper venue
    assert isinstance(error, ConfigError)
    _, error = await _create(live_settings(), FakeClient(), False)
    assert error is None


async def test_the_real_market_rules_are_applied_when_none_is_injected() -> None:
    from tests.trading.order_fakes import PAIRS as pairs

    db = await open_db()
    clock = ManualClock()
    market = FakeMarket()
    cfg = settings()
    manager = await OrderManager.create(cfg, db, SafetyController(db, clock), market, pairs,
                                        PaperVenue(cfg, db, clock, market=market), clock)
    assert manager.preview(req()).ok
    market.views["BTCZAR"] = view("BTCZAR", "1000000", "1020000")  # 2 % spread > 1 %
    assert [p.code for p in manager.preview(req()).problems] == ["VALR-MKT-001"]
    market.views["BTCZAR"] = view("BTCZAR", "1001000", "1000000")  # crossed
    assert [p.code for p in manager.preview(req()).problems] == ["VALR-MKT-001"]
    market.views["BTCZAR"] = FakeMarket().views["BTCZAR"]
    clock.advance(31)  # older than STALE_AFTER_S
    assert [p.code for p in manager.preview(req()).problems] == ["VALR-MKT-002"]
