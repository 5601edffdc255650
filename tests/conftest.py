"""Shared test set-up: hypothesis profiles (CI is deterministic and bounded), and a fresh
registry of redacted secrets for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from valr_tui import logging_setup

settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _secrets_registered_by_a_test_stay_in_that_test() -> Iterator[None]:
    """The process-wide redaction registry keeps every credential a signer has seen; a property
    test registers hundreds of random strings ("Infinity", "lr_tui.d", ...), which would then blank
    ordinary words in later tests' messages."""
    before = set(logging_setup._secrets)
    yield
    with logging_setup._lock:
        logging_setup._secrets.clear()
        logging_setup._secrets.update(before)
