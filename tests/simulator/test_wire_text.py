"""The simulator renders each WebSocket message once, and a book from its levels' own texts: the
text sent must be exactly ``dumps`` of the message, and the book exactly the merged book."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from valr_tui.money.decimal_gateway import DecimalGateway, dumps
from valr_tui.simulator.exchange import SimEvent, SimExchange
from valr_tui.simulator.market import BOOK_LEVELS, Level
from valr_tui.trading.clock import ManualClock

from .conftest import START

TEN = ("BTCZAR", "ETHZAR", "XRPZAR", "SOLZAR", "USDTZAR", "USDCZAR", "BNBZAR", "AVAXZAR", "ADAZAR", "DOGEZAR")


def merged_book(ex: SimExchange, pair: str) -> dict[str, Any]:
    """The aggregated book computed the long way: maker levels and resting orders merged by
    price, sorted, the best 40 a side."""
    market = ex.markets[pair]
    sides: dict[str, dict[Decimal, Level]] = {
        "sell": {level.price: Level(level.price, level.quantity, level.order_count) for level in market.asks},
        "buy": {level.price: Level(level.price, level.quantity, level.order_count) for level in market.bids},
    }
    for order in ex.open_orders():
        if order.pair == pair:
            side = sides["buy" if order.side == "BUY" else "sell"]
            level = side.setdefault(order.price, Level(order.price, Decimal(0), 0))
            level.quantity += order.remaining_quantity
            level.order_count += 1

    def render(side: str) -> list[dict[str, Any]]:
        levels = sorted(sides[side].values(), key=lambda level: level.price, reverse=side == "buy")
        return [
            {"side": side, "quantity": DecimalGateway.to_wire(level.quantity),
             "price": DecimalGateway.to_wire(level.price), "currencyPair": pair,
             "orderCount": level.order_count}
            for level in levels[:BOOK_LEVELS]
        ]

    return {"Asks": render("sell"), "Bids": render("buy"), "LastChange": market.last_change,
            "SequenceNumber": market.sequence_number}


def test_every_message_text_is_dumps_of_the_message_and_books_are_the_merged_book() -> None:
    clock = ManualClock(START)
    ex = SimExchange("key", seed=5, pairs=TEN, clock=clock)
    events: list[SimEvent] = []
    ex.add_listener(events.append)
    for tick in range(120):
        if tick % 10 == 0:  # resting orders near the touch: merged into the book, then filled
            bid = Decimal(ex.order_book("BTCZAR")["Bids"][0]["price"])
            for quantity, price in (("0.002", bid), ("0.003", bid - 7)):
                order = {"pair": "BTCZAR", "side": "BUY", "quantity": quantity, "price": str(price)}
                ex.place_limit_order(order)
        clock.advance(0.5)
        ex.step()
        for pair in TEN:
            assert ex.order_book(pair) == merged_book(ex, pair)
    books = [event for event in events if event.type == "AGGREGATED_ORDERBOOK_UPDATE"]
    assert len(books) >= 120 * len(TEN) and all(event.data_text is not None for event in books)
    assert {event.type for event in events} >= {"NEW_TRADE", "MARKET_SUMMARY_UPDATE", "ORDER_STATUS_UPDATE"}
    for event in events:
        text = event.wire_text()
        assert text == dumps(event.to_wire())
        assert json.loads(text) == json.loads(dumps(event.to_wire()))
