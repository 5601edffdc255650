"""The rules every new order must pass: the only copy, used by the order manager (before storing
and sending), the order form's live preview and every test fake.

``check_order`` is a pure function of the request and what it is checked against (pairs, limits,
the market, the safety state and the free funds). It returns every problem, in the documented
order, each with its error code; an empty ``problems`` means the order may be sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

from storage.orders import TimeInForce, time_in_force
from valr_tui.config import Settings
from valr_tui.errors import (
    BelowMinimumError,
    DecimalError,
    InsufficientBalanceError,
    InvalidPostOnlyError,
    InvalidPriceError,
    InvalidQuantityError,
    InvalidSideError,
    InvalidTimeInForceError,
    MarketOrderRejected,
    OrderOutcomeUnknownError,
    OrderRejected,
    StaleMarketDataError,
    UnknownPairError,
    ValrTuiError,
)
from valr_tui.exchange.models import Pair
from valr_tui.money import Side
from valr_tui.money.decimal_gateway import DecimalGateway, safe_text
from valr_tui.trading.market_rules import check_market
from valr_tui.trading.paper import reservation
from valr_tui.trading.price_band import check_price_band
from valr_tui.trading.safety import SafetyStatus, trading_refusal
from valr_tui.trading.views import MarketView, OrderRequest
from valr_tui.trading.zar_value import max_order_problem

# Only plain decimals from the order form: digits with at most one point, optional minus (so a
# negative gets the "must be positive" message). No exponents ("1e5"), no thousands separators,
# no unicode digits, no signs other than "-".
_PLAIN_DECIMAL_RE = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")

MarketCheck = Callable[[MarketView, float, Settings], list[ValrTuiError]]


@dataclass(frozen=True, slots=True)
class Funds:
    """What an order may spend: a name for the message and the free amount of each currency."""

    where: str  # "paper wallet", "VALR account (last known)"
    available: Callable[[str], Decimal]


@dataclass(frozen=True, slots=True)
class CheckedOrder:
    """The parsed request (each field None where it could not be read) and every problem."""

    problems: tuple[ValrTuiError, ...]
    pair: Pair | None
    side: Side | None
    price: Decimal | None
    quantity: Decimal | None
    value: Decimal | None
    time_in_force: TimeInForce | None = None
    post_only: bool = False


def parse_amount(raw: object, what: str, error: type[OrderRejected]) -> Decimal:
    """A positive, finite, plain decimal from the form (str) or code (Decimal/int) or a coded error."""
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            raise error(f"{what} is empty: type a number such as 1234.5")
        if len(text) > 40 or not _PLAIN_DECIMAL_RE.fullmatch(text):
            raise error(f"{what} {raw[:40]!r} is not a plain number (digits and one '.', no exponent)")
        raw = text
    try:
        value = DecimalGateway.to_decimal(raw)
    except DecimalError as exc:
        raise error(f"{what} is not an exact number: {exc.message}") from None
    if value <= 0:
        raise error(f"{what} must be greater than zero (got {DecimalGateway.to_wire(value)})")
    return value


def check_order(
    request: OrderRequest,
    *,
    pairs: Mapping[str, Pair],
    settings: Settings,
    market: Callable[[str], MarketView],
    clock: Callable[[], float],
    safety: SafetyStatus,
    funds: Funds | None,
    storage_fault: ValrTuiError | None = None,
    market_check: MarketCheck = check_market,
    unknown_outcome_pairs: Collection[str] = (),
    already_filled: Decimal = Decimal(0),
) -> CheckedOrder:
    """Every problem with ``request``: type, post-only, side, pair, price, quantity, the pair's
    rules, the order limit (in ZAR), the market, the safety state (a ``storage_fault`` first, with
    its own code), an earlier order of unknown outcome on the pair (``unknown_outcome_pairs``),
    then the funds (``None``: balances not known yet), then the price band. An amend checks its
    new total quantity; only the part not ``already_filled`` needs funds."""
    problems: list[ValrTuiError] = []
    order_type = request.order_type if isinstance(request.order_type, str) else ""
    if order_type.strip().upper() != "LIMIT":
        shown = safe_text(request.order_type, 20)
        problems.append(MarketOrderRejected(
            f"{shown!r} orders are not allowed: only LIMIT orders are sent (MARKET is rejected)"
        ))
    if not isinstance(request.post_only, bool):  # "false" is truthy: never guess
        shown = type(request.post_only).__name__
        problems.append(InvalidPostOnlyError(f"post_only must be True or False, not a {shown}"))
    tif, tif_problem = time_in_force_problem(request)
    if tif_problem is not None:
        problems.append(tif_problem)
    side_text = request.side.strip().upper() if isinstance(request.side, str) else ""
    side: Side | None = None
    if side_text in ("BUY", "SELL"):
        side = "BUY" if side_text == "BUY" else "SELL"
    else:
        problems.append(InvalidSideError(f"side {safe_text(request.side, 20)!r} must be BUY or SELL"))
    symbol = request.pair.strip().upper() if isinstance(request.pair, str) else ""
    pair = pairs.get(symbol)
    if pair is None or not pair.active:
        state = "inactive" if pair is not None else "unknown"
        problems.append(UnknownPairError(f"pair {safe_text(request.pair, 20)!r} is {state} on VALR"))
        pair = None
    price = quantity = value = None
    try:
        price = parse_amount(request.price, "price", InvalidPriceError)
    except InvalidPriceError as exc:
        problems.append(exc)
    try:
        quantity = parse_amount(request.quantity, "quantity", InvalidQuantityError)
    except InvalidQuantityError as exc:
        problems.append(exc)
    if price is not None and quantity is not None:
        value = DecimalGateway.multiply(price, quantity)
    if pair is not None:
        problems.extend(pair_problems(pair, price, quantity, value))
    if value is not None:
        quote = pair.quote_currency if pair is not None else "ZAR"
        limit_problem = max_order_problem(value, quote, market, clock(), settings)
        if limit_problem is not None:
            problems.append(limit_problem)
    if pair is not None:
        problems.extend(market_problems(pair.symbol, market, clock, settings, market_check))
    halted = trading_refusal(safety, storage_fault)
    if halted is not None:
        problems.append(halted)
    if pair is not None and pair.symbol in unknown_outcome_pairs:
        problems.append(OrderOutcomeUnknownError(
            f"an earlier {pair.symbol} order has an unknown outcome (shown in red); new"
            f" {pair.symbol} orders wait until it is resolved with the exchange", pair=pair.symbol,
        ))
    if pair is not None and side is not None and price is not None and quantity is not None:
        problem = funds_problem(pair, side, price, quantity - already_filled, settings, funds)
        if problem is not None:
            problems.append(problem)
    if pair is not None and side is not None and price is not None:
        problems.extend(band_problems(pair.symbol, side, price, market, settings))
    return CheckedOrder(tuple(problems), pair, side, price, quantity, value, tif,
                        request.post_only is True)


def time_in_force_problem(request: OrderRequest) -> tuple[TimeInForce | None, ValrTuiError | None]:
    """The request's time in force, or VALR-ORD-030. VALR's reference does not say what it does
    with post-only together with IOC or FOK (only that post-only reprice orders must be GTC), so
    the combination is refused here rather than guessed."""
    raw = request.time_in_force
    text = raw.strip().upper() if isinstance(raw, str) else ""
    try:
        tif = time_in_force(text)
    except ValueError:
        return None, InvalidTimeInForceError(
            f"time in force {safe_text(raw, 10)!r} must be GTC, IOC or FOK")
    if request.post_only is True and tif != "GTC":
        return tif, InvalidTimeInForceError(
            f"post-only with {tif} is refused: a post-only order rests as maker, so it must be GTC")
    return tif, None


def band_problems(
    symbol: str, side: str, price: Decimal, market: Callable[[str], MarketView], settings: Settings
) -> list[ValrTuiError]:
    """Fat-finger protection (VALR-ORD-011): a price too far from the mid. No market data: the
    market rules have said so already."""
    try:
        view = market(symbol)
    except (ValrTuiError, LookupError):
        return []
    return list(check_price_band(side, price, view, settings.price_band_pct))


def pair_problems(
    pair: Pair, price: Decimal | None, quantity: Decimal | None, value: Decimal | None
) -> list[ValrTuiError]:
    """The pair's own rules: tick size, base decimals, minimum quantity and minimum total."""
    problems: list[ValrTuiError] = []
    if price is not None and not DecimalGateway.is_multiple(price, pair.tick_size):
        problems.append(InvalidPriceError(
            f"price {DecimalGateway.to_wire(price)} is not a multiple of {pair.symbol}'s tick"
            f" size {DecimalGateway.to_wire(pair.tick_size)}"
        ))
    if quantity is None:
        return problems
    places = DecimalGateway.decimal_places(quantity)
    if places > pair.base_decimal_places:
        problems.append(InvalidQuantityError(
            f"quantity {DecimalGateway.to_wire(quantity)} has {places} decimals;"
            f" {pair.symbol} allows at most {pair.base_decimal_places}"
        ))
    if quantity < pair.min_base_amount:
        problems.append(BelowMinimumError(
            f"quantity {DecimalGateway.to_wire(quantity)} is below {pair.symbol}'s minimum of"
            f" {DecimalGateway.to_wire(pair.min_base_amount)} {pair.base_currency}"
        ))
    if value is not None and value < pair.min_quote_amount:
        problems.append(BelowMinimumError(
            f"order total {DecimalGateway.format_money(value, pair.quote_currency)} is below the"
            f" minimum of {DecimalGateway.format_money(pair.min_quote_amount, pair.quote_currency)}"
        ))
    return problems


def market_problems(
    symbol: str,
    market: Callable[[str], MarketView],
    clock: Callable[[], float],
    settings: Settings,
    market_check: MarketCheck = check_market,
) -> list[ValrTuiError]:
    """The market rules for ``symbol`` now; no data at all counts as stale data."""
    try:
        view = market(symbol)
    except ValrTuiError as exc:
        return [StaleMarketDataError(f"no market data for {symbol}: {exc.message}")]
    except (KeyError, LookupError):
        return [StaleMarketDataError(f"no market data for {symbol}")]
    return list(market_check(view, clock(), settings))


def funds_problem(
    pair: Pair, side: Side, price: Decimal, quantity: Decimal, settings: Settings, funds: Funds | None
) -> ValrTuiError | None:
    """Whether the free funds cover what the order would hold back (with the fee buffer)."""
    if funds is None:
        return InsufficientBalanceError("exchange balances are not known yet; try again shortly")
    currency, needed = reservation(
        side, price, quantity, pair.base_currency, pair.quote_currency, settings.taker_fee_pct
    )
    available = funds.available(currency)
    if available < needed:
        return InsufficientBalanceError(
            f"{funds.where} has {DecimalGateway.format_money(available, currency)} available; this"
            f" order needs {DecimalGateway.format_money(needed, currency)} (including the fee buffer)",
            currency=currency, available=available, needed=needed,
        )
    return None
