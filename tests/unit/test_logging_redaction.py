"""Redaction: whatever a developer logs, the log file holds no credential or signature."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from valr_tui.exchange.hmac_signer import SIGNATURE_HEADER, VALRSigner
from valr_tui.logging_setup import configure_logging, redact, register_secret

CANARY_SECRET = "CanarySecret-7d1f0a9e2b"
CANARY_KEY = "CanaryKey-3c4d5e6f7a"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "logs" / "valr.log"
    configure_logging(str(path), level=logging.DEBUG)
    yield path
    configure_logging(None)  # detach and close the file handler


def _flush_and_read(path: Path) -> str:
    for handler in logging.getLogger("valr_tui").handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_signer_credentials_and_headers_never_reach_the_file(log_file: Path) -> None:
    signer = VALRSigner(CANARY_KEY, CANARY_SECRET, clock_ms=lambda: 1_700_000_000_000)
    headers = signer.headers("POST", "/v1/orders/limit", '{"pair":"BTCZAR"}')
    signature = headers[SIGNATURE_HEADER]
    log = logging.getLogger("valr_tui.exchange.test")
    log.info("secret is %s", CANARY_SECRET)
    log.info("key is " + CANARY_KEY)
    log.warning("sending headers %s", headers)
    log.debug("signature %s", signature)
    log.info("dict %r", {"X-VALR-SIGNATURE": signature, "note": "fine"})
    try:
        raise RuntimeError(f"failed with {CANARY_SECRET} and {signature}")
    except RuntimeError:
        log.exception("request failed")
    text = _flush_and_read(log_file)
    assert "sending headers" in text and "request failed" in text and "note" in text  # logging works
    for canary in (CANARY_SECRET, CANARY_KEY, signature):
        assert canary not in text
    assert "[REDACTED]" in text


def test_unregistered_signature_shapes_are_redacted(log_file: Path) -> None:
    sig = "ab" * 64  # a 128-hex string that nobody registered
    header_value = "not-registered-key-value"
    log = logging.getLogger("valr_tui.test")
    log.info("sig=%s", sig)
    log.info("{'X-VALR-API-KEY': '%s'}", header_value)
    log.info("X-VALR-API-KEY: %s", header_value)
    text = _flush_and_read(log_file)
    assert sig not in text
    assert header_value not in text


def test_escaped_spellings_of_a_secret_are_redacted(log_file: Path) -> None:
    tricky = "q'uo\"te\\back-slash-secret"
    register_secret(tricky)
    log = logging.getLogger("valr_tui.test")
    log.info("headers %s", {"k": tricky})  # repr doubles the backslash, escapes a quote
    log.info("body %s", '{"s": "q\'uo\\"te\\\\back-slash-secret"}')  # a JSON-escaped copy
    text = _flush_and_read(log_file)
    assert "back-slash-secret" not in text


def test_short_strings_are_not_registered() -> None:
    register_secret("abc")
    assert redact("abc abc") == "abc abc"


def test_ordinary_text_is_untouched() -> None:
    text = "order BTCZAR BUY 0.001 @ 1500000 correlation 9f8e7d"
    assert redact(text) == text


def test_no_file_means_null_handler() -> None:
    logger = configure_logging(None)
    assert all(isinstance(h, logging.NullHandler) for h in logger.handlers)
