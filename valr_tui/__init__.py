"""valr-tui: a Textual terminal dashboard for trading on VALR."""

import sys

__version__ = "0.1.0"

# httpx's package imports its command-line client (click, pygments, rich's syntax and progress
# modules: ~30 ms of every start) and falls back to a stub when that import fails. The dashboard
# never runs that client (the ``httpx`` command is a program of its own), so the start skips it.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None: "not importable"
