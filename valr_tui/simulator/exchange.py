"""``SimExchange``: the simulated VALR venue behind the HTTP server. Pure Python, no I/O, and
deterministic for a given seed (and clock).

It owns the markets (``market.PairMarket``), one account with balances and LIMIT orders, the
fault schedule and the request log. Every state change is also published as a ``SimEvent`` to
the registered listeners (the WebSocket hub), in VALR's WS message shapes.

VALR-side refusals raise ``ExchangeError`` carrying the HTTP status and VALR's own negative code
(``valr_code``); the server renders them as ``{"code", "message"}``.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from valr_tui.errors import ConfigError, DecimalError, ExchangeError
from valr_tui.money.decimal_gateway import DecimalGateway, dumps
from valr_tui.simulator import catalogue
from valr_tui.simulator.catalogue import CATALOGUE
from valr_tui.simulator.faults import Fault, parse_duration, validate_params
from valr_tui.simulator.market import (
    BOOK_LEVELS,
    FIRST_SEQUENCE_ID,
    HUNDRED,
    Level,
    PairInfo,
    PairMarket,
    round_to_tick,
    scale,
)
from valr_tui.trading.clock import Clock, system_clock
from valr_tui.trading.matching import TIME_IN_FORCE, Arrival, plan_arrival

AMOUNT_PRECISION: Final = Decimal("0.00000001")
DEFAULT_BALANCES: Final = {"ZAR": Decimal("1000000"), "BTC": Decimal("1"), "ETH": Decimal("10")}
DEFAULT_FEE_RATE: Final = Decimal("0.001")
OPEN_STATUSES: Final = ("Placed", "Partially Filled", "Order Modified")
CUSTOMER_ORDER_ID: Final = re.compile(r"^[0-9a-zA-Z-]{0,50}$")
INSUFFICIENT_BALANCE: Final = "Insufficient Balance"
CURRENCY_DECIMALS: Final = {"ZAR": 2}
CURRENCY_NAMES: Final = {"ZAR": "Rand", "BTC": "Bitcoin", "ETH": "Ethereum"}
REFERENCE_CURRENCY: Final = "ZAR"
MODIFY_MATCH_STRATEGIES: Final = ("RETAIN_ORIGINAL", "CANCEL_ORIGINAL", "REPRICE")
MAX_LEVELS_RENDERED: Final = 4096  # book levels kept rendered for the wire (emptied when full)
FAULT_EVENT: Final = "_SIM_FAULT"  # tells the server a fault started; never sent to WS clients
# a book level as sent: its wire object (shared, never modified) and that object's JSON text
RenderedLevel = tuple[dict[str, Any], str]


def iso(timestamp: float) -> str:
    """VALR's timestamp text: ``2026-01-02T03:04:05.678Z``."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def amount(value: Decimal) -> Decimal:
    return DecimalGateway.quantize(value, AMOUNT_PRECISION)


def bad_request(valr_code: int, message: str, **extra: Any) -> ExchangeError:
    return ExchangeError(message, status=400, valr_code=valr_code, **extra)


@dataclass(slots=True)
class SimBalance:
    available: Decimal = Decimal(0)
    reserved: Decimal = Decimal(0)
    updated_at: float = 0.0

    @property
    def total(self) -> Decimal:
        return self.available + self.reserved


@dataclass(slots=True)
class SimOrder:
    order_id: str
    customer_order_id: str | None
    pair: str
    side: str  # "BUY" | "SELL"
    price: Decimal
    original_quantity: Decimal
    remaining_quantity: Decimal
    time_in_force: str
    post_only: bool
    created_at: float
    updated_at: float
    order_type: str = "limit"
    status: str = "Placed"
    failed_reason: str = ""
    filled_value: Decimal = Decimal(0)  # quote value of the fills, for averagePrice
    total_fee: Decimal = Decimal(0)
    fee_currency: str = ""
    last_fill: tuple[Decimal, Decimal, Decimal] | None = None  # (price, quantity, fee)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def filled_quantity(self) -> Decimal:
        return self.original_quantity - self.remaining_quantity

    def filled_percentage(self) -> Decimal:
        if self.original_quantity == 0:
            return Decimal("0.00")
        return DecimalGateway.quantize(
            DecimalGateway.divide(self.filled_quantity * HUNDRED, self.original_quantity), Decimal("0.01")
        )

    @property
    def wire_type(self) -> str:
        """VALR reports a post-only LIMIT order as ``"post-only limit"`` (Order Status examples)."""
        return "post-only limit" if self.post_only and self.order_type == "limit" else self.order_type

    def status_wire(self) -> dict[str, Any]:
        """The shape of ``GET /v1/orders/{pair}/orderid/{id}`` ("Order Status (orderId)")."""
        wire = DecimalGateway.to_wire
        result: dict[str, Any] = {
            "orderId": self.order_id,
            "orderStatusType": self.status,
            "currencyPair": self.pair,
            "originalPrice": wire(self.price),
            "remainingQuantity": wire(self.remaining_quantity),
            "originalQuantity": wire(self.original_quantity),
            "orderSide": self.side.lower(),
            "orderType": self.wire_type,
            "failedReason": self.failed_reason,
            "orderUpdatedAt": iso(self.updated_at),
            "orderCreatedAt": iso(self.created_at),
        }
        if self.customer_order_id:
            result["customerOrderId"] = self.customer_order_id
        result["timeInForce"] = self.time_in_force
        return result

    def ws_status_wire(self) -> dict[str, Any]:
        """WS ``ORDER_STATUS_UPDATE`` data: the REST status plus the latest execution."""
        wire = DecimalGateway.to_wire
        price, quantity, fee = self.last_fill or (Decimal(0), Decimal(0), Decimal(0))
        result = self.status_wire()
        time_in_force = result.pop("timeInForce")
        result.update({
            "executedPrice": wire(price), "executedQuantity": wire(quantity), "executedFee": wire(fee),
            "timeInForce": time_in_force,
        })
        return result

    def open_wire(self) -> dict[str, Any]:
        """The shape of one ``GET /v1/orders/open`` entry (field names differ, as on VALR)."""
        wire = DecimalGateway.to_wire
        result: dict[str, Any] = {
            "orderId": self.order_id,
            "side": self.side.lower(),
            "remainingQuantity": wire(self.remaining_quantity),
            "price": wire(self.price),
            "currencyPair": self.pair,
            "createdAt": iso(self.created_at),
            "originalQuantity": wire(self.original_quantity),
            "filledPercentage": format(self.filled_percentage(), "f"),  # "12.50", as VALR
            "updatedAt": iso(self.updated_at),
            "status": self.status,
            "type": self.wire_type,
            "timeInForce": self.time_in_force,
            "allowMargin": False,
        }
        if self.customer_order_id:
            result["customerOrderId"] = self.customer_order_id
        return result

    def ws_open_wire(self) -> dict[str, Any]:
        """One ``OPEN_ORDERS_UPDATE`` item: the remaining amount is ``quantity`` there."""
        result = self.open_wire()
        return {("quantity" if key == "remainingQuantity" else key): value for key, value in result.items()}

    def history_wire(self) -> dict[str, Any]:
        """The shape of "Order History Summary (orderId)" (and of /v1/orders/history items)."""
        wire = DecimalGateway.to_wire
        average = (
            amount(DecimalGateway.divide(self.filled_value, self.filled_quantity))
            if self.filled_quantity > 0
            else Decimal(0)
        )
        status = self.status_wire()
        result: dict[str, Any] = {"orderId": self.order_id}
        if self.customer_order_id:
            result["customerOrderId"] = self.customer_order_id
        result.update({
            "orderStatusType": self.status,
            "currencyPair": self.pair,
            "averagePrice": wire(average),
            "originalPrice": status["originalPrice"],
            "remainingQuantity": status["remainingQuantity"],
            "originalQuantity": status["originalQuantity"],
            "total": wire(self.filled_value),
            "totalExecutedQuantity": wire(self.filled_quantity),
            "totalFee": wire(self.total_fee),
            "feeCurrency": self.fee_currency,
            "orderSide": status["orderSide"],
            "orderType": status["orderType"],
            "failedReason": self.failed_reason,
            "orderUpdatedAt": status["orderUpdatedAt"],
            "orderCreatedAt": status["orderCreatedAt"],
            "timeInForce": self.time_in_force,
        })
        return result


@dataclass(frozen=True, slots=True)
class AccountTrade:
    price: Decimal
    quantity: Decimal
    pair: str
    traded_at: str
    side: str
    fee: Decimal
    fee_currency: str
    order_id: str
    customer_order_id: str | None
    sequence_id: int
    trade_id: str

    def to_wire(self) -> dict[str, Any]:
        wire = DecimalGateway.to_wire
        result: dict[str, Any] = {
            "price": wire(self.price),
            "quantity": wire(self.quantity),
            "currencyPair": self.pair,
            "tradedAt": self.traded_at,
            "side": self.side.lower(),
            "sequenceId": self.sequence_id,
            "id": self.trade_id,
            "orderId": self.order_id,
            "fee": wire(self.fee),
            "feeCurrency": self.fee_currency,
        }
        return result

    def ws_wire(self) -> dict[str, Any]:
        """``NEW_ACCOUNT_TRADE`` data: the REST trade without ``sequenceId``, with the
        ``customerOrderId`` (which the REST trade history does not carry)."""
        rest = self.to_wire()
        keys = ("price", "quantity", "currencyPair", "tradedAt", "side", "orderId", "id", "fee",
                "feeCurrency")
        result = {key: rest[key] for key in keys}
        if self.customer_order_id:
            result["customerOrderId"] = self.customer_order_id
        return result


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One WebSocket message: ``account`` events go to /ws/account, the others to /ws/trade."""

    type: str
    pair: str | None
    data: Any
    account: bool
    data_text: str | None = None  # ``dumps(data)``, when the exchange rendered it ahead (books)

    def to_wire(self) -> dict[str, Any]:
        message: dict[str, Any] = {"type": self.type}
        if self.pair is not None:
            message["currencyPairSymbol"] = self.pair
        message["data"] = self.data
        return message

    def wire_text(self) -> str:
        """``dumps(to_wire())``: the text every subscriber is sent, rendered once for all."""
        if self.data_text is None:
            return dumps(self.to_wire())
        envelope = {key: value for key, value in self.to_wire().items() if key != "data"}
        return dumps(envelope)[:-1] + ',"data":' + self.data_text + "}"  # "data" is the last key


@dataclass(slots=True)
class _OrderRequest:
    info: PairInfo
    side: str
    quantity: Decimal
    price: Decimal
    customer_order_id: str | None
    time_in_force: str
    post_only: bool


@dataclass(repr=False)  # the API key must never reach a repr
class SimExchange:
    """The venue. ``api_key`` identifies the one account; ``clock`` drives every timestamp,
    fault expiry and (through the server) rate-limit windows and the signature window."""

    api_key: str
    seed: int | None = None
    pairs: tuple[str, ...] = ("BTCZAR", "ETHZAR")
    clock: Clock = system_clock
    maker_fee: Decimal = DEFAULT_FEE_RATE
    taker_fee: Decimal = DEFAULT_FEE_RATE
    starting_balances: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_BALANCES))
    request_log: list[tuple[str, str]] = field(default_factory=list)
    finished_orders_in_active_lookup: bool = True

    def __post_init__(self) -> None:
        unknown = [pair for pair in self.pairs if pair not in CATALOGUE]
        if unknown or not self.pairs:
            raise ConfigError(f"the simulator knows {sorted(CATALOGUE)}; got {list(self.pairs)}")
        self._rng = random.Random(self.seed)
        self._id_rng = random.Random(None if self.seed is None else self.seed + 1)
        self.markets = {pair: PairMarket(CATALOGUE[pair], self._rng) for pair in self.pairs}
        currencies = {"ZAR", *self.starting_balances}
        for market in self.markets.values():
            currencies.update((market.info.base, market.info.quote))
        now = self.clock()
        self._balances = {
            currency: SimBalance(self.starting_balances.get(currency, Decimal(0)), Decimal(0), now)
            for currency in sorted(currencies)
        }
        self._orders: dict[str, SimOrder] = {}
        self._trades: list[AccountTrade] = []  # newest first
        self._faults: list[Fault] = []
        self._listeners: list[Callable[[SimEvent], None]] = []
        self._sequence_id = FIRST_SEQUENCE_ID
        self._levels_rendered: dict[tuple[str, str, Decimal, Decimal, int], RenderedLevel] = {}
        for market in self.markets.values():
            market.move_book(market.spread_pct, self._stamp())

    def __repr__(self) -> str:
        return f"SimExchange(seed={self.seed!r}, pairs={self.pairs!r})"

    # --- plumbing --------------------------------------------------------------------------------
    def _stamp(self) -> str:
        return iso(self.clock())

    def _next_sequence(self) -> int:
        self._sequence_id += 1
        return self._sequence_id

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._id_rng.getrandbits(128), version=4))

    def add_listener(self, listener: Callable[[SimEvent], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[SimEvent], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(
        self, type_: str, pair: str | None, data: Any, *, account: bool, data_text: str | None = None
    ) -> None:
        event = SimEvent(type_, pair, data, account, data_text)
        for listener in list(self._listeners):
            listener(event)

    def market(self, pair: str) -> PairMarket:
        market = self.markets.get(pair.upper())
        if market is None:
            raise bad_request(-21, "Currency pair is not supported")
        return market

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(self._balances)

    # --- market data (wire shapes) ---------------------------------------------------------------
    def pairs_wire(self) -> list[dict[str, Any]]:
        return catalogue.listing(tuple(market.info for market in self.markets.values()))

    def market_summary(self, pair: str) -> dict[str, Any]:
        return self.market(pair).summary(self._stamp())

    def order_book(self, pair: str) -> dict[str, Any]:
        """The aggregated book: maker levels merged with the account's resting orders."""
        return self._book_wire(self.market(pair))[0]

    def _book_wire(self, market: PairMarket) -> tuple[dict[str, Any], str]:
        """``order_book``'s object and its JSON text, joined from each level's own text: a tick
        changes a few levels, so the other 70-odd are not serialised again."""
        asks, bids = self._book_sides(market)
        book = {
            "Asks": [wire for wire, _ in asks],
            "Bids": [wire for wire, _ in bids],
            "LastChange": market.last_change,
            "SequenceNumber": market.sequence_number,
        }
        text = (
            '{"Asks":[' + ",".join(text for _, text in asks)
            + '],"Bids":[' + ",".join(text for _, text in bids)
            + '],"LastChange":' + dumps(market.last_change)
            + ',"SequenceNumber":' + dumps(market.sequence_number) + "}"
        )
        return book, text

    def _book_sides(self, market: PairMarket) -> tuple[list[RenderedLevel], list[RenderedLevel]]:
        """The shown levels of each side, best first. The maker book is kept in price order, one
        level a price, so without a resting order of ours on the pair it is shown as it is."""
        symbol = market.info.symbol
        resting = [order for order in self._orders.values() if order.pair == symbol and order.is_open]
        if resting:
            asks, bids = _by_price(market.asks), _by_price(market.bids)
            for order in resting:
                side = bids if order.side == "BUY" else asks
                level = side.setdefault(order.price, Level(order.price, Decimal(0), 0))
                level.quantity += order.remaining_quantity
                level.order_count += 1
            shown_asks = sorted(asks.values(), key=lambda level: level.price)[:BOOK_LEVELS]
            shown_bids = sorted(bids.values(), key=lambda level: level.price, reverse=True)[:BOOK_LEVELS]
        else:
            shown_asks, shown_bids = market.asks[:BOOK_LEVELS], market.bids[:BOOK_LEVELS]
        return (
            [self._level_wire(symbol, "sell", level) for level in shown_asks],
            [self._level_wire(symbol, "buy", level) for level in shown_bids],
        )

    def _level_wire(self, pair: str, side: str, level: Level) -> RenderedLevel:
        """One book level as VALR writes it, and its text. Most levels are the same from one book
        to the next, so each distinct one is rendered once (bounded)."""
        key = (pair, side, level.price, level.quantity, level.order_count)
        rendered = self._levels_rendered.get(key)
        if rendered is None:
            if len(self._levels_rendered) >= MAX_LEVELS_RENDERED:
                self._levels_rendered.clear()
            quantity, price = DecimalGateway.to_wire(level.quantity), DecimalGateway.to_wire(level.price)
            wire = {
                "side": side,
                "quantity": quantity,
                "price": price,
                "currencyPair": pair,
                "orderCount": level.order_count,
            }
            # ``dumps(wire)``, written out: a side, a catalogue symbol and plain numbers need no
            # escaping, and ~13 new levels a book made dumps the tick's largest cost
            text = (
                f'{{"side":"{side}","quantity":"{quantity}","price":"{price}",'
                f'"currencyPair":"{pair}","orderCount":{level.order_count}}}'
            )
            rendered = self._levels_rendered[key] = (wire, text)
        return rendered

    def public_trades(self, pair: str, limit: int = 100) -> list[dict[str, Any]]:
        return [trade.to_wire() for trade in list(self.market(pair).trades)[:limit]]

    def ws_latest_trade(self, pair: str) -> dict[str, Any] | None:
        trades = self.market(pair).trades
        return _ws_trade(trades[0].to_wire()) if trades else None

    def server_time(self) -> dict[str, Any]:
        now = self.clock()
        return {"epochTime": int(now), "time": iso(now)}

    def _publish_market(self, market: PairMarket) -> None:
        pair = market.info.symbol
        self._emit("MARKET_SUMMARY_UPDATE", pair, self.ws_summary(pair), account=False)
        book, text = self._book_wire(market)
        self._emit("AGGREGATED_ORDERBOOK_UPDATE", pair, book, account=False, data_text=text)

    def ws_summary(self, pair: str) -> dict[str, Any]:
        """MARKET_SUMMARY_UPDATE data: VALR's sample carries no ``quoteVolume``."""
        summary = self.market_summary(pair)
        summary.pop("quoteVolume")
        return summary

    # --- the market moving -----------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        """Advance the market ``n`` ticks: walk, move the maker book with the mid, a few public
        trades, and any resting account order the book now crosses gets (partially) filled as maker."""
        for _ in range(n):
            self.active_faults()  # prune expired faults (a blown-out spread ends here)
            for market in self.markets.values():
                market.walk()
                self._refresh(market)
                for _trade in range(self._rng.randint(0, 2)):
                    taker_side = self._rng.choice(("BUY", "SELL"))
                    best = market.best_ask() if taker_side == "BUY" else market.best_bid()
                    if best is not None:
                        trade = market.record_trade(
                            best, market.synthetic_trade_size(), taker_side, self._stamp(),
                            self._next_sequence(),
                        )
                        self._emit("NEW_TRADE", market.info.symbol, _ws_trade(trade.to_wire()), account=False)
                self._fill_resting(market)
                self._publish_market(market)

    def _refresh(self, market: PairMarket) -> None:
        market.move_book(self._spread_pct(market.info.symbol), self._stamp())

    def _spread_pct(self, pair: str) -> Decimal:
        for fault in self.active_faults_raw():
            if fault.kind == "spread_blowout" and fault.params.get("pair") in (None, pair):
                pct = fault.params["pct"]
                assert isinstance(pct, Decimal)
                return pct
        return self.markets[pair].spread_pct

    def set_price(self, pair: str, price: Decimal) -> None:
        """Move the market to ``price`` (rounded to the tick): a trade prints there, the book is
        moved around it and resting orders it crosses fill."""
        market = self.market(pair)
        price = DecimalGateway.validate_decimal(price)
        if price <= 0:
            raise bad_request(-11, "price must be positive")
        market.mid = round_to_tick(price, market.info.tick_size)
        self._refresh(market)
        trade = market.record_trade(
            market.mid, market.synthetic_trade_size(), "BUY", self._stamp(), self._next_sequence()
        )
        self._emit("NEW_TRADE", market.info.symbol, _ws_trade(trade.to_wire()), account=False)
        self._fill_resting(market)
        self._publish_market(market)

    def _fill_resting(self, market: PairMarket) -> None:
        """Resting orders the maker book now crosses trade at their own price, as maker, for as
        much as the crossing liquidity allows."""
        for order in list(self._orders.values()):
            if order.pair != market.info.symbol or not order.is_open:
                continue
            fills = market.take(order.side, order.price, order.remaining_quantity)
            filled = sum((fill.quantity for fill in fills), Decimal(0))
            if filled > 0:
                self._apply_fill(order, order.price, filled, self.maker_fee, maker=True)
                self._settle_status(order)

    # --- account ---------------------------------------------------------------------------------
    def balances(self) -> dict[str, SimBalance]:
        return {
            currency: SimBalance(balance.available, balance.reserved, balance.updated_at)
            for currency, balance in self._balances.items()
        }

    def balances_wire(self, exclude_zero: bool = False) -> list[dict[str, Any]]:
        return [
            self._balance_wire(currency)
            for currency, balance in self._balances.items()
            if not (exclude_zero and balance.total == 0)
        ]

    def _balance_wire(self, currency: str) -> dict[str, Any]:
        balance = self._balances[currency]
        wire = DecimalGateway.to_wire
        return {
            "currency": currency,
            "available": wire(balance.available),
            "reserved": wire(balance.reserved),
            "total": wire(balance.total),
            "updatedAt": iso(balance.updated_at),
            "lendReserved": "0",
            "borrowReserved": "0",
            "borrowedAmount": "0",
            "totalInReference": wire(self._in_reference(currency, balance.total)),
            "totalInReferenceWeighted": wire(self._in_reference(currency, balance.total)),
            "referenceCurrency": REFERENCE_CURRENCY,
        }

    def _in_reference(self, currency: str, value: Decimal) -> Decimal:
        """``value`` of ``currency`` in ZAR at the simulated mid (0 without a ZAR market)."""
        if currency == REFERENCE_CURRENCY:
            return value
        market = self.markets.get(f"{currency}{REFERENCE_CURRENCY}")
        return amount(DecimalGateway.multiply(value, market.mid)) if market is not None else Decimal(0)

    def ws_balance(self, currency: str) -> dict[str, Any]:
        """BALANCE_UPDATE data: on the account socket ``currency`` is an object."""
        rest = self._balance_wire(currency)
        decimals = CURRENCY_DECIMALS.get(currency, 8)
        rest["borrowCollateralReserved"] = rest.pop("borrowReserved")
        rest["currency"] = {
            "symbol": currency,
            "decimalPlaces": decimals,
            "isActive": True,
            "shortName": currency,
            "longName": CURRENCY_NAMES.get(currency, currency),
            "supportedWithdrawDecimalPlaces": decimals,
            "collateral": False,
            "collateralWeight": "0",
        }
        order = ("currency", "available", "reserved", "total", "updatedAt", "lendReserved",
                 "borrowCollateralReserved", "borrowedAmount", "totalInReference",
                 "totalInReferenceWeighted", "referenceCurrency")
        return {key: rest[key] for key in order}

    def _move(self, currency: str, available: Decimal = Decimal(0), reserved: Decimal = Decimal(0)) -> None:
        balance = self._balances[currency]
        balance.available += available
        balance.reserved += reserved
        balance.updated_at = self.clock()
        self._emit("BALANCE_UPDATE", None, self.ws_balance(currency), account=True)

    def adjust_balance(self, currency: str, delta: Decimal) -> None:
        """A balance drift: funds moved outside the app (a deposit, or a withdrawal if negative)."""
        if currency not in self._balances:
            raise ConfigError(f"unknown currency {currency!r}")
        self._move(currency, available=DecimalGateway.validate_decimal(delta))

    # --- orders ----------------------------------------------------------------------------------
    def open_orders(self) -> list[SimOrder]:
        return [order for order in self._orders.values() if order.is_open]

    def open_orders_wire(self) -> list[dict[str, Any]]:
        """``OPEN_ORDERS_UPDATE`` data: every open order, across all books."""
        return [order.ws_open_wire() for order in self.open_orders()]

    def active_order(
        self, pair: str, *, order_id: str | None = None, customer_order_id: str | None = None
    ) -> SimOrder:
        """``GET /v1/orders/{pair}/orderid|customerorderid``. VALR's collection shows finished
        orders there; its agent skill says the lookup can 404 for one. With
        ``finished_orders_in_active_lookup`` False, a finished order is a 404 (-1)."""
        order = self.order(pair, order_id=order_id, customer_order_id=customer_order_id)
        if not self.finished_orders_in_active_lookup and not order.is_open:
            raise ExchangeError("Order not found", status=404, valr_code=-1)
        return order

    def order_history_summary(
        self, *, order_id: str | None = None, customer_order_id: str | None = None
    ) -> dict[str, Any]:
        """"Order History Summary": completed orders only ("Orders that are not completed are
        invalid for this request")."""
        candidates = [
            order for order in self._orders.values()
            if not order.is_open
            and (order.order_id == order_id if order_id is not None
                 else order.customer_order_id == customer_order_id)
        ]
        if not candidates:
            raise bad_request(-1, "Invalid Order. ")
        return max(candidates, key=lambda order: order.created_at).history_wire()

    def order(
        self, pair: str, *, order_id: str | None = None, customer_order_id: str | None = None
    ) -> SimOrder:
        """Look an order up as ``GET /v1/orders/{pair}/orderid|customerorderid`` does."""
        candidates = [
            order
            for order in self._orders.values()
            if order.pair == pair.upper()
            and (
                order.order_id == order_id
                if order_id is not None
                else order.customer_order_id == customer_order_id
            )
        ]
        if not candidates:
            raise bad_request(-1, "Invalid Order. ")
        return max(candidates, key=lambda order: order.created_at)  # newest reuse of a customer id

    def order_history(self, skip: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        orders = sorted(self._orders.values(), key=lambda order: order.updated_at, reverse=True)
        return [order.history_wire() for order in orders[skip : skip + limit]]

    def trade_history(self, skip: int = 0, limit: int = 100, pair: str | None = None) -> list[dict[str, Any]]:
        trades = [trade for trade in self._trades if pair is None or trade.pair == pair.upper()]
        return [trade.to_wire() for trade in trades[skip : skip + limit]]

    def place_limit_order(self, body: Any, *, defer: bool = False) -> SimOrder:
        """``POST /v1/orders/limit``: validate (400 errors), then accept and process. Lack of
        funds is not a 400: the order is accepted and then Failed, as on VALR. With ``defer``
        the order is only accepted: ``process_accepted`` later places it (VALR's 202 window,
        in which a lookup does not find it yet)."""
        request = self._parse_limit(body)
        return self._accept(request, order_type="limit", defer=defer)

    def process_accepted(self, order: SimOrder) -> None:
        """Place and match an order accepted with ``defer``; its events follow."""
        if order.order_id in self._orders:
            return
        self._orders[order.order_id] = order
        self._process(order, self.markets[order.pair].info)

    def _accept(self, request: _OrderRequest, order_type: str, *, defer: bool = False) -> SimOrder:
        now = self.clock()
        order = SimOrder(
            order_id=self._new_id(), customer_order_id=request.customer_order_id,
            pair=request.info.symbol, side=request.side, price=request.price,
            original_quantity=request.quantity, remaining_quantity=request.quantity,
            time_in_force=request.time_in_force, post_only=request.post_only, created_at=now,
            updated_at=now, order_type=order_type,
        )
        if not defer:
            self.process_accepted(order)
        return order

    def _parse_limit(self, body: Any) -> _OrderRequest:
        if not isinstance(body, dict):
            raise bad_request(-113, "Invalid JSON: expected an object")
        info = self._pair_of(body)
        side = body.get("side")
        if not isinstance(side, str) or side.upper() not in ("BUY", "SELL"):
            raise _validation("side", "must be BUY or SELL")
        price = _decimal_field(body, "price")
        if price <= 0 or price % info.tick_size != 0:
            raise _validation("price", f"must be a positive multiple of the tick size {info.tick_size}")
        quantity = DecimalGateway.truncate(_decimal_field(body, "quantity"), info.base_decimal_places)
        customer_order_id = self._customer_order_id(body)
        time_in_force = str(body.get("timeInForce", "GTC")).upper()
        if time_in_force not in TIME_IN_FORCE:
            raise _validation("timeInForce", "must be GTC, IOC or FOK")
        post_only = body.get("postOnly", False)
        if not isinstance(post_only, bool):
            raise _validation("postOnly", "must be true or false")
        self._check_size(info, quantity, DecimalGateway.multiply(quantity, price))
        return _OrderRequest(info, side.upper(), quantity, price, customer_order_id, time_in_force, post_only)

    def _pair_of(self, body: dict[str, Any]) -> PairInfo:
        pair = body.get("pair")
        if not isinstance(pair, str):
            raise _validation("pair", "is required")
        return self.market(pair).info

    def _customer_order_id(self, body: dict[str, Any]) -> str | None:
        value = body.get("customerOrderId")
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not CUSTOMER_ORDER_ID.match(value):
            raise _validation("customerOrderId", "must match ^[0-9a-zA-Z-]{0,50}$")
        if any(order.customer_order_id == value for order in self.open_orders()):
            raise bad_request(-11502, "Duplicate customer order ID: an open order already uses it")
        return value

    @staticmethod
    def _check_size(info: PairInfo, quantity: Decimal, total: Decimal) -> None:
        if quantity < info.min_base:
            raise bad_request(
                -12007, f"Minimum order size not met. Minimum amount: {info.min_base} {info.base}"
            )
        if total < info.min_quote:
            raise bad_request(
                -12007, f"Minimum order size not met. Minimum total: {info.min_quote} {info.quote}"
            )
        if quantity > info.max_base or total > info.max_quote:
            raise _validation("quantity", f"order exceeds the maximum of {info.max_quote} {info.quote}")

    def _reservation(self, order: SimOrder, info: PairInfo) -> tuple[str, Decimal]:
        if order.side == "BUY":
            return info.quote, DecimalGateway.multiply(order.remaining_quantity, order.price)
        return info.base, order.remaining_quantity

    def _process(self, order: SimOrder, info: PairInfo) -> None:
        currency, needed = self._reservation(order, info)
        market = self.markets[info.symbol]
        opposite = market.asks if order.side == "BUY" else market.bids
        plan = plan_arrival(
            order.side, order.price, order.remaining_quantity,
            [(level.price, level.quantity) for level in opposite],
            post_only=order.post_only, time_in_force=order.time_in_force,
        )
        if needed > self._balances[currency].available:
            self._finish(order, "Failed", INSUFFICIENT_BALANCE)
        elif plan.outcome is Arrival.FAILED:
            self._finish(order, "Failed", plan.reason)
        else:
            self._move(currency, available=-needed, reserved=needed)
            self._emit_status(order)
            for fill in market.take(order.side, order.price, plan.filled):
                self._apply_fill(order, fill.price, fill.quantity, self.taker_fee, maker=False)
            if plan.outcome is Arrival.CANCELLED:
                self._release(order)
                self._finish(order, "Cancelled")
            else:
                self._settle_status(order, always=False)
            market.touch(self._stamp())
            self._publish_market(market)
        self._emit(
            "ORDER_PROCESSED", None,
            {
                "orderId": order.order_id,
                "success": order.status != "Failed",
                "failureReason": order.failed_reason,
                **({"customerOrderId": order.customer_order_id} if order.customer_order_id else {}),
            },
            account=True,
        )
        self._emit("OPEN_ORDERS_UPDATE", None, self.open_orders_wire(), account=True)

    def _apply_fill(
        self, order: SimOrder, price: Decimal, quantity: Decimal, fee_rate: Decimal, *, maker: bool
    ) -> None:
        """Settle one fill: release the reservation it used, pay, receive minus the fee (charged
        in the received currency), and record the account trade and the public trade."""
        info = self.markets[order.pair].info
        value = DecimalGateway.multiply(price, quantity)
        if order.side == "BUY":
            reserved_part = DecimalGateway.multiply(order.price, quantity)
            fee = amount(DecimalGateway.multiply(quantity, fee_rate))
            self._move(info.quote, available=reserved_part - value, reserved=-reserved_part)
            self._move(info.base, available=quantity - fee)
            fee_currency = info.base
        else:
            fee = amount(DecimalGateway.multiply(value, fee_rate))
            self._move(info.base, reserved=-quantity)
            self._move(info.quote, available=value - fee)
            fee_currency = info.quote
        order.remaining_quantity -= quantity
        order.filled_value += value
        order.total_fee += fee
        order.fee_currency = fee_currency
        order.last_fill = (price, quantity, fee)
        order.updated_at = self.clock()
        sequence_id = self._next_sequence()
        trade = AccountTrade(
            price, quantity, order.pair, self._stamp(), order.side, fee, fee_currency, order.order_id,
            order.customer_order_id, sequence_id, self._new_id(),
        )
        self._trades.insert(0, trade)
        public_taker = ("SELL" if order.side == "BUY" else "BUY") if maker else order.side
        public = self.markets[order.pair].record_trade(
            price, quantity, public_taker, self._stamp(), sequence_id
        )
        self._emit("NEW_TRADE", order.pair, _ws_trade(public.to_wire()), account=False)
        self._emit("NEW_ACCOUNT_TRADE", order.pair, trade.ws_wire(), account=True)

    def _settle_status(self, order: SimOrder, *, always: bool = True) -> None:
        if order.remaining_quantity <= 0:
            self._finish(order, "Filled")
        elif order.remaining_quantity < order.original_quantity and (
            always or order.status != "Partially Filled"
        ):
            order.status = "Partially Filled"
            self._emit_status(order)

    def _finish(self, order: SimOrder, status: str, reason: str = "") -> None:
        order.status = status
        order.failed_reason = reason
        order.updated_at = self.clock()
        self._emit_status(order)

    def _emit_status(self, order: SimOrder) -> None:
        self._emit("ORDER_STATUS_UPDATE", None, order.ws_status_wire(), account=True)

    def _release(self, order: SimOrder) -> None:
        currency, reserved = self._reservation(order, self.markets[order.pair].info)
        if reserved > 0:
            self._move(currency, available=reserved, reserved=-reserved)

    def cancel_order(self, body: Any) -> None:
        """``DELETE /v1/orders/order``: 202 for any well-formed request; an unknown or closed
        order is reported on the account socket as FAILED_CANCEL_ORDER, as on VALR."""
        if not isinstance(body, dict):
            raise bad_request(-113, "Invalid JSON: expected an object")
        info = self._pair_of(body)
        order_id, customer_order_id = body.get("orderId"), body.get("customerOrderId")
        if not isinstance(order_id, str) and not isinstance(customer_order_id, str):
            raise _validation("orderId", "orderId or customerOrderId is required")
        try:
            if isinstance(order_id, str):
                order = self.order(info.symbol, order_id=order_id)
            else:
                order = self.order(info.symbol, customer_order_id=customer_order_id)
        except ExchangeError:
            order = None
        if order is None or not order.is_open:
            self._emit(
                "FAILED_CANCEL_ORDER", None,
                {"orderId": order_id or "", "message": "Order not found or no longer open"}, account=True,
            )
            return
        self._release(order)
        self._finish(order, "Cancelled")
        self._emit("OPEN_ORDERS_UPDATE", None, self.open_orders_wire(), account=True)
        self._publish_market(self.markets[order.pair])

    def modify_order(self, body: Any) -> str:
        """``PUT /v1/orders/modify`` ("Modify Order V1"): validate, answer 202 with the modify
        request's id, then apply it; the outcome goes to /ws/account as ``MODIFY_ORDER_OUTCOME``
        (and, when it changed the order, ``ORDER_STATUS_UPDATE`` "Order Modified")."""
        if not isinstance(body, dict):
            raise bad_request(-113, "Invalid JSON: expected an object")
        info = self._pair_of(body)
        order_id = body.get("orderId")
        if not isinstance(order_id, str) or not order_id:
            raise _validation("orderId", "must not be blank")
        strategy = body.get("modifyMatchStrategy")
        if strategy not in MODIFY_MATCH_STRATEGIES:
            raise _validation("modifyMatchStrategy", "must be RETAIN_ORIGINAL, CANCEL_ORIGINAL or REPRICE")
        new_price = _decimal_field(body, "newPrice") if "newPrice" in body else None
        if new_price is not None and (new_price <= 0 or new_price % info.tick_size != 0):
            raise _validation("newPrice", f"must be a positive multiple of the tick size {info.tick_size}")
        if "newRemainingQuantity" in body and "newTotalQuantity" in body:
            raise _validation("newRemainingQuantity", "give it or newTotalQuantity, not both")
        remaining = total = None
        if "newRemainingQuantity" in body:
            remaining = DecimalGateway.truncate(
                _decimal_field(body, "newRemainingQuantity"), info.base_decimal_places)
        if "newTotalQuantity" in body:
            total = DecimalGateway.truncate(
                _decimal_field(body, "newTotalQuantity"), info.base_decimal_places)
        modify_id = self._new_id()
        try:
            order = self.order(info.symbol, order_id=order_id)
        except ExchangeError:
            order = None
        if order is None or not order.is_open:
            self._modify_outcome(modify_id, order_id, None, "Order not found or no longer open")
            return modify_id
        self._apply_modify(modify_id, order, info, str(strategy), new_price, remaining, total)
        return modify_id

    def _apply_modify(
        self, modify_id: str, order: SimOrder, info: PairInfo, strategy: str,
        new_price: Decimal | None, remaining: Decimal | None, total: Decimal | None,
    ) -> None:
        market = self.markets[info.symbol]
        price = new_price if new_price is not None else order.price
        if total is not None:
            remaining = total - order.filled_quantity
        if remaining is None:
            remaining = order.remaining_quantity
        if remaining <= 0:  # "If newTotalQuantity is less than the filled quantity, the order is canceled"
            self._release(order)
            self._finish(order, "Cancelled")
            self._modify_outcome(modify_id, order.order_id, order.customer_order_id, "")
            self._after_order_change(market)
            return
        if price == order.price and remaining == order.remaining_quantity:
            self._modify_outcome(modify_id, order.order_id, order.customer_order_id,
                                 "Modify order would not have modified anything and was cancelled")
            return
        if market.liquidity(order.side, price) > 0:
            if strategy == "RETAIN_ORIGINAL":
                self._modify_outcome(modify_id, order.order_id, order.customer_order_id,
                                     "Modify order would have matched and was cancelled")
                return
            if strategy == "CANCEL_ORIGINAL":
                self._release(order)
                self._finish(order, "Cancelled")
                self._modify_outcome(modify_id, order.order_id, order.customer_order_id, "")
                self._after_order_change(market)
                return
            best = market.best_ask() if order.side == "BUY" else market.best_bid()
            if best is not None:  # REPRICE: one tick inside the other side
                price = best - info.tick_size if order.side == "BUY" else best + info.tick_size
        before = (order.price, order.remaining_quantity, order.original_quantity)
        self._release(order)
        order.price, order.remaining_quantity = price, remaining
        order.original_quantity = order.filled_quantity + remaining if total is None else total
        currency, needed = self._reservation(order, info)
        if needed > self._balances[currency].available:
            order.price, order.remaining_quantity, order.original_quantity = before
            currency, needed = self._reservation(order, info)
            self._move(currency, available=-needed, reserved=needed)
            self._modify_outcome(modify_id, order.order_id, order.customer_order_id, INSUFFICIENT_BALANCE)
            return
        self._move(currency, available=-needed, reserved=needed)
        order.status = "Order Modified"
        order.updated_at = self.clock()
        self._emit_status(order)
        self._modify_outcome(modify_id, order.order_id, order.customer_order_id, "")
        self._after_order_change(market)

    def _modify_outcome(
        self, modify_id: str, order_id: str, customer_order_id: str | None, failure: str
    ) -> None:
        data: dict[str, Any] = {"success": not failure, "orderId": order_id}
        if customer_order_id:
            data["customerOrderId"] = customer_order_id
        data["modifyRequestId"] = modify_id
        self._emit("MODIFY_ORDER_OUTCOME", None, data, account=True)

    def _after_order_change(self, market: PairMarket) -> None:
        self._emit("OPEN_ORDERS_UPDATE", None, self.open_orders_wire(), account=True)
        self._publish_market(market)

    def place_market_order(self, body: Any) -> SimOrder:
        """``POST /v1/orders/market`` (``baseAmount`` or ``quoteAmount``): an IOC taker order that
        walks the book. The app never sends one; it exists so the surface matches VALR."""
        if not isinstance(body, dict):
            raise bad_request(-113, "Invalid JSON: expected an object")
        info = self._pair_of(body)
        side = str(body.get("side", "")).upper()
        if side not in ("BUY", "SELL"):
            raise _validation("side", "must be BUY or SELL")
        market = self.markets[info.symbol]
        book = market.asks if side == "BUY" else market.bids
        if not book:
            raise bad_request(-11, "No liquidity")
        worst = book[-1].price
        if "baseAmount" in body:
            quantity = DecimalGateway.truncate(_decimal_field(body, "baseAmount"), info.base_decimal_places)
        else:
            quote_amount = _decimal_field(body, "quoteAmount")
            quantity = _base_for_quote(book, quote_amount, info.base_decimal_places)
        customer_order_id = self._customer_order_id(body)
        self._check_size(info, quantity, DecimalGateway.multiply(quantity, book[0].price))
        request = _OrderRequest(info, side, quantity, worst, customer_order_id, "IOC", False)
        return self._accept(request, order_type="market")

    # --- faults ----------------------------------------------------------------------------------
    def inject_fault(self, kind: str, duration_s: float | int | Decimal | str, **params: Any) -> Fault:
        """Start a fault for ``duration_s`` seconds of the simulator's clock. ``price_shock`` and
        ``balance_drift`` act once at injection; the others act while active."""
        duration = parse_duration(duration_s)
        normalised = validate_params(kind, params, self.pairs, self.currencies)
        now = self.clock()
        fault = Fault(kind, normalised, now, now + duration)
        self._faults.append(fault)
        self._emit(FAULT_EVENT, None, {"kind": kind}, account=False)
        if kind == "price_shock":
            factor = 1 + normalised["pct"] / HUNDRED
            for pair, market in self.markets.items():
                if normalised["pair"] in (None, pair):
                    self.set_price(pair, scale(market.mid, factor))
        elif kind == "balance_drift":
            self.adjust_balance(normalised["currency"], normalised["delta"])
        elif kind == "spread_blowout":
            for market in self.markets.values():
                self._refresh(market)
                self._publish_market(market)
        return fault

    def clear_faults(self) -> None:
        self._faults.clear()

    def active_faults_raw(self) -> list[Fault]:
        now = self.clock()
        self._faults = [fault for fault in self._faults if fault.expires_at > now]
        return list(self._faults)

    def active_faults(self) -> list[dict[str, Any]]:
        now = self.clock()
        return [fault.to_wire(now) for fault in self.active_faults_raw()]

    def fault(self, kind: str) -> Fault | None:
        """The newest active fault of ``kind``, if any."""
        matching = [fault for fault in self.active_faults_raw() if fault.kind == kind]
        return matching[-1] if matching else None

    def state(self) -> dict[str, Any]:
        """``GET /_sim/state``: a snapshot for humans and tests."""
        return {
            "time": self._stamp(),
            "markets": {
                pair: {
                    "mid": DecimalGateway.to_wire(market.mid),
                    "bestBid": DecimalGateway.to_wire(market.best_bid() or Decimal(0)),
                    "bestAsk": DecimalGateway.to_wire(market.best_ask() or Decimal(0)),
                }
                for pair, market in self.markets.items()
            },
            "balances": self.balances_wire(),
            "openOrders": [order.open_wire() for order in self.open_orders()],
            "faults": self.active_faults(),
            "requests": len(self.request_log),
        }


def _by_price(levels: list[Level]) -> dict[Decimal, Level]:
    """Copies of ``levels`` by price, for merging orders into without touching the maker book."""
    return {level.price: Level(level.price, level.quantity, level.order_count) for level in levels}


def _ws_trade(trade: dict[str, Any]) -> dict[str, Any]:
    """NEW_TRADE data carries fewer fields than the REST trade."""
    return {key: trade[key] for key in ("price", "quantity", "currencyPair", "tradedAt", "takerSide")}


def _validation(field_name: str, problem: str) -> ExchangeError:
    """VALR's -11 with ``validationErrors: {"errors": [{"field", "message"}]}`` (collection:
    "Register Subaccount With KYC Info", 400)."""
    return bad_request(
        -11, "Invalid Request, please check your request and try again",
        validationErrors={"errors": [{"field": field_name, "message": problem}]},
    )


def _decimal_field(body: dict[str, Any], name: str) -> Decimal:
    try:
        return DecimalGateway.to_decimal(body.get(name))
    except DecimalError:
        raise _validation(name, "must be a decimal number") from None


def _base_for_quote(book: list[Level], quote_amount: Decimal, decimals: int) -> Decimal:
    """How much base ``quote_amount`` buys (or sells for) walking ``book``."""
    left, base = quote_amount, Decimal(0)
    for level in book:
        level_value = DecimalGateway.multiply(level.price, level.quantity)
        if level_value >= left:
            base += DecimalGateway.divide(left, level.price)
            break
        base += level.quantity
        left -= level_value
    return DecimalGateway.truncate(base, decimals)
