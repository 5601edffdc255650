"""Fault injection: what can go wrong, with which parameters, for how long.

Every fault is bounded in time (``duration_s`` up to ``MAX_DURATION_S``) and expires on the
simulator's injected clock. Parameters are validated here, so a bad control request gets a clear
``ConfigError`` instead of a fault that half works.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from valr_tui.errors import ConfigError, DecimalError
from valr_tui.money.decimal_gateway import DecimalGateway

MAX_DURATION_S: Final = 86_400.0

FAULT_KINDS: Final = (
    "outage", "latency", "http_5xx", "rate_limit_storm", "malformed", "html", "ws_drop",
    "spread_blowout", "price_shock", "balance_drift",
)


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str
    params: dict[str, Any]
    started_at: float
    expires_at: float

    def to_wire(self, now: float) -> dict[str, Any]:
        wire_params = {
            key: DecimalGateway.to_wire(value) if isinstance(value, Decimal) else value
            for key, value in self.params.items()
        }
        return {
            "kind": self.kind,
            "params": wire_params,
            "remaining_s": round(max(self.expires_at - now, 0.0), 3),
        }


def _number(params: dict[str, Any], name: str, default: object) -> Decimal:
    value = params.get(name, default)
    try:
        return DecimalGateway.to_decimal(value)
    except DecimalError:
        raise ConfigError(f"fault parameter {name!r} must be a number, got {value!r}") from None


def _integer(params: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    number = _number(params, name, default)
    if number != number.to_integral_value() or not low <= number <= high:
        raise ConfigError(f"fault parameter {name!r} must be an integer in [{low}, {high}]")
    return int(number)


def _choice(params: dict[str, Any], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = params.get(name, default)
    if value not in allowed:
        raise ConfigError(f"fault parameter {name!r} must be one of {allowed}, got {value!r}")
    return str(value)


def parse_duration(value: object) -> float:
    try:
        seconds = DecimalGateway.to_decimal(value)
    except DecimalError:
        raise ConfigError(f"duration_s must be a number, got {value!r}") from None
    if not 0 < seconds <= Decimal(str(MAX_DURATION_S)):
        raise ConfigError(f"duration_s must be in (0, {MAX_DURATION_S:g}]")
    return float(seconds)  # a duration, not money


def validate_params(
    kind: str, params: dict[str, Any], pairs: tuple[str, ...], currencies: tuple[str, ...]
) -> dict[str, Any]:
    """The normalised parameters of one fault; unknown kinds and bad values raise ``ConfigError``."""
    if kind not in FAULT_KINDS:
        raise ConfigError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
    if kind == "outage":
        return {"mode": _choice(params, "mode", "refuse", ("hang", "refuse"))}
    if kind == "latency":
        return {"delay_ms": _integer(params, "delay_ms", 500, 1, 60_000)}
    if kind == "http_5xx":
        return {"status": _integer(params, "status", 503, 500, 599)}
    if kind == "html":
        return {"status": _integer(params, "status", 502, 200, 599)}
    if kind in ("spread_blowout", "price_shock"):
        default_pct = "5" if kind == "spread_blowout" else "-10"
        pct = _number(params, "pct", default_pct)
        if kind == "spread_blowout" and not 0 < pct <= 50:
            raise ConfigError("spread_blowout pct must be in (0, 50]")
        if kind == "price_shock" and (pct == 0 or not -90 <= pct <= 100):
            raise ConfigError("price_shock pct must be non-zero and in [-90, 100]")
        pair = params.get("pair")
        if pair is not None and pair not in pairs:
            raise ConfigError(f"unknown pair {pair!r}")
        return {"pct": pct, "pair": pair}
    if kind == "balance_drift":
        currency = params.get("currency")
        if currency not in currencies:
            raise ConfigError(f"balance_drift needs a currency in {currencies}, got {currency!r}")
        if "delta" not in params:
            raise ConfigError("balance_drift needs a delta")
        return {"currency": currency, "delta": _number(params, "delta", None)}
    return {}  # rate_limit_storm, malformed, ws_drop take no parameters
