"""The coded error hierarchy: unique, well-formed codes; the two codes the README promises."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import storage
import valr_tui
from valr_tui import errors
from valr_tui.errors import (
    ConfigError,
    DecimalError,
    ExchangeError,
    MarketOrderRejected,
    MissingCredentialsError,
    OrderRejected,
    ValrTuiError,
    all_error_classes,
)

CODE_RE = re.compile(r"VALR-[A-Z]+-\d{3}")


def _import_everything() -> None:
    """Import every core module, so an error class defined outside errors.py would be seen."""
    for package in (valr_tui, storage):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".ui" in info.name or info.name.endswith("__main__"):
                continue  # the UI needs a terminal-capable Textual import; not an error source here
            try:
                importlib.import_module(info.name)
            except ImportError:
                continue  # a module another engineer is still writing


def test_every_code_is_unique_and_well_formed() -> None:
    _import_everything()
    classes = all_error_classes()
    assert len(classes) > 20
    for cls in classes:
        assert CODE_RE.fullmatch(cls.code), f"{cls.__name__} has malformed code {cls.code!r}"
        assert cls.meaning, f"{cls.__name__} has no meaning"
    # A subclass that inherits its parent's code is a refinement of the same error; declaring a
    # code twice is not.
    declared = [(cls.__dict__["code"], cls.__name__) for cls in classes if "code" in cls.__dict__]
    codes = [code for code, _ in declared]
    duplicates = sorted((c, n) for c, n in declared if codes.count(c) > 1)
    assert not duplicates, f"codes declared twice: {duplicates}"


def test_promised_codes_exist() -> None:
    assert MissingCredentialsError.code == "VALR-SEC-001"
    assert MarketOrderRejected.code == "VALR-ORD-001"
    assert issubclass(MarketOrderRejected, OrderRejected)
    assert all(issubclass(c, ValrTuiError) for c in all_error_classes())


def test_every_class_in_errors_module_is_in_the_hierarchy() -> None:
    defined = {
        obj for obj in vars(errors).values() if isinstance(obj, type) and issubclass(obj, Exception)
    }
    assert defined <= set(all_error_classes())


def test_message_carries_code_and_defaults_to_meaning() -> None:
    err = DecimalError()
    assert str(err) == f"[VALR-DEC-001] {DecimalError.meaning}"
    err2 = ConfigError("X must be Y", key="X")
    assert str(err2) == "[VALR-CFG-001] X must be Y"
    assert err2.details == {"key": "X"}


def test_code_override_is_per_instance() -> None:
    err = ValrTuiError("boom", code="VALR-GEN-999")
    assert err.code == "VALR-GEN-999"
    assert ValrTuiError.code == "VALR-GEN-001"


def test_exchange_error_keeps_status_and_valr_code() -> None:
    err = ExchangeError("bad", status=400, valr_code=-11)
    assert (err.status, err.valr_code) == (400, -11)
    assert err.details["valr_code"] == -11
    with pytest.raises(ValrTuiError):
        raise err


def test_every_error_class_lives_in_errors_py() -> None:
    _import_everything()
    classes = all_error_classes()
    assert sorted(f"{c.__module__}.{c.__name__}" for c in classes if c.__module__ != errors.__name__) == []


async def test_an_engine_still_starting_has_its_own_code() -> None:
    from valr_tui.config import Settings
    from valr_tui.trading.engine import TradingEngine
    from valr_tui.trading.views import OrderRequest

    engine = TradingEngine(Settings(db_path=":memory:", log_path=""))  # not started
    [problem] = engine.preview(OrderRequest("BTCZAR", "BUY", "1000000", "0.001")).problems
    assert problem.code == "VALR-ENG-001" and problem.code != errors.StaleMarketDataError.code
    assert not isinstance(problem, errors.StaleMarketDataError)
    with pytest.raises(errors.EngineNotReady) as info:
        await engine.reconcile_now()
    assert info.value.code == "VALR-ENG-001"
