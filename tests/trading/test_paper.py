"""Paper engine: funding, reservations, taker and maker fills against the visible book, fees,
one-transaction fills, restart survival."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from storage.audit import AuditRepository
from storage.ledger import paper_funding
from storage.orders import NewOrder, OrderRepository, OrderState
from storage.paper_wallet import PaperWalletRepository
from tests.trading.order_fakes import Harness, build, close_dbs, open_db, settings, stored_fills, view
from valr_tui.errors import InsufficientBalanceError, OrderNotFoundError
from valr_tui.trading.clock import ManualClock
from valr_tui.trading.paper import PaperVenue
from valr_tui.trading.views import OrderRequest

D = Decimal


@pytest.fixture(autouse=True)
async def _close_dbs() -> AsyncIterator[None]:
    yield
    await close_dbs()


def buy(price: str, quantity: str, pair: str = "BTCZAR", side: str = "BUY") -> OrderRequest:
    return OrderRequest(pair, side, price, quantity)


async def wallet_in_db(h: Harness) -> dict[str, tuple[Decimal, Decimal]]:
    rows = await PaperWalletRepository(h.db).rows()
    return {c: (r.total, r.reserved) for c, r in rows.items()}


def paper(h: Harness) -> PaperVenue:
    assert h.paper is not None
    return h.paper


async def test_first_load_funds_the_wallet_once() -> None:
    h = await build(settings(dry_run_wallet_zar=D("2500.50"), dry_run_wallet_btc=D("0.1")))
    assert {b.currency: b.total for b in paper(h).balances_now()} == {
        "BTC": D("0.1"), "ETH": D("0"), "ZAR": D("2500.50")}
    assert await paper_funding(h.db) == {
        "ZAR": D("2500.50"), "BTC": D("0.1"), "ETH": D("0")}
    again = PaperVenue(settings(dry_run_wallet_zar=D("999")), h.db, h.clock)
    await again.load()  # a later run restores, never re-funds
    assert again.available("ZAR") == D("2500.50")
    assert len(await AuditRepository(h.db).query(event_types=("PAPER_WALLET_FUNDED",))) == 1


async def test_resting_buy_reserves_price_times_quantity_plus_fee_buffer() -> None:
    h = await build()
    result = await h.manager.submit(buy("999000", "0.001"))
    assert result.state is OrderState.OPEN
    # 999 ZAR + 0.1 % taker buffer = 999.999, rounded UP to the cent
    assert paper(h).available("ZAR") == D("100000") - D("1000.00")
    assert (await wallet_in_db(h))["ZAR"] == (D("100000"), D("1000.00"))


async def test_crossing_buy_fills_as_taker_against_book_levels_and_rests_the_rest() -> None:
    h = await build()
    h.market.views["BTCZAR"] = view("BTCZAR", "1000000", "1001000", "1000500",
                                    asks=[("1001000", "0.0005"), ("1002000", "0.0003"),
                                          ("1003000", "1")], bids=[("1000000", "1")])
    result = await h.manager.submit(buy("1002000", "0.001"))
    assert result.state is OrderState.PARTIALLY_FILLED
    fills = await stored_fills(h.db, result.correlation_id, "DRY_RUN")
    assert [(f.price, f.quantity, f.fee, f.fee_currency, f.is_maker) for f in fills] == [
        (D("1001000"), D("0.0005"), D("0.0000005"), "BTC", False),
        (D("1002000"), D("0.0003"), D("0.0000003"), "BTC", False),
    ]
    [record] = await h.manager.orders()
    assert record.filled_quantity == D("0.0008") and record.fee_total == D("0.0000008")
    # ZAR paid 500.50 + 300.60; the 0.0002 left still reserves 1002000×0.0002×1.001 = 200.6004 → 200.61
    assert (await wallet_in_db(h))["ZAR"] == (D("99198.90"), D("200.61"))
    assert (await wallet_in_db(h))["BTC"] == (D("0.0007992"), D("0"))
    assert paper(h).available("BTC") == D("0.0007992")


async def test_resting_order_fills_at_its_price_limited_by_visible_depth() -> None:
    h = await build(settings(maker_fee_pct=D("0"), taker_fee_pct=D("0.2")))
    result = await h.manager.submit(buy("999000", "0.002"))
    # no new trade (last unchanged since placement): only the visible asks at or below 999000 fill
    deep = view("BTCZAR", "998000", "998500", "1000500",
                asks=[("998500", "0.0005"), ("999000", "0.0005"), ("1000000", "5")], sequence=7)
    assert await paper(h).on_market(deep) == 1
    assert await paper(h).on_market(deep) == 0  # the same book cannot fill the same volume twice
    [record] = await h.manager.orders()
    assert record.state is OrderState.PARTIALLY_FILLED and record.filled_quantity == D("0.001")
    fresh = view("BTCZAR", "998000", "999000", "1000500", asks=[("999000", "0.01")], sequence=8)
    assert await paper(h).on_market(fresh) == 1
    [record] = await h.manager.orders()
    assert record.state is OrderState.FILLED and record.fee_total == D("0")
    fills = await stored_fills(h.db, result.correlation_id, "DRY_RUN")
    assert all(f.price == D("999000") and f.is_maker for f in fills)  # maker at its own price
    assert (await wallet_in_db(h))["ZAR"] == (D("100000") - D("1998"), D("0"))
    assert paper(h).open_orders() == []


async def test_trade_through_fills_only_on_a_new_trade_beyond_the_price() -> None:
    h = await build()
    await h.manager.submit(buy("999000", "0.001"))  # placed while last = 1000500
    assert await paper(h).on_market(view("BTCZAR", "1000000", "1001000", "1000500")) == 0
    assert await paper(h).on_market(view("BTCZAR", "1000000", "1001000", "998999")) == 1
    [record] = await h.manager.orders()
    assert record.state is OrderState.FILLED
    assert record.fee_total == D("0.000001")  # maker 0.1 % of 0.001 BTC


async def test_sell_reserves_base_and_pays_fee_in_zar_to_the_cent() -> None:
    h = await build(settings(dry_run_wallet_btc=D("1")))
    await h.manager.submit(buy("1002345", "0.001", side="SELL"))
    assert paper(h).available("BTC") == D("0.999")
    assert await paper(h).on_market(view("BTCZAR", "1002400", "1002500", "1002450")) == 1
    wallet = await wallet_in_db(h)
    # proceeds 1002.345 → 1002.34 (half-even to the cent); fee 0.1 % = 1.00234 → 1.00
    assert wallet["ZAR"] == (D("100000") + D("1002.34") - D("1.00"), D("0"))
    assert wallet["BTC"] == (D("0.999"), D("0"))
    [record] = await h.manager.orders()
    assert record.fee_total == D("1.00")


async def test_wallet_equals_funding_plus_fills() -> None:
    h = await build(settings(dry_run_wallet_btc=D("0.5")))
    h.market.views["BTCZAR"] = view("BTCZAR", "1000000", "1001000", "1000500",
                                    asks=[("1001000", "0.0007")], bids=[("1000000", "0.0004")])
    await h.manager.submit(buy("1001000", "0.002"))
    await h.manager.submit(buy("1000000", "0.003", side="SELL"))
    await paper(h).on_market(view("BTCZAR", "990000", "995000", "990000", sequence=2,
                                  asks=[("995000", "1")], bids=[("990000", "1")]))
    expected = await paper_funding(h.db)
    for fill in await h.db.fetchall("SELECT * FROM order_fills WHERE execution_mode = 'DRY_RUN'"):
        quantity, notional = D(fill["quantity"]), (D(fill["price"]) * D(fill["quantity"])).quantize(D("0.01"))
        sign = 1 if fill["side"] == "BUY" else -1
        expected["BTC"] += sign * quantity
        expected["ZAR"] -= sign * notional
        expected[fill["fee_currency"]] -= D(fill["fee"])
    totals = {c: t for c, (t, _) in (await wallet_in_db(h)).items()}
    assert totals == expected
    assert {b.currency: b.total for b in paper(h).balances_now()} == totals


async def test_a_fill_is_one_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    h = await build()
    await h.manager.submit(buy("999000", "0.001"))
    before_db, before_mem = await wallet_in_db(h), paper(h).balances_now()
    real_insert = AuditRepository.insert

    async def failing_insert(tx: Any, at: int, event: str, message: str, **kw: Any) -> int:
        if event == "ORDER_FILL":
            raise RuntimeError("disk full")
        return await real_insert(tx, at, event, message, **kw)

    monkeypatch.setattr(AuditRepository, "insert", staticmethod(failing_insert))
    with pytest.raises(RuntimeError):
        await paper(h).on_market(view("BTCZAR", "998000", "998500", "998000"))
    assert (await h.db.fetchone("SELECT COUNT(*) FROM order_fills"))[0] == 0  # type: ignore[index]
    [record] = await h.manager.orders()
    assert record.state is OrderState.OPEN and record.filled_quantity == 0
    assert await wallet_in_db(h) == before_db and paper(h).balances_now() == before_mem


async def test_open_orders_and_wallet_survive_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "paper.db")
    clock = ManualClock()
    h = await build(db=await open_db(path), clock=clock)
    result = await h.manager.submit(buy("999000", "0.001"))
    available = paper(h).available("ZAR")
    async with h.db.transaction() as tx:  # stored, then the process died before the venue saw it
        await OrderRepository.insert(tx, NewOrder("ord-interrupted", "BTCZAR", "BUY", D("1"),
                                                  D("1"), OrderState.PENDING_SUBMIT, "DRY_RUN"), 1)
    await close_dbs()
    reborn = await build(db=await open_db(path), clock=clock)
    assert paper(reborn).available("ZAR") == available
    assert [o.correlation_id for o in paper(reborn).open_orders()] == [result.correlation_id]
    interrupted = await OrderRepository(reborn.db).get("ord-interrupted", "DRY_RUN")
    # UNKNOWN after the restart, then proven absent by the paper venue (which knows its book)
    assert interrupted is not None and interrupted.state is OrderState.FAILED
    events = [e.event_type for e in await AuditRepository(reborn.db).query(
        correlation_id="ord-interrupted", newest_first=False)]
    assert events == ["ORDER_UNKNOWN", "ORDER_FAILED"]
    assert await paper(reborn).on_market(view("BTCZAR", "998000", "998500", "998000")) == 1
    assert paper(reborn).available("ZAR") == D("100000") - D("999")


async def test_cancel_and_insufficient_funds_on_the_paper_book() -> None:
    h = await build(settings(dry_run_wallet_zar=D("1500")))
    await h.manager.submit(buy("999000", "0.001"))
    [record] = await h.manager.orders()
    with pytest.raises(InsufficientBalanceError):  # the manager's check raced: the book still refuses
        await paper(h).place(record)
    with pytest.raises(OrderNotFoundError):
        await h.manager.cancel("ord-unknown")
    cancelled = await h.manager.cancel(record.correlation_id)
    assert cancelled.state is OrderState.CANCELLED
    assert paper(h).available("ZAR") == D("1500")
    events = [e.event_type for e in await AuditRepository(h.db).query(
        correlation_id=record.correlation_id, newest_first=False)]
    assert events == ["ORDER_PENDING_SUBMIT", "ORDER_ACCEPTED", "ORDER_OPEN",
                      "ORDER_CANCEL_REQUESTED", "ORDER_CANCELLED"]


async def test_stale_views_never_fill_and_a_restart_waits_for_a_new_trade(tmp_path: Path) -> None:
    path = str(tmp_path / "paper.db")
    clock = ManualClock()
    h = await build(db=await open_db(path), clock=clock)
    await h.manager.submit(buy("999000", "0.001"))
    through = view("BTCZAR", "998000", "999500", "998000")
    stale = type(through)(through.pair, through.ticker, None, through.updated_at, True)
    assert await paper(h).on_market(stale) == 0
    await close_dbs()
    reborn = paper(await build(db=await open_db(path), clock=clock))
    assert await reborn.on_market(through) == 0  # the last price is only recorded
    assert await reborn.on_market(view("BTCZAR", "998000", "999500", "997000")) == 1
