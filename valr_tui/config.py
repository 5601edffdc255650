"""Settings: read once, environment first then ``.env``, into a frozen object.

Every key is documented in ``.env.example``. A malformed value stops start-up with one line that
names the key and the expected form (``ConfigError``, code VALR-CFG-001).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from decouple import RepositoryEmpty, RepositoryEnv
from platformdirs import user_data_dir, user_log_dir

from valr_tui.errors import ConfigError
from valr_tui.secrets import Secret

ExecutionMode = Literal["DRY_RUN", "LIVE"]
DesktopNotify = Literal["off", "osc", "notify-send"]
T = TypeVar("T")

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def _default_db_path() -> str:
    return str(Path(user_data_dir("valr-tui", appauthor=False)) / "valr_tui.db")


def _default_log_path() -> str:
    return str(Path(user_log_dir("valr-tui", appauthor=False)) / "valr_tui.log")


@dataclass(frozen=True)
class Settings:
    api_key: Secret = field(default_factory=lambda: Secret(""))
    api_secret: Secret = field(default_factory=lambda: Secret(""))
    subaccount_id: str = ""
    base_url: str = "https://api.valr.com"
    ws_url: str = "wss://api.valr.com"
    execution_mode: ExecutionMode = "DRY_RUN"
    live_trading_confirmed: bool = False
    pairs: tuple[str, ...] = ("BTCZAR", "ETHZAR")
    max_order_zar: Decimal = Decimal("5000")
    max_spread_pct: Decimal = Decimal("1.0")
    price_band_pct: Decimal = Decimal("5")
    confirm_twice_zar: Decimal = Decimal("2500")
    stale_after_s: Decimal = Decimal("30")
    safe_idle_after_s: Decimal = Decimal("60")
    poll_interval_s: Decimal = Decimal("5")
    rate_limit_capacity: int = 600
    rate_limit_refill_per_s: Decimal = Decimal("10")
    rate_limit_essential_pct: Decimal = Decimal("10")
    recon_mismatch_pct: Decimal = Decimal("1")
    recon_max_failures: int = 3
    recon_interval_s: Decimal = Decimal("30")
    dry_run_wallet_zar: Decimal = Decimal("100000")
    dry_run_wallet_btc: Decimal = Decimal("0")
    dry_run_wallet_eth: Decimal = Decimal("0")
    maker_fee_pct: Decimal = Decimal("0.1")
    taker_fee_pct: Decimal = Decimal("0.1")
    breakeven_tolerance_zar: Decimal = Decimal("0.50")
    desktop_notify: DesktopNotify = "off"
    db_path: str = field(default_factory=_default_db_path)
    log_path: str = field(default_factory=_default_log_path)

    @property
    def has_credentials(self) -> bool:
        return bool(self.api_key) and bool(self.api_secret)

    @property
    def is_live(self) -> bool:
        """LIVE only when both switches agree; anything else is DRY_RUN."""
        return self.execution_mode == "LIVE" and self.live_trading_confirmed

    @property
    def essential_threshold(self) -> Decimal:
        return self.rate_limit_essential_pct / 100

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


# --- parsers: each returns the value or raises ValueError with the expected form --------------
def _decimal(raw: str, *, positive: bool = False, allow_zero: bool = True) -> Decimal:
    # One message per parser, whatever went wrong: it names the form the key expects.
    form = "a positive decimal number" if positive else "a non-negative decimal number"
    try:
        with localcontext() as ctx:  # exact parse; a bad string raises, never becomes NaN
            ctx.traps[InvalidOperation] = True
            value = Decimal(raw.strip())
    except (InvalidOperation, ValueError):
        raise ValueError(form) from None
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero) or (
        positive and value <= 0
    ):
        raise ValueError(form)
    return value


def _positive_decimal(raw: str) -> Decimal:
    return _decimal(raw, positive=True)


def _non_negative_decimal(raw: str) -> Decimal:
    return _decimal(raw)


def _percent(raw: str) -> Decimal:
    try:
        value = _decimal(raw)
    except ValueError:
        value = Decimal(-1)
    if not 0 <= value <= 100:
        raise ValueError("a percentage between 0 and 100")
    return value


def _positive_int(raw: str) -> int:
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or int(text) <= 0:
        raise ValueError("a positive whole number")
    return int(text)


def _bool(raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("true or false")


def _mode(raw: str) -> str:
    text = raw.strip().upper()
    if text not in ("DRY_RUN", "LIVE"):
        raise ValueError("DRY_RUN or LIVE")
    return text


def _url(raw: str) -> str:
    text = raw.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port such as ":abc"
    except ValueError:
        parts = urlsplit("")
    if (
        parts.scheme not in ("http", "https", "ws", "wss")
        or not parts.hostname
        or any(ch.isspace() for ch in text)
    ):
        raise ValueError("a URL starting with http(s):// or ws(s):// followed by a host")
    return text


def _pairs(raw: str) -> tuple[str, ...]:
    pairs = tuple(p.strip().upper() for p in raw.split(",") if p.strip())
    if not pairs or not all(p.isalnum() and p.isascii() for p in pairs):
        raise ValueError("a comma-separated list of pairs such as BTCZAR,ETHZAR")
    return pairs


def _desktop_notify(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("off", "osc", "notify-send"):
        raise ValueError("off, osc (OSC 9/777 terminal escape) or notify-send")
    return value


def _text(raw: str) -> str:
    return raw.strip()


def _path(raw: str) -> str:
    return os.path.expanduser(raw.strip())


# key -> (settings field, parser, is_secret)
_KEYS: dict[str, tuple[str, Callable[[str], Any], bool]] = {
    "VALR_API_KEY": ("api_key", lambda s: Secret(s.strip()), True),
    "VALR_API_SECRET": ("api_secret", lambda s: Secret(s.strip()), True),
    "VALR_SUBACCOUNT_ID": ("subaccount_id", _text, False),
    "VALR_BASE_URL": ("base_url", _url, False),
    "VALR_WS_URL": ("ws_url", _url, False),
    "EXECUTION_MODE": ("execution_mode", _mode, False),
    "LIVE_TRADING_CONFIRMED": ("live_trading_confirmed", _bool, False),
    "VALR_PAIRS": ("pairs", _pairs, False),
    "MAX_ORDER_ZAR": ("max_order_zar", _positive_decimal, False),
    "MAX_SPREAD_PCT": ("max_spread_pct", _percent, False),
    "PRICE_BAND_PCT": ("price_band_pct", _percent, False),
    "CONFIRM_TWICE_ZAR": ("confirm_twice_zar", _positive_decimal, False),
    "STALE_AFTER_S": ("stale_after_s", _positive_decimal, False),
    "SAFE_IDLE_AFTER_S": ("safe_idle_after_s", _positive_decimal, False),
    "POLL_INTERVAL_S": ("poll_interval_s", _positive_decimal, False),
    "RATE_LIMIT_CAPACITY": ("rate_limit_capacity", _positive_int, False),
    "RATE_LIMIT_REFILL_PER_S": ("rate_limit_refill_per_s", _positive_decimal, False),
    "RATE_LIMIT_ESSENTIAL_PCT": ("rate_limit_essential_pct", _percent, False),
    "RECON_MISMATCH_PCT": ("recon_mismatch_pct", _percent, False),
    "RECON_MAX_FAILURES": ("recon_max_failures", _positive_int, False),
    "RECON_INTERVAL_S": ("recon_interval_s", _positive_decimal, False),
    "DRY_RUN_WALLET_ZAR": ("dry_run_wallet_zar", _non_negative_decimal, False),
    "DRY_RUN_WALLET_BTC": ("dry_run_wallet_btc", _non_negative_decimal, False),
    "DRY_RUN_WALLET_ETH": ("dry_run_wallet_eth", _non_negative_decimal, False),
    "MAKER_FEE_PCT": ("maker_fee_pct", _percent, False),
    "TAKER_FEE_PCT": ("taker_fee_pct", _percent, False),
    "BREAKEVEN_TOLERANCE_ZAR": ("breakeven_tolerance_zar", _non_negative_decimal, False),
    "DESKTOP_NOTIFY": ("desktop_notify", _desktop_notify, False),
    "VALR_DB_PATH": ("db_path", _path, False),
    "VALR_LOG_PATH": ("log_path", _path, False),
}

SETTING_KEYS: tuple[str, ...] = tuple(_KEYS)


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Read every key once: ``environ`` (default ``os.environ``) first, then ``env_file``."""
    env = dict(os.environ if environ is None else environ)
    repo: RepositoryEnv | RepositoryEmpty
    repo = RepositoryEnv(str(env_file)) if env_file and Path(env_file).is_file() else RepositoryEmpty()
    # decouple's RepositoryEnv parses the .env syntax; the lookup below gives the environment
    # precedence, as decouple's Config does, but over an injectable mapping so tests are hermetic.
    def lookup(key: str) -> str | None:
        if key in env:
            return env[key]
        if key in repo:
            value: str = repo[key]
            return value
        return None

    values: dict[str, Any] = {}
    for key, (attr, parse, secret) in _KEYS.items():
        raw = lookup(key)
        if raw is None:
            continue
        if raw.strip() == "" and attr not in ("api_key", "api_secret", "subaccount_id"):
            continue  # an empty line in .env means "use the default"
        try:
            values[attr] = parse(raw)
        except ValueError as exc:
            shown = "<hidden>" if secret else repr(raw)
            raise ConfigError(f"{key} must be {exc}; got {shown}", key=key) from None
    settings = Settings(**values)
    if settings.stale_after_s > settings.safe_idle_after_s:
        raise ConfigError("STALE_AFTER_S must not exceed SAFE_IDLE_AFTER_S", key="STALE_AFTER_S")
    return settings


SettingSource = Literal["environment", ".env", "default"]


def setting_sources(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> dict[str, tuple[str, SettingSource]]:
    """Each key -> (settings field, where ``load_settings`` took its value from), with the same
    precedence: the environment, then ``env_file``; an empty line in ``.env`` means the default."""
    env = dict(os.environ if environ is None else environ)
    repo: RepositoryEnv | RepositoryEmpty
    repo = RepositoryEnv(str(env_file)) if env_file and Path(env_file).is_file() else RepositoryEmpty()
    sources: dict[str, tuple[str, SettingSource]] = {}
    for key, (attr, _parse, _secret) in _KEYS.items():
        source: SettingSource = "default"
        if key in env:
            source = "environment"
        elif key in repo:
            source = ".env"
        raw = env.get(key) if source == "environment" else repo[key] if source == ".env" else None
        if raw is not None and raw.strip() == "" and attr not in ("api_key", "api_secret", "subaccount_id"):
            source = "default"
        sources[key] = (attr, source)
    return sources
