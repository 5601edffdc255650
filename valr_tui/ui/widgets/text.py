"""``LiveText``: a ``Static`` for content that is replaced while the dashboard runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.cells import cell_len
from textual.content import Content
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
    width changed (found from the lines' widths alone when none needs wrapping). Text that
    changes many times a second (the depth) can be given as ``Content`` (``Content.assemble``):
    the same picture without parsing markup.
    """

    def show_text(self, markup: str | Content) -> None:
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
        if rules.height is not None and not rules.height.is_auto:
            return False
        room = width - 2 * styles.get("line_pad", 0)
        lines_before, lines_after = _unwrapped_lines(before, room), _unwrapped_lines(after, room)
        if lines_before is not None and lines_after is not None:
            return lines_before != lines_after
        return before.get_height(styles, width) != after.get_height(styles, width)


def _unwrapped_lines(visual: Visual, width: int) -> int | None:
    """The line count of ``visual`` when no line needs wrapping at ``width`` (its height then,
    found without wrapping it), else None."""
    if not isinstance(visual, Content) or "\t" in visual.plain:
        return None
    lines = visual.plain.split("\n")
    return len(lines) if max(map(cell_len, lines)) <= width else None
