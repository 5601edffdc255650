"""The start-up's heap: imports without the cyclic garbage collector, their dataclasses' methods
compiled once for all starts (``valr_tui.dataclass_code``)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

from valr_tui.dataclass_code import DATACLASS_CODE


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
