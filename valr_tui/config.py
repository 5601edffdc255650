"""Settings: read once, environment first then ``.env``, into a frozen object.

Every key is documented in ``.env.example``. A malformed value stops start-up with one line that
names the key and the expected form (``ConfigError``, code VALR-CFG-001); so does a key that is not
a setting (a typo), with the nearest known name (VALR-CFG-011).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from decouple import RepositoryEmpty, RepositoryEnv
from platformdirs import user_data_dir, user_log_dir

from valr_tui.errors import ConfigError, UnknownSettingError
from valr_tui.money import zar_rate_pairs
from valr_tui.secrets import Secret

ExecutionMode = Literal["DRY_RUN", "LIVE"]
DesktopNotify = Literal["off", "osc", "notify-send"]
T = TypeVar("T")

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


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
    def rate_pairs(self) -> tuple[str, ...]:
        """The ZAR rate pairs MAX_ORDER_ZAR needs for PAIRS quoted in other currencies and PAIRS
        lacks (BTCUSDC -> USDCZAR): market data follows them without their being watched."""
        return zar_rate_pairs(self.pairs)

    @property
    def market_pairs(self) -> tuple[str, ...]:
        """Every pair market data follows: PAIRS, then their ZAR rate pairs."""
        return self.pairs + self.rate_pairs

    @property
    def essential_threshold(self) -> Decimal:
        return self.rate_limit_essential_pct / 100

    def __post_init__(self) -> None:
        # Every field passes its key's parser, whether it came from the environment or from code:
        # strict switches, bounded numbers, credentials only as Secret. One coded line on failure.
        for attr in _KEY_OF:
            object.__setattr__(self, attr, _parse_field(attr, getattr(self, attr)))
        if self.stale_after_s > self.safe_idle_after_s:
            raise ConfigError("STALE_AFTER_S must not exceed SAFE_IDLE_AFTER_S", key="STALE_AFTER_S")

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


# --- parsers: each returns the value or raises ValueError with the expected form --------------
# The same parser serves a value read from the environment (str) and one passed in code: a
# ``Settings(live_trading_confirmed="false")`` is parsed as strictly as the environment is.
_MAX_VALUE_CHARS = 40


def _decimal_between(
    low: Decimal, high: Decimal, *, low_open: bool = False, what: str = "a decimal number"
) -> Callable[[str], Decimal]:
    form = f"{what} between {low} and {high}" + (f" (more than {low})" if low_open else "")

    def parse(raw: str) -> Decimal:
        text = raw.strip()
        if not text or len(text) > _MAX_VALUE_CHARS or not text.isascii() or "_" in text:
            raise ValueError(form)
        try:
            with localcontext() as ctx:  # exact parse; a bad string raises, never becomes NaN
                ctx.traps[InvalidOperation] = True
                value = Decimal(text)
        except (InvalidOperation, ValueError):
            raise ValueError(form) from None
        if not value.is_finite() or value < low or (low_open and value == low) or value > high:
            raise ValueError(form)
        return value

    return parse


def _int_between(low: int, high: int) -> Callable[[str], int]:
    form = f"a positive whole number between {low} and {high}"

    def parse(raw: str) -> int:
        text = raw.strip()
        if not text or len(text) > _MAX_VALUE_CHARS or not text.isascii() or not text.isdigit():
            raise ValueError(form)
        value = int(text)
        if not low <= value <= high:
            raise ValueError(form)
        return value

    return parse


_ZERO = Decimal(0)
_money = _decimal_between(_ZERO, Decimal("1000000000000"), what="a non-negative decimal number")
_positive_money = _decimal_between(
    _ZERO, Decimal("100000000"), low_open=True, what="a positive decimal number"
)


def _percent(high: int = 100, *, low_open: bool = False) -> Callable[[str], Decimal]:
    return _decimal_between(_ZERO, Decimal(high), low_open=low_open, what="a percentage")


def _seconds(low: str, high: int) -> Callable[[str], Decimal]:
    return _decimal_between(Decimal(low), Decimal(high), what="a number of seconds")


def _bool(raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("true or false (also 1/0, yes/no)")


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
        len(text) > 200
        or not text.isascii()
        or parts.scheme not in ("http", "https", "ws", "wss")
        or not parts.hostname
        or any(ch.isspace() or not ch.isprintable() for ch in text)
    ):
        raise ValueError("a URL starting with http(s):// or ws(s):// followed by a host")
    return text


def _pairs(raw: str) -> tuple[str, ...]:
    # Order kept (the first pair is the form's default), repeats dropped.
    pairs = tuple(dict.fromkeys(p.strip().upper() for p in raw.split(",") if p.strip()))
    if (
        not pairs
        or len(pairs) > 20
        or not all(p.isalnum() and p.isascii() and len(p) <= 20 for p in pairs)
    ):
        raise ValueError("a comma-separated list of up to 20 pairs such as BTCZAR,ETHZAR")
    return pairs


def _subaccount(raw: str) -> str:
    # It travels in the X-VALR-SUB-ACCOUNT-ID header and the signed payload: VALR's ids are
    # decimal digits; anything else (non-ASCII, spaces) would break the request or the signature.
    text = raw.strip()
    if text and not (text.isascii() and text.isdigit() and len(text) <= 24):
        raise ValueError("empty (the primary account) or a VALR sub-account id of up to 24 digits")
    return text


def _credential(raw: str) -> Secret:
    text = raw.strip()
    if len(text) > 256 or not all(33 <= ord(ch) <= 126 for ch in text):
        raise ValueError("printable ASCII without spaces (up to 256 characters)")
    return Secret(text)


def _desktop_notify(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("off", "osc", "notify-send"):
        raise ValueError("off, osc (OSC 9/777 terminal escape) or notify-send")
    return value


def _path(raw: str) -> str:
    text = raw.strip()
    if len(text) > 4096 or "\x00" in text or not text.isprintable():
        raise ValueError("a file path")
    return os.path.expanduser(text)


# key -> (settings field, parser, is_secret)
_KEYS: dict[str, tuple[str, Callable[[str], Any], bool]] = {
    "VALR_API_KEY": ("api_key", _credential, True),
    "VALR_API_SECRET": ("api_secret", _credential, True),
    "VALR_SUBACCOUNT_ID": ("subaccount_id", _subaccount, False),
    "VALR_BASE_URL": ("base_url", _url, False),
    "VALR_WS_URL": ("ws_url", _url, False),
    "EXECUTION_MODE": ("execution_mode", _mode, False),
    "LIVE_TRADING_CONFIRMED": ("live_trading_confirmed", _bool, False),
    "VALR_PAIRS": ("pairs", _pairs, False),  # the older name of PAIRS; PAIRS wins when both are set
    "PAIRS": ("pairs", _pairs, False),
    "MAX_ORDER_ZAR": ("max_order_zar", _positive_money, False),
    "MAX_SPREAD_PCT": ("max_spread_pct", _percent(), False),
    "PRICE_BAND_PCT": ("price_band_pct", _percent(100, low_open=True), False),
    "CONFIRM_TWICE_ZAR": ("confirm_twice_zar", _positive_money, False),
    "STALE_AFTER_S": ("stale_after_s", _seconds("0.5", 3600), False),
    "SAFE_IDLE_AFTER_S": ("safe_idle_after_s", _seconds("0.5", 86400), False),
    "POLL_INTERVAL_S": ("poll_interval_s", _seconds("0.01", 3600), False),
    "RATE_LIMIT_CAPACITY": ("rate_limit_capacity", _int_between(1, 100_000), False),
    "RATE_LIMIT_REFILL_PER_S": (
        "rate_limit_refill_per_s",
        _decimal_between(_ZERO, Decimal(10_000), low_open=True, what="a positive decimal number"),
        False,
    ),
    # The bucket keeps this share for essential calls; 100% would leave nothing for the rest.
    "RATE_LIMIT_ESSENTIAL_PCT": ("rate_limit_essential_pct", _percent(90), False),
    "RECON_MISMATCH_PCT": ("recon_mismatch_pct", _percent(), False),
    "RECON_MAX_FAILURES": ("recon_max_failures", _int_between(1, 100), False),
    # Every reconciliation writes audit rows: a sub-second interval would flood the database.
    "RECON_INTERVAL_S": ("recon_interval_s", _seconds("1", 86400), False),
    "DRY_RUN_WALLET_ZAR": ("dry_run_wallet_zar", _money, False),
    "DRY_RUN_WALLET_BTC": ("dry_run_wallet_btc", _money, False),
    "DRY_RUN_WALLET_ETH": ("dry_run_wallet_eth", _money, False),
    "MAKER_FEE_PCT": ("maker_fee_pct", _percent(10), False),
    "TAKER_FEE_PCT": ("taker_fee_pct", _percent(10), False),
    "BREAKEVEN_TOLERANCE_ZAR": (
        "breakeven_tolerance_zar",
        _decimal_between(_ZERO, Decimal(1_000_000), what="a non-negative decimal number"),
        False,
    ),
    "DESKTOP_NOTIFY": ("desktop_notify", _desktop_notify, False),
    "VALR_DB_PATH": ("db_path", _path, False),
    "VALR_LOG_PATH": ("log_path", _path, False),
}
_KEY_OF = {attr: key for key, (attr, _parse, _secret) in _KEYS.items()}
_ATTR_OF = {key: attr for key, (attr, _parse, _secret) in _KEYS.items()}


def _as_text(attr: str, value: object) -> str:
    """The text form the parser reads, for a value passed in code; ``TypeError`` if its type
    cannot be a value of ``attr`` (a float, a str credential, an int for a switch...)."""
    default = _DEFAULTS[attr]
    if isinstance(default, Secret):
        if not isinstance(value, Secret):
            raise TypeError("a Secret (credentials are never plain strings)")
        return value.reveal()
    if isinstance(value, str):
        return value
    whole = isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, bool) and isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(default, Decimal) and (isinstance(value, Decimal) or whole):
        return str(value)  # "1E+999999" stays short; the parser's bounds refuse it
    if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, int) and whole:
        return str(value) if value.bit_length() <= 128 else "too big"  # str(10**5000) raises
    if isinstance(default, tuple) and isinstance(value, (tuple, list)) and all(
        isinstance(p, str) for p in value
    ):
        return ",".join(value)
    raise TypeError(f"{_expected(default)}, not a {type(value).__name__}")


def _expected(default: object) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, (int, Decimal)):
        return "a number"
    if isinstance(default, tuple):
        return "a list of pairs"
    return "text"


def _parse_field(attr: str, value: object) -> Any:
    key = _KEY_OF[attr]
    _attr, parse, secret = _KEYS[key]
    try:
        text = _as_text(attr, value)
        if len(text) > 10_000:
            raise ValueError("a value of reasonable length")
        return parse(text)
    except TypeError as exc:
        raise ConfigError(f"{key} must be {exc}", key=key) from None
    except ValueError as exc:
        shown = "<hidden>" if secret else _shown(value)
        raise ConfigError(f"{key} must be {exc}; got {shown}", key=key) from None


def _shown(value: object) -> str:
    if isinstance(value, int) and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


SETTING_KEYS: tuple[str, ...] = tuple(_KEYS)

# Environment variables are shared with everything else on the machine: only the VALR_ prefix is
# ours, less the benchmarks' own switches (VALR_BENCH_QUICK, VALR_BENCH_MINUTES).
_OWN_PREFIX = "VALR_"
_FOREIGN_PREFIXES = ("VALR_BENCH_",)
# Words that are values, not keys, yet get typed as keys: DRY_RUN=true means EXECUTION_MODE.
_VALUE_WORDS = {"DRY_RUN": "EXECUTION_MODE", "LIVE": "EXECUTION_MODE"}
_SHOWN_KEY_CHARS = 40


def _unknown_key_hint(key: str) -> str:
    """``KEY (did you mean NEAREST?)``: the nearest known name by difflib, if any is near."""
    shown = key if len(key) <= _SHOWN_KEY_CHARS else key[: _SHOWN_KEY_CHARS - 3] + "..."
    shown = shown.encode("ascii", "backslashreplace").decode()
    words = [*SETTING_KEYS, *_VALUE_WORDS]
    near = difflib.get_close_matches(key.strip().upper().removeprefix("EXPORT "), words, n=1, cutoff=0.6)
    if not near:
        return f"{shown} (no setting is named like it)"
    nearest = near[0]
    if nearest in _VALUE_WORDS:
        return f"{shown} (did you mean {_VALUE_WORDS[nearest]}=DRY_RUN or =LIVE?)"
    return f"{shown} (did you mean {nearest}?)"


def check_known_keys(env: Mapping[str, str], file_keys: Iterable[str], env_file: str | Path | None) -> None:
    """``UnknownSettingError`` (VALR-CFG-011) naming every key of ``env_file`` that is not a
    setting, and every VALR_ environment variable that is not one, each with the nearest known
    name: a typo (``MAX_ORDER_ZAR_=100``) would otherwise leave the default limit in force without
    a word, so start-up is refused instead. Values are never shown (a typo'd key may hold a secret)."""
    known = set(SETTING_KEYS)
    in_file = [key for key in file_keys if key not in known]
    in_env = sorted(
        key for key in env
        if key.startswith(_OWN_PREFIX) and key not in known and not key.startswith(_FOREIGN_PREFIXES)
    )
    if not in_file and not in_env:
        return
    parts = []
    if in_file:
        parts.append(f"{env_file}: " + ", ".join(_unknown_key_hint(key) for key in in_file))
    if in_env:
        parts.append("the environment: " + ", ".join(_unknown_key_hint(key) for key in in_env))
    shared = ", or give valr-tui a .env of its own (--env-file)" if in_file else ""
    raise UnknownSettingError(
        f"not a valr-tui setting, in {'; in '.join(parts)}. Correct or remove each{shared};"
        " .env.example lists every key",
        keys=[*in_file, *in_env],
    )


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Read every key once: ``environ`` (default ``os.environ``) first, then ``env_file``."""
    env = dict(os.environ if environ is None else environ)
    repo: RepositoryEnv | RepositoryEmpty
    repo = RepositoryEnv(str(env_file)) if env_file and Path(env_file).is_file() else RepositoryEmpty()
    check_known_keys(env, repo.data if isinstance(repo, RepositoryEnv) else (), env_file)
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
    given_as: dict[str, str] = {}  # attr -> the key it was read from (PAIRS or its older name)
    for key, (attr, _parse, secret) in _KEYS.items():
        raw = lookup(key)
        if raw is None:
            continue
        if raw.strip() == "" and attr not in ("api_key", "api_secret", "subaccount_id"):
            continue  # an empty line in .env means "use the default"
        values[attr] = Secret(raw) if secret else raw  # Settings parses (and checks) every value
        given_as[attr] = key
    try:
        return Settings(**values)
    except ConfigError as exc:
        named, used = exc.details.get("key"), given_as.get(_ATTR_OF.get(str(exc.details.get("key")), ""))
        if used is None or used == named or not isinstance(named, str):
            raise
        raise ConfigError(exc.message.replace(named, used, 1), key=used) from None  # the key the user set


_DEFAULTS: dict[str, Any] = {
    f.name: (f.default_factory() if f.default_factory is not MISSING else f.default)
    for f in fields(Settings)
}


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
