"""``LiveText``: a ``Static`` for content that is replaced while the dashboard runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.visual import Visual
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.css.styles import RulesMap


class LiveText(Static):
    """A ``Static`` whose markup is replaced often (prices, ages, gauges, the preview).

    ``show_text`` costs nothing when the markup is unchanged, and repaints only this widget
    otherwise. ``Static.update`` asks for a layout on every call, which reflows the whole screen
    (every widget measured and placed again): on the idle dashboard that was most of the CPU.
    A layout is asked for only when the new content can change this widget's size: an ``auto``
    width whose longest line changed, or an ``auto`` height whose line count at the current
    width changed.
    """

    def show_text(self, markup: str) -> None:
        if markup == self.content:
            return
        before = self.visual
        self.update(markup, layout=False)
        if self._resized(before, self.visual):
            self.refresh(layout=True)

    def _resized(self, before: Visual, after: Visual) -> bool:
        styles = cast("RulesMap", self.styles)  # what Textual itself measures visuals with
        width = self.content_size.width
        if not width:
            return True  # not laid out yet: the first layout measures it anyway
        rules = self.styles
        if (rules.width is not None and rules.width.is_auto
                and before.get_optimal_width(styles, width) != after.get_optimal_width(styles, width)):
            return True
        return (rules.height is None or rules.height.is_auto) and (
            before.get_height(styles, width) != after.get_height(styles, width)
        )
