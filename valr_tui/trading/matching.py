"""What a new LIMIT order does on arrival, given the book it meets: the one copy of VALR's rules
for post-only and time in force, used by the paper venue and by the simulator alike.

VALR documents (Place limit order): ``postOnly`` "cause[s] it to fail if it is matched
immediately"; ``FOK`` "must fill completely in full immediately, or it is cancelled entirely";
``IOC`` "fills as much as possible immediately; any unfilled remainder is cancelled"; ``GTC`` rests
until filled or cancelled. The failure texts are VALR's order-status ``failedReason`` words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

TIME_IN_FORCE: Final = ("GTC", "IOC", "FOK")
POST_ONLY_WOULD_MATCH: Final = "Post only cancelled as it would have matched"
FOK_NOT_FILLED: Final = "Fill or kill could not be filled in full"
MODIFY_WOULD_MATCH: Final = "Modify order would have matched and was cancelled"
AMEND_MATCH_STRATEGY: Final = "RETAIN_ORIGINAL"  # an amend never turns a resting order into a taker
ZERO: Final = Decimal(0)


class Arrival(StrEnum):
    FAILED = "FAILED"  # refused before touching the book (nothing reserved, nothing filled)
    FILLED = "FILLED"  # filled in full on arrival
    CANCELLED = "CANCELLED"  # IOC: the part that did not fill at once is cancelled
    RESTING = "RESTING"  # GTC: what did not fill rests on the book


@dataclass(frozen=True, slots=True)
class ArrivalPlan:
    outcome: Arrival
    fills: tuple[tuple[Decimal, Decimal], ...] = ()  # (price, quantity), best price first
    reason: str = ""  # VALR's failedReason when FAILED

    @property
    def filled(self) -> Decimal:
        return sum((quantity for _, quantity in self.fills), ZERO)


def reaches(side: str, level_price: Decimal, limit: Decimal) -> bool:
    """Whether an opposite level at ``level_price`` trades with a ``side`` order limited at ``limit``."""
    return level_price <= limit if side == "BUY" else level_price >= limit


def plan_arrival(
    side: str,
    limit: Decimal,
    quantity: Decimal,
    opposite: Iterable[tuple[Decimal, Decimal]],
    *,
    post_only: bool = False,
    time_in_force: str = "GTC",
) -> ArrivalPlan:
    """The outcome of a ``side`` order for ``quantity`` at ``limit`` against the opposite side
    of the book (``opposite``: (price, free quantity) levels, best first)."""
    fills: list[tuple[Decimal, Decimal]] = []
    remaining = quantity
    for price, free in opposite:
        if remaining <= 0 or not reaches(side, price, limit):
            break
        take = min(free, remaining)
        if take > 0:
            fills.append((price, take))
            remaining -= take
    if post_only and fills:
        return ArrivalPlan(Arrival.FAILED, reason=POST_ONLY_WOULD_MATCH)
    if time_in_force == "FOK" and remaining > 0:
        return ArrivalPlan(Arrival.FAILED, reason=FOK_NOT_FILLED)
    if remaining <= 0:
        return ArrivalPlan(Arrival.FILLED, tuple(fills))
    if time_in_force == "IOC":
        return ArrivalPlan(Arrival.CANCELLED, tuple(fills))
    return ArrivalPlan(Arrival.RESTING, tuple(fills))
