"""VALR's account WebSocket (``/ws/account``) as a stream of typed, frozen events.

VALR processes an order asynchronously: ``POST /v1/orders/limit`` answers 202 with an id, and
what happens next arrives here. On connecting, VALR sends one ``BALANCE_UPDATE`` per asset and
one ``OPEN_ORDERS_UPDATE`` with every open order; after that, as things happen:
``ORDER_PROCESSED``, ``ORDER_STATUS_UPDATE``, ``NEW_ACCOUNT_TRADE``, ``BALANCE_UPDATE``,
``OPEN_ORDERS_UPDATE``, ``FAILED_CANCEL_ORDER`` and ``MODIFY_ORDER_OUTCOME`` (shapes from the
samples in VALR's reference, "WebSocket API / Account / Read").

Use::

    stream = AccountStream(settings.ws_url, signer=VALRSigner(key, secret))
    async for event in stream.events():        # runs until stream.close()
        match event:
            case OrderStatusEvent(status=status):   # status: models.OrderStatus
                ...                                  # status.status_class: OPEN / FILLED / ...
            case AccountTradeEvent(trade=trade):    # models.AccountTrade (a fill of ours)
                ...
            case BalanceEvent(balance=balance):     # models.Balance
                ...
            case OpenOrdersEvent(orders=orders):    # every open order (a full snapshot)
                ...
            case FailedCancelEvent(order_id=oid, message=why):
                ...

The stream reconnects by itself (``ValrSocket``); after every reconnect VALR resends the
balances and the open orders, so a consumer that treats ``OpenOrdersEvent`` as the full truth
needs no gap handling beyond that. ``stream.state`` and ``on_state`` tell when it is down
(REST lookups are the fallback then). ``parse_account_message`` is the parser on its own. A
malformed frame is logged and skipped; unknown event types are ignored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from valr_tui.errors import DecimalError, MalformedResponseError
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.models import AccountTrade, Balance, OrderStatus, optional_dec, text
from valr_tui.exchange.stream import ValrSocket, decode_frame

ACCOUNT_PATH: Final = "/ws/account"


@dataclass(frozen=True, slots=True)
class OrderStatusEvent:
    """``ORDER_STATUS_UPDATE``: the order as it now stands, with the latest execution."""

    status: OrderStatus
    executed_price: Decimal | None
    executed_quantity: Decimal | None
    executed_fee: Decimal | None


@dataclass(frozen=True, slots=True)
class AccountTradeEvent:
    """``NEW_ACCOUNT_TRADE``: one fill of one of our orders."""

    trade: AccountTrade


@dataclass(frozen=True, slots=True)
class BalanceEvent:
    """``BALANCE_UPDATE``: one currency's balance now."""

    balance: Balance


@dataclass(frozen=True, slots=True)
class OpenOrdersEvent:
    """``OPEN_ORDERS_UPDATE``: every open order of the account, across all books."""

    orders: tuple[OrderStatus, ...]


@dataclass(frozen=True, slots=True)
class FailedCancelEvent:
    """``FAILED_CANCEL_ORDER``: a cancel VALR accepted (202) but could not carry out."""

    order_id: str
    message: str


@dataclass(frozen=True, slots=True)
class OrderProcessedEvent:
    """``ORDER_PROCESSED``: the outcome of an order VALR answered 202 for."""

    order_id: str
    success: bool
    failure_reason: str
    customer_order_id: str | None


@dataclass(frozen=True, slots=True)
class ModifyOutcomeEvent:
    """``MODIFY_ORDER_OUTCOME``: the outcome of a ``modify_order`` request."""

    order_id: str
    success: bool
    modify_request_id: str
    customer_order_id: str | None


AccountEvent = (
    OrderStatusEvent | AccountTradeEvent | BalanceEvent | OpenOrdersEvent | FailedCancelEvent
    | OrderProcessedEvent | ModifyOutcomeEvent
)


def _customer_order_id(data: Mapping[str, Any]) -> str | None:
    value = data.get("customerOrderId")
    return value if isinstance(value, str) and value else None


def _success(data: Mapping[str, Any], what: str) -> bool:
    value = data.get("success")
    if not isinstance(value, bool):
        raise MalformedResponseError(f"{what}: field 'success' is not true or false")
    return value


def _order_status(data: Mapping[str, Any]) -> OrderStatusEvent:
    what = "ORDER_STATUS_UPDATE"
    return OrderStatusEvent(
        status=OrderStatus.from_order_status(data),
        executed_price=optional_dec(data, "executedPrice", what),
        executed_quantity=optional_dec(data, "executedQuantity", what),
        executed_fee=optional_dec(data, "executedFee", what),
    )


def _open_orders(data: Any) -> OpenOrdersEvent:
    if not isinstance(data, list):
        raise MalformedResponseError("OPEN_ORDERS_UPDATE: data is not a list")
    return OpenOrdersEvent(tuple(OrderStatus.from_open_order(item) for item in data))


def _with_pair(data: Mapping[str, Any], pair: object) -> Mapping[str, Any]:
    if "currencyPair" in data or not isinstance(pair, str):
        return data
    return {**data, "currencyPair": pair}


def parse_account_message(raw: str | bytes) -> AccountEvent | None:
    """One /ws/account frame as an event; ``None`` for control frames (AUTHENTICATED, PONG) and
    event types this app does not use. Raises MalformedResponseError (VALR-EXC-003) for a frame
    that is not the shape VALR documents."""
    return account_event(decode_frame(raw, "account stream"))


def account_event(message: Mapping[str, Any]) -> AccountEvent | None:
    """``parse_account_message`` for a frame already decoded."""
    kind = message.get("type")
    data = message.get("data")
    try:
        if kind == "OPEN_ORDERS_UPDATE":
            return _open_orders(data)
        if kind not in _OBJECT_EVENTS:
            return None
        if not isinstance(data, Mapping):
            raise MalformedResponseError(f"account stream: {kind} without a data object")
        return _OBJECT_EVENTS[kind](data, message.get("currencyPairSymbol"))
    except MalformedResponseError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, DecimalError):
        raise MalformedResponseError(f"account stream: {kind} has an unexpected shape") from None


_OBJECT_EVENTS: Final[dict[str, Callable[[Mapping[str, Any], object], AccountEvent]]] = {
    "ORDER_STATUS_UPDATE": lambda data, pair: _order_status(data),
    "NEW_ACCOUNT_TRADE": lambda data, pair: AccountTradeEvent(AccountTrade.from_valr(_with_pair(data, pair))),
    "BALANCE_UPDATE": lambda data, pair: BalanceEvent(Balance.from_valr(data)),
    "FAILED_CANCEL_ORDER": lambda data, pair: FailedCancelEvent(
        text(data, "orderId", "FAILED_CANCEL_ORDER", ""), text(data, "message", "FAILED_CANCEL_ORDER", "")
    ),
    "ORDER_PROCESSED": lambda data, pair: OrderProcessedEvent(
        text(data, "orderId", "ORDER_PROCESSED"), _success(data, "ORDER_PROCESSED"),
        text(data, "failureReason", "ORDER_PROCESSED", ""), _customer_order_id(data),
    ),
    "MODIFY_ORDER_OUTCOME": lambda data, pair: ModifyOutcomeEvent(
        text(data, "orderId", "MODIFY_ORDER_OUTCOME"), _success(data, "MODIFY_ORDER_OUTCOME"),
        text(data, "modifyRequestId", "MODIFY_ORDER_OUTCOME", ""), _customer_order_id(data),
    ),
}


class AccountStream(ValrSocket[AccountEvent]):
    """``/ws/account``, always signed (VALR refuses it otherwise). Every keyword of
    ``ValrSocket`` applies (``ping_interval``, ``pong_timeout``, backoff, ``on_state``)."""

    path = ACCOUNT_PATH
    name = "account stream"

    def __init__(self, ws_url: str, *, signer: VALRSigner, **kwargs: Any) -> None:
        super().__init__(ws_url, signer=signer, **kwargs)

    def __repr__(self) -> str:
        return f"AccountStream(url={self._url!r}, state={self.state})"

    def events(self) -> AsyncIterator[AccountEvent]:
        """Every account event from every connection, in order, until ``close()``."""
        return self.updates()

    def _parse_frame(self, message: Mapping[str, Any]) -> AccountEvent | None:
        return account_event(message)
