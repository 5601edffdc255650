"""Properties of the foundation: Decimal round-trips, credential sanitization, the token bucket's
rate bound and essential floor, and ZAR formatting."""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from valr_tui.config import load_settings
from valr_tui.errors import ConfigError, MissingCredentialsError
from valr_tui.exchange.hmac_signer import VALRSigner
from valr_tui.exchange.rate_limiter import TokenBucket
from valr_tui.logging_setup import configure_logging
from valr_tui.money.decimal_gateway import ZAR_PRECISION, DecimalGateway
from valr_tui.secrets import Secret

G = DecimalGateway
WIDE = Context(prec=200)

# --- strategies ------------------------------------------------------------------------------
# Amounts as VALR can express them: up to 20 significant digits, 18 decimals or 10**26.
amounts = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent, WIDE),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.integers(min_value=-18, max_value=6),
) | st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=8, allow_nan=False, allow_infinity=False
)

# Credentials: at least 8 printable ASCII characters (quotes and backslashes included), no
# surrounding whitespace (configuration strips it).
credentials = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=8, max_size=48
).filter(lambda s: s == s.strip())


# --- Property 1 ----------------------------------------------------------------------------
@given(amounts)
def test_property_01_decimal_gateway_round_trip(value: Decimal) -> None:
    wire = G.to_wire(value)
    assert G.to_decimal(wire) == value
    assert G.to_decimal(str(value)) == value
    assert "E" not in wire.upper()
    assert not ("." in wire and wire.endswith(("0", ".")))  # canonical: no trailing zeros
    assert G.to_wire(G.to_decimal(wire)) == wire  # canonical form is a fixed point


# --- Property 2 ----------------------------------------------------------------------------
_ASCTIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", re.MULTILINE)


def _shown_texts(key: str, secret: str) -> list[str]:
    """Every text a user or a log can see from a signer, a Secret, a failed signer and a failed
    configuration built from these credentials."""
    signer = VALRSigner(key, secret, clock_ms=lambda: 1_700_000_000_000)
    wrapped = Secret(secret)
    shown = [repr(signer), str(signer), f"{signer}", repr(wrapped), str(wrapped), f"{wrapped}"]
    for missing in ((key, ""), ("", secret)):
        try:
            VALRSigner(*missing)
        except MissingCredentialsError as exc:
            shown += [str(exc), repr(exc)]
    environ = {"VALR_API_KEY": key, "VALR_API_SECRET": secret, "MAX_ORDER_ZAR": "abc"}
    try:
        load_settings(environ=environ, env_file=None)
    except ConfigError as exc:
        shown += [str(exc), repr(exc.details)]
    try:  # credentials that are not printable ASCII are refused (they cannot go in a header)
        credentials = {"VALR_API_KEY": key, "VALR_API_SECRET": secret}
        shown.append(repr(load_settings(environ=credentials, env_file=None)))
    except ConfigError as exc:
        shown.append(str(exc))
    assert len(shown) == 13  # every path above really produced its text
    return shown


def _log_text(key: str, secret: str) -> str:
    """The log file after logging headers, the credentials and a traceback (timestamps cut)."""
    signer = VALRSigner(key, secret, clock_ms=lambda: 1_700_000_000_000)
    headers = signer.headers("POST", "/v1/orders/limit", '{"pair":"BTCZAR"}')
    with tempfile.TemporaryDirectory() as folder:
        log_path = Path(folder) / "valr.log"
        log = configure_logging(str(log_path))
        try:
            child = logging.getLogger("valr_tui.property")
            child.info("headers %s", headers)
            child.info("headers %r and %s", list(headers.items()), secret)
            child.warning("credentials %s / %s", key, secret)
            try:
                raise RuntimeError(f"request failed: {headers}")
            except RuntimeError:
                child.exception("boom")
            for handler in log.handlers:
                handler.flush()
            text = log_path.read_text(encoding="utf-8")
        finally:
            configure_logging(None)
    assert "headers" in text and "boom" in text  # the log really was written
    assert headers["X-VALR-SIGNATURE"] not in text
    return _ASCTIME.sub("", text)


# What the same code shows for placeholder credentials: a generated "secret" that is literally
# part of this fixed wording (e.g. "VALR-CFG" or "base_url") is not a leak.
# The placeholders are printable ASCII so their Settings repr (paths, URLs) is part of the wording.
_PLACEHOLDER_KEY, _PLACEHOLDER_SECRET = "placeholder-key-01", "placeholder-secret-02"
_BENIGN = "\n".join(
    [*_shown_texts(_PLACEHOLDER_KEY, _PLACEHOLDER_SECRET), _log_text(_PLACEHOLDER_KEY, _PLACEHOLDER_SECRET)]
)


@given(secret=credentials, key=credentials)
def test_property_02_credential_sanitization(secret: str, key: str) -> None:
    assume(secret not in _BENIGN and key not in _BENIGN)
    assume(secret not in key and key not in secret)
    for text in [*_shown_texts(key, secret), _log_text(key, secret)]:
        assert secret not in text
        assert key not in text


# --- the token bucket model shared by Properties 7 and 8 -------------------------------------
@dataclass
class FrozenClock:
    now: float = 10_000.0

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class Step:
    advance: float
    tokens: int
    essential: bool
    drain: bool


steps = st.lists(
    st.builds(
        Step,
        advance=st.sampled_from([0.0, 0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 3.0]),
        tokens=st.integers(min_value=1, max_value=3),
        essential=st.booleans(),
        drain=st.integers(min_value=0, max_value=9).map(lambda n: n == 0),  # an occasional 429
    ),
    min_size=1,
    max_size=120,
)
buckets = st.tuples(
    st.integers(min_value=4, max_value=60),  # capacity
    st.sampled_from([0.5, 1.0, 2.0, 10.0, 25.0]),  # refill per second
    st.sampled_from([0.0, 0.1, 0.25, 0.5]),  # essential threshold
)


# --- Property 7 ----------------------------------------------------------------------------
@given(buckets, steps)
def test_property_07_token_bucket_rate_limiting(config: tuple[int, float, float], plan: list[Step]) -> None:
    capacity, rate, threshold = config
    clock = FrozenClock()
    bucket = TokenBucket(capacity, rate, threshold, clock=clock)
    grants: list[tuple[float, int]] = []
    for step in plan:
        clock.now += step.advance
        if step.drain:
            bucket.drain(pause_seconds=step.advance)
        elif bucket.try_acquire(step.tokens, essential=step.essential):
            grants.append((clock.now, step.tokens))
        level = bucket.snapshot().available
        assert -1e-9 <= level <= capacity
    # Every window [t_i, t_j] between two grants: granted tokens <= capacity + rate * length.
    for i, (start, _) in enumerate(grants):
        total = 0
        for end, tokens in grants[i:]:
            total += tokens
            assert total <= capacity + rate * (end - start) + 1e-6


# --- Property 8 ----------------------------------------------------------------------------
@given(buckets, steps)
def test_property_08_essential_polling_mode(config: tuple[int, float, float], plan: list[Step]) -> None:
    capacity, rate, threshold = config
    clock = FrozenClock()
    bucket = TokenBucket(capacity, rate, threshold, clock=clock)
    floor = capacity * threshold
    for step in plan:
        clock.now += step.advance
        if step.drain:
            bucket.drain(pause_seconds=step.advance)
        before = bucket.snapshot()
        granted = bucket.try_acquire(step.tokens, essential=step.essential)
        after = bucket.snapshot().available
        unblocked = before.blocked_for == 0
        if step.essential:
            # Essential work is granted while the tokens exist (float boundary: either answer).
            if unblocked and before.available >= step.tokens + 1e-6:
                assert granted
            if not unblocked or before.available < step.tokens - 1e-6:
                assert not granted
        else:
            if before.available < floor + step.tokens - 1e-6:
                assert not granted  # below the threshold polling is refused
            if before.essential_only and step.tokens == 1:
                assert not granted
            if granted:
                assert after >= floor - 1e-6  # polling never eats into the essential reserve
        if not granted:
            assert after == before.available  # a refusal costs nothing


@given(buckets)
def test_property_08_essential_work_drains_the_reserve(config: tuple[int, float, float]) -> None:
    capacity, rate, threshold = config
    clock = FrozenClock()
    bucket = TokenBucket(capacity, rate, threshold, clock=clock)
    polled = 0
    while bucket.try_acquire():
        polled += 1
    assert bucket.essential_only
    assert bucket.available >= capacity * threshold - 1e-9
    essential = 0
    while bucket.try_acquire(essential=True):
        essential += 1
    assert polled + essential == capacity  # the floor was there for essential work only
    assert 0 <= bucket.available < 1


# --- Property 15 ---------------------------------------------------------------------------
_ZAR_RE = re.compile(r"R -?\d{1,3}(,\d{3})*\.\d{2}")


@given(amounts)
def test_property_15_zar_precision_formatting(value: Decimal) -> None:
    text = G.format_zar(value)
    assert _ZAR_RE.fullmatch(text), text
    body = text.removeprefix("R ")
    expected = value.quantize(ZAR_PRECISION, rounding=ROUND_HALF_EVEN, context=WIDE)
    assert Decimal(body.replace(",", "")) == expected
    assert body != "-0.00"
    integer_part = body.lstrip("-").split(".")[0]
    groups = integer_part.split(",")
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3
    assert G.format_zar(value, symbol=False) == body
    crypto = G.format_crypto(value)
    assert re.fullmatch(r"-?\d+\.\d{8}", crypto)
