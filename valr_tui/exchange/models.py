"""Typed, frozen models of what VALR sends, each parsed from VALR's JSON shape.

Parsing is strict: a missing key, a wrong type or a non-decimal amount raises
``MalformedResponseError`` (VALR-EXC-003), never KeyError or TypeError.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from valr_tui.errors import DecimalError, MalformedResponseError
from valr_tui.money.decimal_gateway import (
    MAX_DECIMALS,
    MAX_INTEGER_DIGITS,
    MAX_SIGNIFICANT_DIGITS,
    DecimalGateway,
)
from valr_tui.money.pairs import SIDES, Side

HUNDRED = Decimal(100)


# --- field readers -------------------------------------------------------------------------------
# An amount as VALR writes it: an optional minus, plain digits, a point, digits. Text of this shape
# that is no longer than the significant-digit limit is within every money limit of the Decimal
# Gateway, so ``Decimal(text)`` is exactly what ``to_decimal`` returns, at a fraction of the cost
# (80 amounts a book frame, 9 a market summary); anything else takes the gateway's own path and
# its errors.
_PLAIN_AMOUNT = re.compile(rf"-?[0-9]{{1,{MAX_INTEGER_DIGITS}}}(?:\.[0-9]{{1,{MAX_DECIMALS}}})?")


def _obj(raw: object, what: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise MalformedResponseError(f"{what}: expected an object, got {type(raw).__name__}")
    return raw


def _list(raw: object, what: str) -> list[Any]:
    if not isinstance(raw, list):
        raise MalformedResponseError(f"{what}: expected a list, got {type(raw).__name__}")
    return raw


def dec(raw: Mapping[str, Any], key: str, what: str, default: Decimal | None = None) -> Decimal:
    """A decimal field sent as a JSON string (or int); floats from our parser are Decimal already.
    Text of the wire's plain shape is ``Decimal(text)`` at once (see ``_PLAIN_AMOUNT``)."""
    value = raw.get(key)
    if type(value) is str and len(value) <= MAX_SIGNIFICANT_DIGITS and _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value)
    if key not in raw or raw[key] is None or raw[key] == "":
        if default is not None:
            return default
        raise MalformedResponseError(f"{what}: missing field {key!r}")
    try:
        return DecimalGateway.to_decimal(raw[key])
    except DecimalError:
        raise MalformedResponseError(f"{what}: field {key!r} is not a decimal") from None


def optional_dec(raw: Mapping[str, Any], key: str, what: str) -> Decimal | None:
    """A decimal field VALR may leave out: ``None`` when absent (never a made-up zero)."""
    if raw.get(key) is None or raw.get(key) == "":
        return None
    return dec(raw, key, what)


def optional_int(raw: Mapping[str, Any], key: str, what: str) -> int | None:
    """An integer field VALR may leave out: ``None`` when absent."""
    if raw.get(key) is None:
        return None
    return integer(raw, key, what)


def text(raw: Mapping[str, Any], key: str, what: str, default: str | None = None) -> str:
    value = raw.get(key)
    if value is None:
        if default is not None:
            return default
        raise MalformedResponseError(f"{what}: missing field {key!r}")
    if not isinstance(value, str):
        raise MalformedResponseError(f"{what}: field {key!r} is not a string")
    return value


def integer(raw: Mapping[str, Any], key: str, what: str, default: int | None = None) -> int:
    value = raw.get(key)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedResponseError(f"{what}: field {key!r} is not an integer")
    return value


def side(raw: Mapping[str, Any], key: str, what: str) -> Side:
    value = text(raw, key, what).upper()
    if value not in SIDES:
        raise MalformedResponseError(f"{what}: field {key!r} is not BUY or SELL")
    return "BUY" if value == "BUY" else "SELL"


# --- models --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Pair:
    symbol: str
    base_currency: str
    quote_currency: str
    tick_size: Decimal
    base_decimal_places: int
    min_base_amount: Decimal
    max_base_amount: Decimal
    min_quote_amount: Decimal
    max_quote_amount: Decimal
    active: bool = True

    @classmethod
    def from_valr(cls, raw: object) -> Pair:
        d = _obj(raw, "pair")
        what = f"pair {d.get('symbol', '?')}"
        return cls(
            symbol=text(d, "symbol", what),
            base_currency=text(d, "baseCurrency", what),
            quote_currency=text(d, "quoteCurrency", what),
            tick_size=dec(d, "tickSize", what),
            base_decimal_places=integer(d, "baseDecimalPlaces", what),
            min_base_amount=dec(d, "minBaseAmount", what, Decimal(0)),
            max_base_amount=dec(d, "maxBaseAmount", what, Decimal("1e12")),
            min_quote_amount=dec(d, "minQuoteAmount", what, Decimal(0)),
            max_quote_amount=dec(d, "maxQuoteAmount", what, Decimal("1e15")),
            active=bool(d.get("active", True)),
        )


def spread_pct(bid: Decimal, ask: Decimal) -> Decimal:
    """Spread as a percentage of the mid price; 0 when either side is missing."""
    if bid <= 0 or ask <= 0:
        return Decimal(0)
    mid = DecimalGateway.divide(bid + ask, Decimal(2))
    return DecimalGateway.divide(DecimalGateway.multiply(ask - bid, HUNDRED), mid)


@dataclass(frozen=True, slots=True)
class TickerData:
    pair: str
    bid: Decimal
    ask: Decimal
    last: Decimal
    previous_close: Decimal
    change_pct: Decimal
    base_volume: Decimal
    quote_volume: Decimal | None  # VALR's MARKET_SUMMARY_UPDATE may omit it: unknown, not zero
    high: Decimal
    low: Decimal
    created: str  # exchange timestamp, ISO 8601 as VALR sent it
    fetched_at: float  # local wall-clock seconds when it arrived (not money)
    source: Literal["rest", "ws"] = "rest"

    @property
    def spread(self) -> Decimal:
        return self.ask - self.bid

    @property
    def spread_pct(self) -> Decimal:
        return spread_pct(self.bid, self.ask)

    @property
    def crossed(self) -> bool:
        """A crossed top of book (ask < bid) has been seen on VALR: flag it, never trust it."""
        return self.bid > 0 and self.ask > 0 and self.ask < self.bid

    @classmethod
    def from_valr(
        cls, raw: object, fetched_at: float, source: Literal["rest", "ws"] = "rest"
    ) -> TickerData:
        d = _obj(raw, "market summary")
        pair = d.get("currencyPair") or d.get("currencyPairSymbol")
        if not isinstance(pair, str):
            raise MalformedResponseError("market summary: missing field 'currencyPair'")
        what = f"market summary {pair}"
        zero = Decimal(0)
        return cls(
            pair=pair,
            bid=dec(d, "bidPrice", what),
            ask=dec(d, "askPrice", what),
            last=dec(d, "lastTradedPrice", what),
            previous_close=dec(d, "previousClosePrice", what, zero),
            change_pct=dec(d, "changeFromPrevious", what, zero),
            base_volume=dec(d, "baseVolume", what, zero),
            quote_volume=optional_dec(d, "quoteVolume", what),
            high=dec(d, "highPrice", what, zero),
            low=dec(d, "lowPrice", what, zero),
            created=text(d, "created", what, ""),
            fetched_at=fetched_at,
            source=source,
        )


@dataclass(frozen=True, slots=True)
class BookLevel:
    price: Decimal
    quantity: Decimal
    order_count: int = 0


# A book arrives whole in every frame, but from one frame to the next most levels are the same
# text: each distinct level is parsed once (Decimal parsing of every level of every frame was the
# stream's largest cost). Bounded: emptied when full, then refilled by the next frames.
_LEVELS_SEEN: dict[tuple[object, object, object], BookLevel] = {}
MAX_LEVELS_SEEN = 4096
# the order counts a remembered level may have been read from: 1, 1.0 and True are equal keys in
# Python but not the same field, so a hit counts only for one of these types
_COUNT_TYPES = (int, str, type(None))


def _book_levels(items: list[Any], what: str) -> tuple[BookLevel, ...]:
    """A side's levels: one seen before straight from the table (the loop is the hot path of every
    book frame), one of the wire's own form (text amounts, an int/text/absent count) parsed and
    remembered, anything else parsed with the full checks."""
    seen, levels = _LEVELS_SEEN, []
    for item in items:
        if type(item) is dict:
            price, quantity, count = item.get("price"), item.get("quantity"), item.get("orderCount")
            level = seen.get((price, quantity, count))
            if level is not None and type(count) in _COUNT_TYPES:
                levels.append(level)
                continue
            if type(price) is str and type(quantity) is str and type(count) in _COUNT_TYPES:
                level = _parse_level(item, what)
                if len(seen) >= MAX_LEVELS_SEEN:
                    seen.clear()
                seen[(price, quantity, count)] = level
                levels.append(level)
                continue
        levels.append(_parse_level(_obj(item, what), what))
    return tuple(levels)


def _parse_level(lv: Mapping[str, Any], what: str) -> BookLevel:
    return BookLevel(
        price=dec(lv, "price", what),
        quantity=dec(lv, "quantity", what),
        order_count=integer(lv, "orderCount", what, 0),
    )


@dataclass(frozen=True, slots=True)
class OrderBook:
    pair: str
    asks: tuple[BookLevel, ...]  # ascending price
    bids: tuple[BookLevel, ...]  # descending price
    sequence: int = 0
    last_change: str = ""

    @property
    def best_bid(self) -> Decimal | None:
        return self.bids[0].price if self.bids else None

    @property
    def best_ask(self) -> Decimal | None:
        return self.asks[0].price if self.asks else None

    @property
    def crossed(self) -> bool:
        bid, ask = self.best_bid, self.best_ask
        return bid is not None and ask is not None and ask < bid

    @classmethod
    def from_valr(cls, raw: object, pair: str) -> OrderBook:
        d = _obj(raw, f"orderbook {pair}")

        def levels(key: str) -> tuple[BookLevel, ...]:
            return _book_levels(_list(d.get(key, []), f"orderbook {pair} {key}"), f"orderbook {pair} level")

        return cls(
            pair=pair,
            asks=levels("Asks"),
            bids=levels("Bids"),
            sequence=integer(d, "SequenceNumber", f"orderbook {pair}", 0),
            last_change=str(d.get("LastChange", "")),
        )


@dataclass(frozen=True, slots=True)
class Balance:
    currency: str
    available: Decimal
    reserved: Decimal
    total: Decimal

    @classmethod
    def from_valr(cls, raw: object) -> Balance:
        d = _obj(raw, "balance")
        cur = d.get("currency")
        if isinstance(cur, Mapping):  # /ws/account sends {"symbol": ...}
            cur = cur.get("symbol")
        if not isinstance(cur, str):
            raise MalformedResponseError("balance: missing field 'currency'")
        what = f"balance {cur}"
        available = dec(d, "available", what)
        reserved = dec(d, "reserved", what, Decimal(0))
        return cls(cur, available, reserved, dec(d, "total", what, available + reserved))


@dataclass(frozen=True, slots=True)
class OrderAck:
    """VALR's 202: accepted for processing, not yet placed."""

    order_id: str
    customer_order_id: str | None = None

    @classmethod
    def from_valr(cls, raw: object) -> OrderAck:
        d = _obj(raw, "order acknowledgement")
        cid = d.get("customerOrderId")
        return cls(text(d, "id", "order acknowledgement"), cid if isinstance(cid, str) else None)


class StatusClass(StrEnum):
    """What a VALR ``orderStatusType`` means for an order's lifecycle."""

    OPEN = "OPEN"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    UNKNOWN = "UNKNOWN"  # a status VALR has not documented: shown and audited, never guessed

    @property
    def is_final(self) -> bool:
        return self in (StatusClass.FILLED, StatusClass.CANCELLED, StatusClass.FAILED, StatusClass.EXPIRED)


# Every orderStatusType VALR documents (collection: WebSocket API / Account / Read,
# ORDER_STATUS_UPDATE; REST Order Status examples add "Active" for untriggered stop orders).
VALR_ORDER_STATUSES: dict[str, StatusClass] = {
    "Placed": StatusClass.OPEN,
    "Active": StatusClass.OPEN,
    "Order Modified": StatusClass.OPEN,
    "Order price has been modified due to slippage limits": StatusClass.OPEN,
    "Partially Filled": StatusClass.PARTIALLY_FILLED,
    "Filled": StatusClass.FILLED,
    "Cancelled": StatusClass.CANCELLED,
    "Partially Filled and Cancelled Due To Slippage": StatusClass.CANCELLED,
    "Expired": StatusClass.EXPIRED,
    "Failed": StatusClass.FAILED,
    "Instant Order Balance Reserve Failed": StatusClass.FAILED,
    "Instant Order Balance Reserved": StatusClass.OPEN,
    "Instant Order Completed": StatusClass.FILLED,
}


def classify_status(status: str) -> StatusClass:
    """The lifecycle class of a VALR status; ``UNKNOWN`` for one VALR has not documented."""
    return VALR_ORDER_STATUSES.get(status.strip(), StatusClass.UNKNOWN)


OPEN_STATUSES = frozenset(
    name for name, kind in VALR_ORDER_STATUSES.items()
    if kind in (StatusClass.OPEN, StatusClass.PARTIALLY_FILLED)
)
FINAL_STATUSES = frozenset(name for name, kind in VALR_ORDER_STATUSES.items() if kind.is_final)


@dataclass(frozen=True, slots=True)
class OrderStatus:
    order_id: str
    pair: str
    side: Side
    status: str
    price: Decimal
    original_quantity: Decimal
    remaining_quantity: Decimal
    customer_order_id: str | None = None
    order_type: str = "limit"
    time_in_force: str = "GTC"
    failed_reason: str = ""
    created_at: str = ""
    updated_at: str = ""
    # Only in the order history summary (a finished order); None elsewhere.
    average_price: Decimal | None = None
    total_executed_quantity: Decimal | None = None
    total_fee: Decimal | None = None
    fee_currency: str | None = None

    @property
    def filled_quantity(self) -> Decimal:
        return self.original_quantity - self.remaining_quantity

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_class(self) -> StatusClass:
        return classify_status(self.status)

    @classmethod
    def from_order_status(cls, raw: object) -> OrderStatus:
        """``GET /v1/orders/{pair}/orderid/{id}`` shape; also the order history summary and the
        account socket's ``ORDER_STATUS_UPDATE``."""
        d = _obj(raw, "order status")
        what = "order status"
        cid = d.get("customerOrderId")
        return cls(
            order_id=text(d, "orderId", what),
            pair=text(d, "currencyPair", what),
            side=side(d, "orderSide", what),
            status=text(d, "orderStatusType", what),
            price=dec(d, "originalPrice", what),
            original_quantity=dec(d, "originalQuantity", what),
            remaining_quantity=dec(d, "remainingQuantity", what),
            customer_order_id=cid if isinstance(cid, str) and cid else None,
            order_type=text(d, "orderType", what, "limit"),
            time_in_force=text(d, "timeInForce", what, "GTC"),
            failed_reason=text(d, "failedReason", what, ""),
            created_at=text(d, "orderCreatedAt", what, ""),
            updated_at=text(d, "orderUpdatedAt", what, ""),
            average_price=optional_dec(d, "averagePrice", what),
            total_executed_quantity=optional_dec(d, "totalExecutedQuantity", what),
            total_fee=optional_dec(d, "totalFee", what),
            fee_currency=d["feeCurrency"] if isinstance(d.get("feeCurrency"), str) else None,
        )

    @classmethod
    def from_open_order(cls, raw: object) -> OrderStatus:
        """``GET /v1/orders/open`` shape (different field names); also the items of the account
        socket's ``OPEN_ORDERS_UPDATE``, which carry the remaining amount as ``quantity``."""
        d = _obj(raw, "open order")
        what = "open order"
        cid = d.get("customerOrderId")
        remaining_key = "remainingQuantity" if "remainingQuantity" in d else "quantity"
        return cls(
            order_id=text(d, "orderId", what),
            pair=text(d, "currencyPair", what),
            side=side(d, "side", what),
            status=text(d, "status", what, "Placed"),
            price=dec(d, "price", what),
            original_quantity=dec(d, "originalQuantity", what),
            remaining_quantity=dec(d, remaining_key, what),
            customer_order_id=cid if isinstance(cid, str) and cid else None,
            order_type=text(d, "type", what, "limit"),
            time_in_force=text(d, "timeInForce", what, "GTC"),
            created_at=text(d, "createdAt", what, ""),
            updated_at=text(d, "updatedAt", what, ""),
        )


@dataclass(frozen=True, slots=True)
class Trade:
    """A public trade (``/v1/public/{pair}/trades``, WS ``NEW_TRADE``)."""

    pair: str
    price: Decimal
    quantity: Decimal
    taker_side: Side
    traded_at: str
    trade_id: str | None  # VALR's NEW_TRADE sample has no id: unknown, shown as "—"
    sequence_id: int | None = None

    @classmethod
    def from_valr(cls, raw: object) -> Trade:
        d = _obj(raw, "trade")
        what = "trade"
        return cls(
            pair=text(d, "currencyPair", what),
            price=dec(d, "price", what),
            quantity=dec(d, "quantity", what),
            taker_side=side(d, "takerSide", what),
            traded_at=text(d, "tradedAt", what, ""),
            trade_id=d["id"] if isinstance(d.get("id"), str) and d["id"] else None,
            sequence_id=optional_int(d, "sequenceId", what),
        )


@dataclass(frozen=True, slots=True)
class AccountTrade:
    """One of our fills (``/v1/account/tradehistory``)."""

    pair: str
    side: Side
    price: Decimal
    quantity: Decimal
    fee: Decimal
    fee_currency: str
    order_id: str
    traded_at: str
    trade_id: str
    sequence_id: int | None = None  # NEW_ACCOUNT_TRADE carries none
    customer_order_id: str | None = field(default=None)

    @classmethod
    def from_valr(cls, raw: object) -> AccountTrade:
        d = _obj(raw, "account trade")
        what = "account trade"
        cid = d.get("customerOrderId")
        return cls(
            pair=text(d, "currencyPair", what),
            side=side(d, "side", what),
            price=dec(d, "price", what),
            quantity=dec(d, "quantity", what),
            fee=dec(d, "fee", what, Decimal(0)),
            fee_currency=text(d, "feeCurrency", what, ""),
            order_id=text(d, "orderId", what),
            traded_at=text(d, "tradedAt", what, ""),
            trade_id=text(d, "id", what, ""),
            sequence_id=optional_int(d, "sequenceId", what),
            customer_order_id=cid if isinstance(cid, str) and cid else None,
        )
