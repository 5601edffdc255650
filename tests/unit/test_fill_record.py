"""One record type and one row mapper for an ``order_fills`` row, whoever reads it: the orders
screen and chart (``FillRepository``), the ledger and the trade journal (``load_fills``)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

from storage.db import Database
from storage.ledger import apply_fills, load_fills
from storage.orders import FillRecord, FillRepository, OrderRepository
from tests.trading.test_reconciliation import T0_MS, add_order
from valr_tui.trading.book import AccountBook
from valr_tui.trading.venue import Trade

D = Decimal


async def test_every_reader_gets_the_same_record_of_a_fill(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "valr.db")
    try:
        await add_order(db, "cid-1", note="breakout", status="FILLED")
        order = await OrderRepository(db).get("cid-1", "DRY_RUN")
        assert order is not None
        async with db.transaction() as tx:
            await FillRepository.insert(
                tx, order, trade_id="t-1", price=D("1000000"), quantity=D("0.01"), fee=D("0.00001"),
                fee_currency="BTC", is_maker=True, traded_at_ms=T0_MS + 5,
            )
        [for_ledger] = await load_fills(db, correlation_id="cid-1")
        [for_screen] = await FillRepository(db).for_order("cid-1", "DRY_RUN")
        [for_chart] = await FillRepository(db).for_pair("BTCZAR", "DRY_RUN", since_ms=0)
        assert type(for_ledger) is type(for_screen) is FillRecord
        assert for_ledger.order_note == "breakout"  # the ledger's read joins the order's note
        assert dataclasses.replace(for_ledger, order_note="") == for_screen == for_chart
        assert for_ledger.is_maker and for_ledger.order_id == order.id
        assert for_screen.fee_in_quote() == D("10.00000")  # 0.00001 BTC at R 1,000,000
    finally:
        await db.close()


def test_the_running_book_moves_by_a_trade_as_the_ledger_does() -> None:
    trade = Trade("cid-2", "t-2", "BTCZAR", "BUY", D("1000000"), D("0.01"), D("5"), "ZAR", False, T0_MS)
    book = AccountBook()
    book.reset([])
    book.apply_trade(trade, "DRY_RUN")
    assert book.totals() == {"BTC": D("0.01"), "ZAR": D("-10005.00")}
    fill = FillRecord(0, 0, "cid-2", "DRY_RUN", "t-2", "BTCZAR", "BUY", D("1000000"), D("0.01"), D("5"),
                      "ZAR", False, T0_MS)
    assert apply_fills({}, [fill]) == book.totals()
