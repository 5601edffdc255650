"""Hostile input: only coded errors escape from the money path, the settings, the CLI, the
logging and the order path; a hostile global decimal context changes no result; nothing is
half-written (integrity ok, every stored order has its audit rows); no canary leaks."""

from __future__ import annotations

import contextlib
import decimal
import io
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.trading.order_fakes import FakeMarket, build, close_dbs, open_db, pair, view
from tests.trading.order_fakes import settings as order_settings
from valr_tui import cli
from valr_tui.config import SETTING_KEYS, Settings, load_settings
from valr_tui.errors import ConfigError, DecimalError, ValrTuiError
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.logging_setup import crash_line
from valr_tui.money.decimal_gateway import DecimalGateway, loads
from valr_tui.secrets import Secret
from valr_tui.trading.views import OrderRequest

CANARY_KEY = "CANARY-KEY-1b2c3d4e5f60718293a4"
CANARY_SECRET = "CANARY-SECRET-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
G = DecimalGateway


@pytest.fixture
def hostile_context() -> Iterator[None]:
    """A host program's global context: 6 digits, every signal trapped."""
    with decimal.localcontext() as ctx:
        ctx.prec = 6
        ctx.rounding = decimal.ROUND_UP
        for signal in (decimal.Inexact, decimal.Rounded, decimal.Subnormal, decimal.Clamped):
            ctx.traps[signal] = True
        yield


@pytest.fixture(autouse=True)
async def _close() -> Any:
    yield
    await close_dbs()


# --- the money path -----------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [
    "12345678901234567890123456789",  # 29 digits
    "0.0010000000000000000000000000001",  # 31 decimals: was stored as is
    10**5000, -(10**30), Decimal("1e5000"), Decimal(10**40), "1e-30", "9" * 99,
    Decimal("0." + "1" * 10_000),
], ids=lambda raw: f"{type(raw).__name__}-{len(str(raw)) if not isinstance(raw, int) else raw.bit_length()}")
def test_amounts_outside_the_limits_are_coded_errors(raw: object) -> None:
    with pytest.raises(DecimalError) as info:
        G.to_decimal(raw)
    assert len(str(info.value)) < 300  # never the whole 10k-digit number


def test_exchange_json_numbers_get_the_same_limits() -> None:
    # A 10k-digit balance used to pass the balance gate and become a 1,000,000-char baseline.
    for body in ('{"available": 1' + "0" * 10_000 + '.5}', '{"n": ' + "7" * 5000 + "}",
                 '{"p": 0.' + "1" * 40 + "}"):
        with pytest.raises(DecimalError):
            loads(body)
    assert loads('{"p": 1234.5, "seq": 12345678901234567890}') == {
        "p": Decimal("1234.5"), "seq": 12345678901234567890}


amount_texts = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"-?[0-9]{0,40}(\.[0-9]{0,40})?([eE][+-]?[0-9]{1,6})?", fullmatch=True),
)


@given(raw=st.one_of(amount_texts, st.integers(), st.decimals(allow_nan=True)))
def test_to_decimal_gives_a_bounded_decimal_or_a_coded_error(raw: object) -> None:
    try:
        value = G.to_decimal(raw)
    except DecimalError:
        return
    assert value.is_finite()
    assert len(G.to_wire(value)) <= 50
    G.multiply(value, value)  # the product of two amounts fits exactly


@pytest.mark.usefixtures("hostile_context")
def test_gateway_results_ignore_a_hostile_global_context() -> None:
    assert G.multiply(Decimal("1234567.89"), Decimal("0.00012345")) == Decimal("152.4074060205")
    assert G.is_multiple(Decimal("12345678"), Decimal("1"))
    assert not G.is_multiple(Decimal("12345678.5"), Decimal("1"))
    assert G.decimal_places(Decimal("0.12345678900")) == 9
    assert G.format_zar(Decimal("1234567.125")) == "R 1,234,567.12"


# --- the order path -----------------------------------------------------------------------------
GOOD = {"pair": "BTCZAR", "side": "BUY", "price": "1000000", "quantity": "0.001"}


async def _preview_codes(request: OrderRequest) -> tuple[Decimal | None, list[str]]:
    h = await build(order_settings(dry_run_wallet_zar=Decimal(100000)))
    preview = h.manager.preview(request)
    return preview.value_zar, [p.code for p in preview.problems]


async def test_preview_is_the_same_under_a_hostile_global_context() -> None:
    request = OrderRequest(**{**GOOD, "price": "1234567", "quantity": "0.00123457"})
    plain = await _preview_codes(request)
    with decimal.localcontext() as ctx:
        ctx.prec = 6
        ctx.traps[decimal.Inexact] = True
        hostile = await _preview_codes(request)
    assert plain == hostile
    assert plain[0] == Decimal("1234567") * Decimal("0.00123457")


@pytest.mark.parametrize(("field", "raw", "code"), [
    ("price", "12345678901234567890123456789", "VALR-ORD-004"),
    pytest.param("price", 10**5000, "VALR-ORD-004", id="price-int-10**5000"),
    ("quantity", Decimal("0.0010000000000000000000000000001"), "VALR-ORD-005"),
    ("quantity", "0.000000001", "VALR-ORD-005"),  # more decimals than BTCZAR allows
    ("post_only", "false", "VALR-ORD-010"),
])
async def test_hostile_order_fields_are_coded_and_nothing_is_stored(
    field: str, raw: object, code: str
) -> None:
    h = await build(order_settings(dry_run_wallet_zar=Decimal(100000)))
    request = OrderRequest(**{**GOOD, field: raw})  # type: ignore[arg-type]
    assert code in [p.code for p in h.manager.preview(request).problems]
    with pytest.raises(ValrTuiError) as info:
        await h.manager.submit(request)
    assert info.value.code.startswith("VALR-")
    assert (await h.db.fetchone("SELECT COUNT(*) FROM trading_orders"))[0] == 0  # type: ignore[index]
    assert await h.db.integrity_check() == "ok"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(price=st.one_of(amount_texts, st.integers(), st.decimals()),
       quantity=st.one_of(amount_texts, st.integers(), st.decimals()),
       side=st.sampled_from(["BUY", "SELL", "buy", "", "x"]),
       post_only=st.sampled_from([True, False, "false", 0, None]))
async def test_any_form_input_is_accepted_or_coded_and_never_half_written(
    price: object, quantity: object, side: str, post_only: object
) -> None:
    db = await open_db()
    h = await build(order_settings(dry_run_wallet_zar=Decimal(10**9), max_order_zar=Decimal(10**8)), db=db)
    request = OrderRequest("BTCZAR", side, price, quantity, post_only=post_only)  # type: ignore[arg-type]
    h.manager.preview(request)  # never raises
    with contextlib.suppress(ValrTuiError):
        await h.manager.submit(request)
    orders = await db.fetchall("SELECT correlation_id FROM trading_orders")
    for row in orders:
        audit = await db.fetchall("SELECT 1 FROM institutional_audit WHERE correlation_id = ?",
                                  (row["correlation_id"],))
        assert audit, "a stored order without audit rows"
    assert await db.integrity_check() == "ok"


async def test_max_order_zar_values_a_usdc_order_in_zar() -> None:
    usdc = pair("BTCUSDC", "BTC", "0.00001")
    usdc = type(usdc)(**{**usdc.__dict__, "quote_currency": "USDC"}) if hasattr(usdc, "__dict__") else usdc
    market = FakeMarket()
    market.views["BTCUSDC"] = view("BTCUSDC", "50000", "50010", "50005")
    h = await build(order_settings(max_order_zar=Decimal(5000), dry_run_wallet_zar=Decimal(10**6)),
                    market=market)
    h.manager.pairs["BTCUSDC"] = _with_quote(usdc, "USDC")
    request = OrderRequest("BTCUSDC", "BUY", "49900", "0.1")  # 4,990 USDC, about R 90,000
    codes = [p.code for p in h.manager.preview(request).problems]
    assert "VALR-MKT-003" in codes  # no USDCZAR price: refused, not compared as if it were ZAR
    market.views["USDCZAR"] = view("USDCZAR", "18", "18.2", "18.1")
    problems = h.manager.preview(request).problems
    limit = [p for p in problems if p.code == "VALR-ORD-007"]
    assert limit and "about R 90,319.00" in limit[0].message
    small = OrderRequest("BTCUSDC", "BUY", "49900", "0.005")  # 249.50 USDC, about R 4,530
    assert "VALR-ORD-007" not in [p.code for p in h.manager.preview(small).problems]


def _with_quote(p: Any, quote: str) -> Any:
    import dataclasses

    return dataclasses.replace(p, quote_currency=quote)


# --- settings -----------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["false", "no", "0", False])
def test_live_confirmation_in_code_is_parsed_strictly(raw: object) -> None:
    s = Settings(execution_mode="LIVE", live_trading_confirmed=raw, db_path=":memory:")  # type: ignore[arg-type]
    assert s.live_trading_confirmed is False and not s.is_live


@pytest.mark.parametrize("changes", [
    {"live_trading_confirmed": "maybe"}, {"live_trading_confirmed": 1},
    {"api_key": CANARY_KEY}, {"api_secret": CANARY_SECRET},
    {"subaccount_id": "12é4"}, {"rate_limit_essential_pct": Decimal(100)},
    {"recon_interval_s": Decimal("0.000001")}, {"max_order_zar": 5000.0},
    {"rate_limit_capacity": 10**5000}, {"poll_interval_s": Decimal("1e999999")},
], ids=lambda changes: next(iter(changes)))
def test_bad_settings_in_code_are_one_coded_line(changes: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as info:
        Settings(db_path=":memory:", **changes)
    text = str(info.value)
    assert text.startswith("[VALR-CFG-001] ") and "\n" not in text and len(text) < 300
    assert CANARY_KEY not in text and CANARY_SECRET not in text


@settings(max_examples=200)
@given(key=st.sampled_from(SETTING_KEYS), raw=st.text(max_size=80))
def test_any_environment_value_gives_settings_or_one_coded_line(key: str, raw: str) -> None:
    try:
        load_settings(environ={key: raw}, env_file=None)
    except ConfigError as exc:
        assert "\n" not in str(exc)


@pytest.mark.parametrize(("env", "needle"), [
    ({"RATE_LIMIT_ESSENTIAL_PCT": "100"}, "RATE_LIMIT_ESSENTIAL_PCT"),
    ({"RECON_INTERVAL_S": "0.000001"}, "RECON_INTERVAL_S"),
    ({"VALR_SUBACCOUNT_ID": "ünïcode", "VALR_API_KEY": CANARY_KEY, "VALR_API_SECRET": CANARY_SECRET},
     "VALR_SUBACCOUNT_ID"),
    ({"VALR_API_KEY": "key with spaces", "VALR_API_SECRET": CANARY_SECRET}, "VALR_API_KEY"),
])
def test_cli_config_errors_are_one_line_and_exit_2(
    env: dict[str, str], needle: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key in SETTING_KEYS:
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("VALR_DB_PATH", str(tmp_path / "x.db"))
    assert cli.main(["--env-file", str(tmp_path / "none.env"), "journal"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and needle in err and "VALR-CFG-001" in err
    assert CANARY_KEY not in err and CANARY_SECRET not in err


def test_cli_turns_an_unexpected_error_into_one_coded_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = Secret(CANARY_SECRET)  # a local of a frame on the crash path

    def boom(*_args: object, **_kwargs: object) -> int:
        api_secret = secret.reveal()  # noqa: F841 - the local Textual's report would print
        raise UnicodeEncodeError("ascii", CANARY_KEY, 0, 1, "ordinal not in range")

    monkeypatch.setattr("valr_tui.commands.journal_command", boom)
    monkeypatch.setenv("VALR_DB_PATH", str(tmp_path / "x.db"))
    assert cli.main(["--env-file", str(tmp_path / "none.env"), "journal"]) == 1
    out, err = capsys.readouterr()
    assert err.startswith("valr-tui: [VALR-GEN-001] unexpected UnicodeEncodeError") and err.count("\n") == 1
    assert CANARY_SECRET not in out + err


def test_crash_line_redacts_before_cutting() -> None:
    VALRSigner(Secret(CANARY_KEY), Secret(CANARY_SECRET))  # registers both
    for cut in range(270, 300):
        text = crash_line(ValrTuiError("x" * (cut - len(CANARY_KEY) // 2) + CANARY_SECRET))
        assert CANARY_SECRET[:12] not in text


# --- library loggers ------------------------------------------------------------------------------
def test_library_debug_logging_never_shows_credentials() -> None:
    signer = VALRSigner(Secret(CANARY_KEY), Secret(CANARY_SECRET))
    headers = signer.headers("GET", "/ws/account", "")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # what logging.basicConfig(level=DEBUG) installs
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        for name in ("websockets.client", "httpx", "httpcore.http11"):
            lib = logging.getLogger(name)
            lib.debug("> X-VALR-API-KEY: %s", headers["X-VALR-API-KEY"])
            lib.debug("> X-VALR-SIGNATURE: %s", headers["X-VALR-SIGNATURE"])
            lib.debug("request headers %r", headers)
            try:
                raise RuntimeError(f"failed with {CANARY_SECRET}")
            except RuntimeError:
                lib.exception("boom")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    text = stream.getvalue()
    assert "X-VALR-API-KEY" in text and "boom" in text
    assert CANARY_KEY not in text and CANARY_SECRET not in text
    assert headers["X-VALR-SIGNATURE"] not in text


@pytest.mark.parametrize(("key", "subaccount"), [
    (CANARY_KEY + "é", ""), (CANARY_KEY, "12é4"), (CANARY_KEY, "\udcff"),
])
def test_headers_that_cannot_be_sent_are_coded_and_show_no_credential(key: str, subaccount: str) -> None:
    signer = VALRSigner(Secret(key), Secret(CANARY_SECRET))
    with pytest.raises(ConfigError) as info:
        signer.headers("GET", "/v1/account/balances", "", subaccount)
    shown = f"{info.value} {info.value!r} {info.value.details!r}"
    assert CANARY_KEY not in shown and CANARY_SECRET not in shown
