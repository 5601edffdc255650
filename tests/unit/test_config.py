"""Settings: defaults, precedence (environment over .env), and one-line coded errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from valr_tui.config import SETTING_KEYS, Settings, load_settings
from valr_tui.errors import ConfigError
from valr_tui.secrets import Secret

SECRET_VALUE = "canary-secret-5f1e2d3c"
KEY_VALUE = "canary-key-a9b8c7d6"


def _write_env(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_environment_or_file() -> None:
    s = load_settings(environ={}, env_file=None)
    assert s.execution_mode == "DRY_RUN"
    assert not s.live_trading_confirmed
    assert not s.is_live
    assert s.max_order_zar == Decimal("5000")
    assert (s.stale_after_s, s.safe_idle_after_s, s.poll_interval_s) == (Decimal(30), Decimal(60), Decimal(5))
    assert s.rate_limit_capacity == 600
    assert (s.rate_limit_refill_per_s, s.rate_limit_essential_pct) == (Decimal(10), Decimal(10))
    assert s.essential_threshold == Decimal("0.1")
    assert s.recon_mismatch_pct == Decimal("1")
    assert s.recon_max_failures == 3
    assert not s.has_credentials
    assert s.pairs == ("BTCZAR", "ETHZAR")
    # Money settings are Decimal, never float.
    assert all(isinstance(v, Decimal) for v in (s.max_order_zar, s.max_spread_pct, s.recon_mismatch_pct))


def test_missing_env_file_is_not_an_error(tmp_path: Path) -> None:
    assert load_settings(environ={}, env_file=tmp_path / "nope.env") == load_settings(
        environ={}, env_file=None
    )


def test_env_file_is_read(tmp_path: Path) -> None:
    env_file = _write_env(tmp_path, "MAX_ORDER_ZAR=1234.50\nVALR_PAIRS=btczar, xrpzar\n")
    s = load_settings(environ={}, env_file=env_file)
    assert s.max_order_zar == Decimal("1234.50")
    assert s.pairs == ("BTCZAR", "XRPZAR")


def test_environment_beats_env_file(tmp_path: Path) -> None:
    env_file = _write_env(tmp_path, "MAX_ORDER_ZAR=1000\nRECON_MAX_FAILURES=7\n")
    s = load_settings(environ={"MAX_ORDER_ZAR": "250"}, env_file=env_file)
    assert s.max_order_zar == Decimal("250")  # from the environment
    assert s.recon_max_failures == 7  # only in the file


def test_empty_value_means_default(tmp_path: Path) -> None:
    env_file = _write_env(tmp_path, "MAX_ORDER_ZAR=\n")
    assert load_settings(environ={}, env_file=env_file).max_order_zar == Decimal("5000")


def test_credentials_are_secrets(tmp_path: Path) -> None:
    env_file = _write_env(tmp_path, f"VALR_API_KEY={KEY_VALUE}\nVALR_API_SECRET={SECRET_VALUE}\n")
    s = load_settings(environ={}, env_file=env_file)
    assert isinstance(s.api_secret, Secret)
    assert s.api_secret.reveal() == SECRET_VALUE
    assert s.api_key.reveal() == KEY_VALUE
    assert s.has_credentials
    for text in (repr(s), str(s), f"{s}"):
        assert SECRET_VALUE not in text
        assert KEY_VALUE not in text


MALFORMED = [
    ("MAX_ORDER_ZAR", "abc", "positive decimal number between 0 and 100000000 (more than 0)"),
    ("MAX_ORDER_ZAR", "-5", "positive decimal"),
    ("MAX_ORDER_ZAR", "0", "positive decimal"),
    ("MAX_ORDER_ZAR", "Infinity", "positive decimal"),
    ("DRY_RUN_WALLET_ZAR", "-1", "non-negative decimal"),
    ("STALE_AFTER_S", "NaN", "number of seconds between 0.5 and 3600"),
    ("EXECUTION_MODE", "PAPER", "DRY_RUN or LIVE"),
    ("LIVE_TRADING_CONFIRMED", "maybe", "true or false"),
    ("RATE_LIMIT_CAPACITY", "1.5", "positive whole number"),
    ("RATE_LIMIT_CAPACITY", "-3", "positive whole number"),
    ("RATE_LIMIT_CAPACITY", "٣", "positive whole number"),  # Arabic-Indic digit three
    ("RECON_MAX_FAILURES", "0", "positive whole number between 1 and 100"),
    ("RECON_INTERVAL_S", "0.000001", "number of seconds between 1 and 86400"),
    ("VALR_SUBACCOUNT_ID", "１２３", "sub-account id"),
    ("VALR_SUBACCOUNT_ID", "12 3", "sub-account id"),
    ("LIVE_TRADING_CONFIRMED", "on", "true or false"),
    ("LIVE_TRADING_CONFIRMED", "no way", "true or false"),
    ("TAKER_FEE_PCT", "50", "percentage between 0 and 10"),
    ("RATE_LIMIT_ESSENTIAL_PCT", "100", "percentage between 0 and 90"),
    ("RECON_MISMATCH_PCT", "-1", "percentage between 0 and 100"),
    ("MAX_SPREAD_PCT", "lots", "percentage between 0 and 100"),
    ("VALR_BASE_URL", "ftp://api.valr.com", "URL"),
    ("VALR_BASE_URL", "api.valr.com", "URL"),
    ("VALR_BASE_URL", "http://", "URL"),
    ("VALR_WS_URL", "wss://exa mple.com", "URL"),
    ("VALR_PAIRS", "BTC-ZAR", "pairs"),
    ("VALR_PAIRS", " , ", "pairs"),
]


@pytest.mark.parametrize(("key", "raw", "expected_form"), MALFORMED)
def test_malformed_value_is_one_coded_line(key: str, raw: str, expected_form: str) -> None:
    environ = {"VALR_API_KEY": KEY_VALUE, "VALR_API_SECRET": SECRET_VALUE, key: raw}
    with pytest.raises(ConfigError) as info:
        load_settings(environ=environ, env_file=None)
    text = str(info.value)
    assert info.value.code == "VALR-CFG-001"
    assert text.startswith("[VALR-CFG-001] ")
    assert "\n" not in text
    assert key in text
    assert expected_form in text
    assert info.value.details["key"] == key
    assert SECRET_VALUE not in text and KEY_VALUE not in text
    assert SECRET_VALUE not in repr(info.value.details)


def test_malformed_value_from_env_file_is_reported_too(tmp_path: Path) -> None:
    env_file = _write_env(tmp_path, f"VALR_API_SECRET={SECRET_VALUE}\nRATE_LIMIT_CAPACITY=lots\n")
    with pytest.raises(ConfigError, match="RATE_LIMIT_CAPACITY"):
        load_settings(environ={}, env_file=env_file)


def test_stale_must_not_exceed_safe_idle() -> None:
    with pytest.raises(ConfigError, match="STALE_AFTER_S"):
        load_settings(environ={"STALE_AFTER_S": "90", "SAFE_IDLE_AFTER_S": "60"}, env_file=None)


@pytest.mark.parametrize(
    ("mode", "confirmed", "live"),
    [
        ("DRY_RUN", "false", False),
        ("DRY_RUN", "true", False),
        ("LIVE", "false", False),
        ("LIVE", "", False),
        ("live", "yes", True),
        ("LIVE", "true", True),
    ],
)
def test_is_live_needs_both_switches(mode: str, confirmed: str, live: bool) -> None:
    environ = {"EXECUTION_MODE": mode, "LIVE_TRADING_CONFIRMED": confirmed}
    assert load_settings(environ=environ, env_file=None).is_live is live


def test_settings_are_frozen_and_overridable() -> None:
    s = load_settings(environ={}, env_file=None)
    with pytest.raises(AttributeError):
        s.max_order_zar = Decimal(1)  # type: ignore[misc]
    t = s.with_overrides(max_order_zar=Decimal("10"))
    assert t.max_order_zar == Decimal("10") and s.max_order_zar == Decimal("5000")


def test_every_key_is_documented_in_env_example() -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    text = example.read_text(encoding="utf-8")
    missing = [k for k in SETTING_KEYS if f"{k}=" not in text]
    assert not missing, f".env.example lacks {missing}"


def test_settings_default_constructor_matches_loader() -> None:
    loaded = load_settings(environ={}, env_file=None)
    assert Settings() == loaded


def test_unwritable_log_path_ends_start_up_with_one_coded_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from valr_tui.cli import EXIT_CONFIG, main

    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("VALR_LOG_PATH", str(blocker / "logs" / "valr-tui.log"))  # parent is a file
    monkeypatch.setenv("VALR_DB_PATH", str(tmp_path / "valr.db"))
    code = main(["--env-file", str(tmp_path / "absent.env")])
    err = capsys.readouterr().err
    assert code == EXIT_CONFIG
    assert err.startswith("valr-tui: [VALR-CFG-001] VALR_LOG_PATH ")
    assert "cannot be written" in err
    assert err.count("\n") == 1 and "Traceback" not in err
