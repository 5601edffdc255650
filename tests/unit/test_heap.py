"""The start-up's imports run without the garbage collector, which comes back afterwards."""

from __future__ import annotations

import gc

import pytest

from valr_tui.heap import start_up_heap


def test_the_collector_is_off_inside_and_back_on_after_with_the_imports_frozen() -> None:
    try:
        frozen = gc.get_freeze_count()
        with start_up_heap():
            assert not gc.isenabled()
            kept = [object() for _ in range(10)]  # stands for what the imports create
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(kept)
    finally:
        gc.unfreeze()  # this test process keeps collecting everything


def test_an_import_that_fails_still_gives_the_collector_back() -> None:
    try:
        with pytest.raises(ImportError), start_up_heap():
            raise ImportError("no such module")
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with start_up_heap():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
