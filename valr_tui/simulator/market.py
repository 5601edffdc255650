"""Pair metadata and the synthetic market of one pair: a random-walk mid price, a book of resting
market-maker liquidity and public trades. Pure Python, no I/O, driven by a seeded ``random.Random``.

Randomness is drawn as integers and turned into Decimals, so no float ever touches a price.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any, Final

from valr_tui.money.decimal_gateway import DecimalGateway

BOOK_LEVELS: Final = 40  # VALR's aggregated book shows 40 levels a side
GRID_BPS: Final = 2  # maker levels sit one every ~2 bps of the price
MAX_RESIZED_PER_TICK: Final = 3  # resting levels a side whose size changes in one tick (0..3)
MAX_TRADES: Final = 100
ONE: Final = Decimal(1)
HUNDRED: Final = Decimal(100)
BPS: Final = Decimal("0.0001")
# Trade sequence ids exceed 2**53 on VALR; so do ours, to catch clients that parse them as floats.
FIRST_SEQUENCE_ID: Final = 2**53 + 1_000_000


@dataclass(frozen=True, slots=True)
class PairInfo:
    """One pair's metadata, as ``GET /v1/public/pairs`` publishes it."""

    symbol: str
    base: str
    quote: str
    min_base: Decimal
    max_base: Decimal
    min_quote: Decimal
    max_quote: Decimal
    tick_size: Decimal
    base_decimal_places: int
    start_price: Decimal
    floor_price: Decimal  # the walk is kept inside [floor, ceiling]
    ceiling_price: Decimal
    lot: Decimal  # unit of synthetic maker quantities

    def to_wire(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "baseCurrency": self.base,
            "quoteCurrency": self.quote,
            "shortName": f"{self.base}/{self.quote}",
            "active": True,
            "minBaseAmount": str(self.min_base),
            "maxBaseAmount": str(self.max_base),
            "minQuoteAmount": str(self.min_quote),
            "maxQuoteAmount": str(self.max_quote),
            "tickSize": str(self.tick_size),
            "baseDecimalPlaces": str(self.base_decimal_places),
            "marginTradingAllowed": False,
            "currencyPairType": "SPOT",
        }


PAIR_CATALOGUE: Final[dict[str, PairInfo]] = {
    "BTCZAR": PairInfo(
        symbol="BTCZAR", base="BTC", quote="ZAR", min_base=Decimal("0.00001"), max_base=Decimal("10"),
        min_quote=Decimal("10"), max_quote=Decimal("5000000"), tick_size=Decimal("1"),
        base_decimal_places=8, start_price=Decimal("1500000"), floor_price=Decimal("1200000"),
        ceiling_price=Decimal("1800000"), lot=Decimal("0.001"),
    ),
    "ETHZAR": PairInfo(
        symbol="ETHZAR", base="ETH", quote="ZAR", min_base=Decimal("0.0002"), max_base=Decimal("200"),
        min_quote=Decimal("10"), max_quote=Decimal("5000000"), tick_size=Decimal("1"),
        base_decimal_places=8, start_price=Decimal("55000"), floor_price=Decimal("40000"),
        ceiling_price=Decimal("70000"), lot=Decimal("0.01"),
    ),
}


@dataclass(slots=True)
class Level:
    price: Decimal
    quantity: Decimal
    order_count: int


@dataclass(slots=True)
class PublicTrade:
    price: Decimal
    quantity: Decimal
    pair: str
    traded_at: str
    taker_side: str  # "buy" | "sell"
    sequence_id: int
    trade_id: str

    def to_wire(self) -> dict[str, Any]:
        return {
            "price": DecimalGateway.to_wire(self.price),
            "quantity": DecimalGateway.to_wire(self.quantity),
            "currencyPair": self.pair,
            "tradedAt": self.traded_at,
            "takerSide": self.taker_side,
            "sequenceId": self.sequence_id,
            "id": self.trade_id,
            "quoteVolume": DecimalGateway.to_wire(DecimalGateway.multiply(self.price, self.quantity)),
        }


def round_to_tick(price: Decimal, tick: Decimal) -> Decimal:
    """The nearest multiple of ``tick`` (half-even), never below one tick."""
    ticks = DecimalGateway.divide(price, tick).to_integral_value(rounding=ROUND_HALF_EVEN)
    return max(ticks, ONE) * tick


def scale(value: Decimal, factor: Decimal) -> Decimal:
    return DecimalGateway.multiply(value, factor)


def _to_grid(price: Decimal, step: Decimal, rounding: str) -> Decimal:
    """``price`` rounded to a multiple of ``step`` in the direction of ``rounding``."""
    return DecimalGateway.divide(price, step).to_integral_value(rounding=rounding) * step


@dataclass
class PairMarket:
    """The synthetic market of one pair."""

    info: PairInfo
    rng: random.Random
    mid: Decimal = Decimal(0)
    spread_pct: Decimal = Decimal("0.1")  # normal spread, percent of mid
    grid_step: Decimal = Decimal(0)  # the maker levels' spacing (set by ``move_book``)
    asks: list[Level] = field(default_factory=list)  # maker liquidity, ascending
    bids: list[Level] = field(default_factory=list)  # maker liquidity, descending
    trades: deque[PublicTrade] = field(default_factory=lambda: deque(maxlen=MAX_TRADES))
    sequence_number: int = 1
    last_change: str = ""
    last_traded: Decimal = Decimal(0)
    previous_close: Decimal = Decimal(0)
    high: Decimal = Decimal(0)
    low: Decimal = Decimal(0)
    base_volume: Decimal = Decimal(0)
    quote_volume: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        start = self.info.start_price
        self.mid = start
        self.last_traded = self.previous_close = self.high = self.low = start

    # --- the walk and the book -----------------------------------------------------------------
    def walk(self) -> None:
        """Move the mid by -15..+15 basis points, bouncing off the pair's floor and ceiling."""
        bps = Decimal(self.rng.randint(-15, 15))
        moved = round_to_tick(scale(self.mid, ONE + bps * BPS), self.info.tick_size)
        if not self.info.floor_price <= moved <= self.info.ceiling_price:
            moved = round_to_tick(scale(self.mid, ONE - bps * BPS), self.info.tick_size)
        self.mid = moved

    def move_book(self, spread_pct: Decimal, stamp: str) -> None:
        """Move the maker book with the mid as a real book moves: levels sit at fixed prices on a
        grid (one every ~2 bps), the first at least ``spread_pct``/2 from the mid on each side.
        Levels the mid has moved onto, or that fall beyond the 40 shown, go; grid prices in the
        window without a level (new ones, or one taken out by fills) get a fresh maker level; a
        few resting levels change size. A tick therefore changes a few levels, not all of them
        (a spread blow-out or a price jump moves the window past every old level)."""
        tick = self.info.tick_size
        step = self._grid_step()
        half = max(round_to_tick(scale(self.mid, spread_pct / HUNDRED / 2), tick), tick)
        first_ask = _to_grid(self.mid + half, step, ROUND_CEILING)
        first_bid = _to_grid(self.mid - half, step, ROUND_FLOOR)
        self.asks = self._keep(self.asks, [first_ask + i * step for i in range(BOOK_LEVELS)])
        self.bids = self._keep(
            self.bids, [price for price in (first_bid - i * step for i in range(BOOK_LEVELS)) if price > 0]
        )
        self.touch(stamp)

    def _grid_step(self) -> Decimal:
        """The level spacing: ~2 bps of the mid in whole ticks, kept while the mid stays within a
        factor of two of where it was chosen (so levels keep their prices); chosen again after."""
        wanted = max(round_to_tick(scale(self.mid, GRID_BPS * BPS), self.info.tick_size), self.info.tick_size)
        if not (self.grid_step > 0 and wanted <= 2 * self.grid_step and self.grid_step <= 2 * wanted):
            self.grid_step = wanted
        return self.grid_step

    def _keep(self, levels: list[Level], prices: list[Decimal]) -> list[Level]:
        resting = {level.price: level for level in levels}
        kept = [resting.get(price) or self._level(price) for price in prices]
        for _ in range(self.rng.randint(0, MAX_RESIZED_PER_TICK) if kept else 0):
            level = kept[self.rng.randrange(len(kept))]
            level.quantity, level.order_count = self._size()
        return kept

    def _level(self, price: Decimal) -> Level:
        return Level(price, *self._size())

    def _size(self) -> tuple[Decimal, int]:
        return self.info.lot * self.rng.randint(1, 200), self.rng.randint(1, 6)

    def touch(self, stamp: str) -> None:
        self.sequence_number += 1
        self.last_change = stamp

    def best_ask(self) -> Decimal | None:
        return self.asks[0].price if self.asks else None

    def best_bid(self) -> Decimal | None:
        return self.bids[0].price if self.bids else None

    def take(self, taker_side: str, limit_price: Decimal | None, quantity: Decimal) -> list[Level]:
        """Consume maker liquidity for a taker: ``BUY`` eats asks up to ``limit_price``, ``SELL``
        eats bids down to it. Returns the fills (price, quantity) in book order."""
        book = self.asks if taker_side == "BUY" else self.bids
        fills: list[Level] = []
        remaining = quantity
        while book and remaining > 0:
            level = book[0]
            crosses = limit_price is None or (
                level.price <= limit_price if taker_side == "BUY" else level.price >= limit_price
            )
            if not crosses:
                break
            size = min(level.quantity, remaining)
            fills.append(Level(level.price, size, 1))
            remaining -= size
            level.quantity -= size
            if level.quantity <= 0:
                book.pop(0)
        return fills

    def liquidity(self, taker_side: str, limit_price: Decimal) -> Decimal:
        book = self.asks if taker_side == "BUY" else self.bids
        return sum(
            (
                level.quantity
                for level in book
                if (level.price <= limit_price if taker_side == "BUY" else level.price >= limit_price)
            ),
            Decimal(0),
        )

    # --- trades and summary --------------------------------------------------------------------
    def record_trade(
        self, price: Decimal, quantity: Decimal, taker_side: str, stamp: str, sequence_id: int
    ) -> PublicTrade:
        trade = PublicTrade(
            price, quantity, self.info.symbol, stamp, taker_side.lower(), sequence_id,
            str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
        )
        self.trades.appendleft(trade)
        self.last_traded = price
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.base_volume += quantity
        self.quote_volume += DecimalGateway.multiply(price, quantity)
        return trade

    def synthetic_trade_size(self) -> Decimal:
        return self.info.lot * self.rng.randint(1, 20)

    def summary(self, stamp: str) -> dict[str, Any]:
        ask, bid = self.best_ask(), self.best_bid()
        change = DecimalGateway.quantize(
            DecimalGateway.divide((self.last_traded - self.previous_close) * HUNDRED, self.previous_close),
            Decimal("0.01"),
        )
        wire = DecimalGateway.to_wire
        return {
            "currencyPair": self.info.symbol,
            "askPrice": wire(ask if ask is not None else self.mid),
            "bidPrice": wire(bid if bid is not None else self.mid),
            "lastTradedPrice": wire(self.last_traded),
            "previousClosePrice": wire(self.previous_close),
            "baseVolume": wire(DecimalGateway.quantize(self.base_volume, Decimal("1e-8"), ROUND_DOWN)),
            "quoteVolume": wire(DecimalGateway.quantize(self.quote_volume, Decimal("0.01"), ROUND_DOWN)),
            "highPrice": wire(self.high),
            "lowPrice": wire(self.low),
            "created": stamp,
            "changeFromPrevious": format(change, "f"),  # percent, two decimals
            "markPrice": wire(self.mid),
        }
