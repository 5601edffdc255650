"""Two memory leaks of Textual 8.2.8 that the dashboard's screens ran into, and their remedies.

Opening and closing the audit and journal views 80 times kept ~50 MiB for good:

- ``StylesCache.get_inner_outer`` is an instance method under ``functools.lru_cache(1024)``, so the
  cache keys hold up to 1024 ``StylesCache`` objects of removed widgets, each with its rendered
  lines (Textual issue #6665). ``release_styles_caches`` re-keys that cache on the two colours
  alone: the same styles come back, no widget is kept.
- ``Footer`` builds its keys with ``data_bind(compact=Footer.compact)``: each key's watcher stays in
  the footer's watcher list after the key is removed, until ``compact`` changes, which it never
  does (Textual issue #6666). The footer is rebuilt whenever the bindings change (every screen
  switch), so every switch kept another footer's worth of keys. ``Footer`` below drops the watchers
  of removed keys after each rebuild.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from rich.style import Style
from textual._styles_cache import StylesCache
from textual.color import Color
from textual.widgets import Footer as TextualFooter

_WATCHERS = "__watchers"  # where Textual's reactive keeps the watchers of an object


def release_styles_caches() -> None:
    """Make ``StylesCache.get_inner_outer`` cache by colours only (idempotent)."""
    method = StylesCache.__dict__.get("get_inner_outer")
    original: Callable[..., tuple[Style, Style]] | None = getattr(method, "__wrapped__", None)
    if original is None or getattr(method, "_by_colour", False):
        return  # already done, or Textual changed it (then there is nothing to remedy here)

    @lru_cache(1024)
    def by_colour(base_background: Color, background: Color) -> tuple[Style, Style]:
        return original(None, base_background, background)  # its body never reads its first argument

    def get_inner_outer(_self: StylesCache, base_background: Color, background: Color) -> tuple[Style, Style]:
        return by_colour(base_background, background)

    get_inner_outer._by_colour = True  # type: ignore[attr-defined]
    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign,assignment]


class Footer(TextualFooter):
    """Textual's ``Footer`` without the leak of its rebuilt keys (see the module docstring)."""

    async def recompose(self) -> None:
        await super().recompose()
        watchers: dict[str, list[tuple[Any, Any]]] = getattr(self, _WATCHERS, {})
        for entries in watchers.values():
            entries[:] = [(node, callback) for node, callback in entries
                          if node is self or getattr(node, "is_attached", True)]
