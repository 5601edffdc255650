"""The start-up's heap: imports without the cyclic garbage collector, their dataclasses' methods
compiled once for all starts (``valr_tui.dataclass_code``), and the collector held off from the
imports to the main screen's first frame (``collector_held`` / ``release_collector``)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

from valr_tui.dataclass_code import DATACLASS_CODE

_held = False  # collector_held turned the collector off and nothing has given it back yet


@contextlib.contextmanager
def start_up_heap() -> Iterator[None]:
    """Import without the cyclic garbage collector, then freeze what was imported. The imports
    create ~100,000 long-lived objects (modules, classes, functions) and no garbage to speak
    of, yet the collector went over all of them again and again (5–10 % of a cold start's CPU);
    frozen, the later collections of a session no longer walk them either. The dataclasses
    defined meanwhile (in any thread) take their compiled methods from the previous starts."""
    was_enabled = gc.isenabled()
    gc.disable()
    DATACLASS_CODE.install()
    try:
        yield
    finally:
        DATACLASS_CODE.uninstall()
        gc.freeze()
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def collector_held() -> Iterator[None]:
    """The cyclic collector off from here until ``release_collector`` (the dashboard calls it
    after the main screen's first frame, the screen frozen already) or the end of the block,
    whichever comes first. Between the imports and that frame a start builds the engine, the
    screen's ~80 widgets and their styles (~19,000 objects, nearly all kept for the session) and
    draws it; with the collector on, ~75 passes walked them over and over (~15 ms of a cold
    start's CPU to the first price, thread timers). Held, the screen's freeze keeps the ~1,300
    objects of garbage its compose left (~180 kB, given back when the app ends and unfreezes).
    A collector already off (a caller's choice) is left off."""
    global _held
    if not gc.isenabled():
        yield
        return
    gc.disable()
    _held = True
    try:
        yield
    finally:
        release_collector()


def release_collector() -> None:
    """The collector back on if ``collector_held`` holds it off; otherwise nothing (an app run
    without the launcher, as in the tests, never had it off)."""
    global _held
    if _held:
        _held = False
        gc.enable()
