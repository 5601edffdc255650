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
  The same footer skips a rebuild that would show the same keys (not a leak: a cost of every
  screen switch and focus change).
- ``DataTable`` keys its render caches (cells up to 10,000 entries, rows and lines up to 1,000
  each) on an update counter that every change of a cell, a row or the size bumps, so each
  change leaves the previous generation's rendered lines in the caches, never to be read again,
  until the caches are full: the ticker table (a DataTable until it got its own line renderer),
  changed on every tick, grew ~1 MiB per round trip through the views this way; the orders
  table, the book's ladder and the trades tape still are DataTables.
  ``drop_stale_table_caches`` empties those caches when the counter moves: only entries that
  can no longer be hit are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from rich.style import Style
from textual._styles_cache import StylesCache
from textual.color import Color
from textual.widgets import DataTable
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


# DataTable's caches whose keys carry its ``_update_count`` (Textual 8.2.8 ``_data_table.py``)
_GENERATION_CACHES = ("_row_render_cache", "_cell_render_cache", "_row_renderable_cache", "_line_cache")
_COUNTER = "_update_count"


def drop_stale_table_caches() -> None:
    """Make every ``DataTable`` drop its per-generation render caches when its update counter
    changes (idempotent; see the module docstring)."""
    if isinstance(DataTable.__dict__.get(_COUNTER), property):
        return

    def read(table: DataTable[Any]) -> int:
        count: int = table.__dict__[_COUNTER]
        return count

    def write(table: DataTable[Any], count: int) -> None:
        state = table.__dict__
        moved = state.get(_COUNTER, count) != count
        state[_COUNTER] = count
        if moved:
            for name in _GENERATION_CACHES:
                cache = state.get(name)
                if cache is not None:
                    cache.clear()

    setattr(DataTable, _COUNTER, property(read, write))  # a data descriptor: it sees every "+= 1"


class Footer(TextualFooter):
    """Textual's ``Footer`` without the leak of its rebuilt keys (see the module docstring), and
    rebuilt only when what it shows changes: Textual rebuilds it on every change of the screen's
    bindings (each focus change, each screen pushed or popped over it), though the keys are mostly
    the same; each rebuild restyled every key and reflowed the whole screen."""

    _composed: tuple[object, ...] | None = None

    def _shown(self) -> tuple[object, ...]:
        """Everything ``compose`` reads: the same value, the same keys."""
        bindings = tuple((binding, enabled, tooltip)
                         for _node, binding, enabled, tooltip in self.screen.active_bindings.values())
        return self._bindings_ready, self.show_command_palette, self.combine_groups, bindings

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        shown = self._shown()
        if shown == self._composed:
            return
        previous, self._composed = self._composed, shown
        if previous is not None and self._update_keys(previous, shown):
            return
        await super().recompose()
        watchers: dict[str, list[tuple[Any, Any]]] = getattr(self, _WATCHERS, {})
        for entries in watchers.values():
            entries[:] = [(node, callback) for node, callback in entries
                          if node is self or getattr(node, "is_attached", True)]

    def _update_keys(self, previous: tuple[object, ...], shown: tuple[object, ...]) -> bool:
        """Show ``shown`` on the keys composed for ``previous`` without a rebuild, when that is
        possible (a subclass knows); False: rebuild."""
        return False
