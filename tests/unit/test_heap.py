"""The start-up's imports run without the garbage collector, which comes back afterwards; the
launcher holds it off from there until the dashboard's main screen is ready."""

from __future__ import annotations

import gc

import pytest

from tests.ui.fixtures import settle
from tests.ui.pilot_helpers import SIZE, make_app
from valr_tui.heap import collector_held, release_collector, start_up_heap


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


def test_a_held_collector_stays_off_after_the_imports_until_it_is_released() -> None:
    try:
        with collector_held():
            assert not gc.isenabled()
            with start_up_heap():
                pass
            assert not gc.isenabled()  # the imports' end no longer gives it back
            release_collector()
            assert gc.isenabled()
            gc.disable()  # someone else's choice after the release: the block's end keeps it
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_the_end_of_the_block_gives_back_a_collector_never_released() -> None:
    with pytest.raises(RuntimeError), collector_held():
        raise RuntimeError("the engine did not start")
    assert gc.isenabled()


def test_a_release_without_a_hold_changes_nothing() -> None:
    gc.disable()
    try:
        release_collector()
        assert not gc.isenabled()
        with collector_held():  # off before the hold: left off by it, its end and a release
            release_collector()
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_the_main_screen_s_readiness_gives_the_collector_back() -> None:
    app, _engine = make_app()
    try:
        with collector_held():
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                assert app._main_mounted
                assert gc.isenabled()
    finally:
        gc.enable()
