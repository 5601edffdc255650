"""VALR signing: the published test vectors, fresh timestamps, and a signer that never shows its
secret."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator

import pytest

from valr_tui.config import load_settings
from valr_tui.errors import MissingCredentialsError
from valr_tui.exchange.hmac_signer import (
    API_KEY_HEADER,
    SIGNATURE_HEADER,
    SUBACCOUNT_HEADER,
    TIMESTAMP_HEADER,
    VALRSigner,
    compute_signature,
)
from valr_tui.secrets import Secret

SECRET_A = "superdupersecret"
SECRET_B = "4961b74efac86b25cce8fbe4c9811c4c7a787b7a5996660afcc2e287ad864363"
# (secret, timestamp, verb, path, body, subaccount, signature) from /work/shared/valr-api.md
VECTORS = [
    (
        SECRET_A, 1577572690093, "GET", "/v1/account/balances", "", "",
        "647d276537b952fe37f349422a4a60a76ecc2e3fad509a523b03dccd1a940525"
        "f8ff06314ad1adc5625000223c514637cd9682ee89ffc285b7493e7c64e746aa",
    ),
    (
        SECRET_A, 1577572690093, "GET", "/v1/account/balances", "", "909461317243875555",
        "3dc9ed14dbb13f9c529bd75241686523ca1e77fcbe0184ca35fe8d5329692e5e"
        "26a3b3d7ff339dce6e829d3b1c93ef9e187cf696c07ef12517198950ea68af0f",
    ),
    (
        SECRET_B, 1576353032322571, "POST", "/v1/orders/limit",
        '{"pair":"ETHZAR","side":"SELL","quantity":"0.074650","price":"150000.000000"}', "",
        "21d0e13adb241f9cb303eff248db3f5c60ad9d0d78afbdde50969a57ecc5f901"
        "05b7af974b89aa1dbff5f9eb4bf0b9b4bea04ca2149ad29724afa1f8f2215a2a",
    ),
    (
        SECRET_B, 1576353032322571, "DELETE", "/v1/orders/order",
        '{"orderId":"da99bd40-41a2-42dd-8601-bc99edc31df2","pair":"BTCZAR"}', "",
        "6a2c253885eff940bc320f327477228ba7c492ce15e93393a84cc79aa8ab46d9"
        "aff04b981aaa31163d873b149b76f7492384f8952715ad25f6daf4730d96d1e5",
    ),
]
KEY = "canary-api-key-0f0f0f"


@pytest.mark.parametrize(("secret", "ts", "verb", "path", "body", "sub", "expected"), VECTORS)
def test_vectors_compute_signature(
    secret: str, ts: int, verb: str, path: str, body: str, sub: str, expected: str
) -> None:
    assert compute_signature(secret, ts, verb, path, body, sub) == expected
    assert compute_signature(secret, str(ts), verb.lower(), path, body.encode(), sub) == expected


@pytest.mark.parametrize(("secret", "ts", "verb", "path", "body", "sub", "expected"), VECTORS)
def test_vectors_signer_sign(
    secret: str, ts: int, verb: str, path: str, body: str, sub: str, expected: str
) -> None:
    signer = VALRSigner(KEY, secret)
    assert signer.sign(ts, verb, path, body, sub) == expected


def test_signature_changes_with_any_input() -> None:
    base = compute_signature(SECRET_A, 1, "GET", "/v1/x", "")
    assert len(base) == 128 and base == base.lower()
    variants = [
        compute_signature(SECRET_A, 2, "GET", "/v1/x", ""),
        compute_signature(SECRET_A, 1, "POST", "/v1/x", ""),
        compute_signature(SECRET_A, 1, "GET", "/v1/x?a=1", ""),
        compute_signature(SECRET_A, 1, "GET", "/v1/x", " "),
        compute_signature(SECRET_A, 1, "GET", "/v1/x", "", "1"),
        compute_signature(SECRET_A + "x", 1, "GET", "/v1/x", ""),
    ]
    assert base not in variants


class FakeClockMs:
    def __init__(self, start: int) -> None:
        self.now = start
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        self.now += 7
        return self.now


def test_headers_fresh_timestamp_and_recomputable_signature() -> None:
    clock = FakeClockMs(1_700_000_000_000)
    signer = VALRSigner(KEY, SECRET_A, clock_ms=clock)
    body = '{"pair":"BTCZAR"}'
    first = signer.headers("post", "/v1/orders/limit?x=1", body)
    second = signer.headers("post", "/v1/orders/limit?x=1", body)
    assert clock.calls == 2
    assert first[TIMESTAMP_HEADER] == "1700000000007"
    assert second[TIMESTAMP_HEADER] == "1700000000014"
    assert first[API_KEY_HEADER] == KEY
    for headers in (first, second):
        ts = headers[TIMESTAMP_HEADER]
        expected = compute_signature(SECRET_A, ts, "POST", "/v1/orders/limit?x=1", body)
        assert headers[SIGNATURE_HEADER] == expected
        assert SUBACCOUNT_HEADER not in headers
    assert first[SIGNATURE_HEADER] != second[SIGNATURE_HEADER]


def test_default_clock_is_milliseconds_now() -> None:
    import time

    before = time.time_ns() // 1_000_000
    ts = int(VALRSigner(KEY, SECRET_A).headers("GET", "/v1/x")[TIMESTAMP_HEADER])
    after = time.time_ns() // 1_000_000
    assert before <= ts <= after


def test_subaccount_header_only_when_given() -> None:
    signer = VALRSigner(KEY, SECRET_A, clock_ms=lambda: 1577572690093)
    headers = signer.headers("GET", "/v1/account/balances", subaccount_id="909461317243875555")
    assert headers[SUBACCOUNT_HEADER] == "909461317243875555"
    assert headers[SIGNATURE_HEADER] == VECTORS[1][6]
    assert set(signer.headers("GET", "/v1/account/balances")) == {
        API_KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
    }


@pytest.mark.parametrize(
    "environ",
    [{}, {"VALR_API_KEY": KEY}, {"VALR_API_SECRET": SECRET_A}, {"VALR_API_KEY": "", "VALR_API_SECRET": " "}],
)
def test_signer_from_settings_missing_credentials(environ: dict[str, str]) -> None:
    settings = load_settings(environ=environ, env_file=None)
    assert not settings.has_credentials
    with pytest.raises(MissingCredentialsError) as info:
        VALRSigner(settings.api_key, settings.api_secret)
    assert info.value.code == "VALR-SEC-001"
    assert SECRET_A not in str(info.value) and KEY not in str(info.value)


def test_signer_from_settings_with_credentials() -> None:
    settings = load_settings(environ={"VALR_API_KEY": KEY, "VALR_API_SECRET": SECRET_A}, env_file=None)
    signer = VALRSigner(settings.api_key, settings.api_secret, clock_ms=lambda: 1577572690093)
    assert signer.headers("GET", "/v1/account/balances")[SIGNATURE_HEADER] == VECTORS[0][6]


def test_signer_from_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")  # no stray .env
    monkeypatch.delenv("VALR_API_KEY", raising=False)
    monkeypatch.delenv("VALR_API_SECRET", raising=False)
    settings = load_settings()
    with pytest.raises(MissingCredentialsError):
        VALRSigner(settings.api_key, settings.api_secret)


@pytest.mark.parametrize(("key", "secret"), [("", SECRET_A), (KEY, ""), (Secret(""), Secret(SECRET_A))])
def test_constructor_refuses_missing_credentials(key: str | Secret, secret: str | Secret) -> None:
    with pytest.raises(MissingCredentialsError):
        VALRSigner(key, secret)


@pytest.fixture
def signer() -> Iterator[VALRSigner]:
    yield VALRSigner(Secret(KEY), Secret(SECRET_B))


def test_signer_never_shows_credentials(signer: VALRSigner) -> None:
    for text in (repr(signer), str(signer), f"{signer}", f"{signer!r:>200}", f"{signer!s:>300}"):
        assert SECRET_B not in text and KEY not in text
    with pytest.raises(TypeError) as info:
        pickle.dumps(signer)
    assert SECRET_B not in str(info.value)
    with pytest.raises(TypeError):
        copy.deepcopy(signer)
    assert not hasattr(signer, "__dict__")  # no vars(signer) view of the fields


def test_secret_never_shows_its_value() -> None:
    secret = Secret(SECRET_B)
    for text in (repr(secret), str(secret), f"{secret}", f"{secret:>100}", f"{secret!s} {secret!r}"):
        assert SECRET_B not in text
        assert "***" in text
    assert repr(Secret("")) == "Secret('')"
    restored = pickle.loads(pickle.dumps(secret))
    assert SECRET_B.encode() not in pickle.dumps(secret)
    assert restored.reveal() == ""
    assert secret.reveal() == SECRET_B
    assert secret == Secret(SECRET_B) and secret != Secret("other") and secret != SECRET_B
    assert bool(secret) and not Secret("")
