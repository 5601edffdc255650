"""A VALR-compatible exchange on loopback (REST + WS) for demo mode, tests and trying the app.

``SimulatorServer`` (server.py) serves VALR's paths over a pure-Python ``SimExchange``
(exchange.py); faults are injected through ``/_sim/`` or ``SimExchange.inject_fault``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

# What uvicorn's package exports from its submodules without its command line: the names the
# simulator (and uvicorn's own lifespan modules, ``from uvicorn import Config``) take from it.
_UVICORN_WITHOUT_COMMAND_LINE = {"Config": "uvicorn.config", "Server": "uvicorn.server"}


def _uvicorn_without_its_command_line() -> None:
    """uvicorn's ``__init__`` imports its command line to export ``main`` and ``run`` (click,
    its process supervisors, multiprocessing: ~15 ms of CPU in every demo start) that the
    simulator never runs. The package is registered without running it (its submodules import
    as usual); ``Config`` and ``Server`` come from their own modules, and any other name asked
    of the package (``uvicorn.run``, ``uvicorn.__version__``) runs the real ``__init__`` first."""
    if "uvicorn" in sys.modules:
        return
    spec = importlib.util.find_spec("uvicorn")
    if spec is None or spec.loader is None:
        return  # not installed: the simulator's own import says so
    loader = spec.loader
    package = importlib.util.module_from_spec(spec)

    def __getattr__(name: str) -> Any:  # PEP 562: only for names the module does not have yet
        if name in _UVICORN_WITHOUT_COMMAND_LINE:
            return getattr(importlib.import_module(_UVICORN_WITHOUT_COMMAND_LINE[name]), name)
        if vars(package).pop("__getattr__", None) is not None:  # once: the real names from now on
            loader.exec_module(package)
        return getattr(package, name)

    vars(package)["__getattr__"] = __getattr__
    sys.modules["uvicorn"] = package


_uvicorn_without_its_command_line()
