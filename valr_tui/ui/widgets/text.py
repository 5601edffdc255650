"""``LiveText``: a ``Static`` for content that is replaced while the dashboard runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Self, cast

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Region
from textual.visual import Visual
from textual.widget import _RenderCache
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.css.styles import RulesMap

BLANK_LINE = Content("")


class LiveText(Static):
    """A ``Static`` whose markup is replaced often (prices, ages, gauges, the preview).

    ``show_text`` costs nothing when the markup is unchanged, and repaints only this widget
    otherwise. ``Static.update`` asks for a layout on every call, which reflows the whole screen
    (every widget measured and placed again): on the idle dashboard that was most of the CPU.
    A layout is asked for only when the new content can change this widget's size: an ``auto``
    width whose longest line changed, or an ``auto`` height whose line count at the current
    width changed (found from the lines' widths alone when none needs wrapping). Text that
    changes many times a second (the depth) can be given as ``Content`` (``Content.assemble``):
    the same picture without parsing markup, and line by line (``show_lines``): then only the
    lines whose text or style changed are rendered and repainted (a book moving one level
    changes one line of six; each line cost ~50 µs to render and ~20 µs to style).
    """

    _lines: tuple[Content, ...] | None = None  # the lines shown by show_lines, if they are shown
    _lines_visual: Visual | None = None  # the visual made of them (any other update replaces it)
    _repaint_rows: Sequence[int] | None = None  # during show_lines: the lines to repaint

    def show_text(self, markup: str | Content) -> None:
        if markup == self.content:
            return
        self._lines = None
        self._show(markup, None)

    def show_lines(self, lines: Sequence[Content]) -> None:
        """Show ``lines`` one under the other; only the lines that differ from those shown are
        rendered and repainted (all of them when the line count changes)."""
        shown, new = self._lines, tuple(lines)
        rows: list[int] | None = None
        if shown is not None and len(shown) == len(new) and self._lines_visual is self.visual:
            rows = [y for y, (old, line) in enumerate(zip(shown, new, strict=True)) if not _same(old, line)]
            if not rows:
                return
        self._lines = new
        self._show(Content("\n").join(new), rows)
        self._lines_visual = self.visual

    def _show(self, content: str | Content, rows: Sequence[int] | None) -> None:
        before = self.visual
        self._repaint_rows = rows if rows and self.size else None
        try:
            self.update(content, layout=False)
        finally:
            self._repaint_rows = None
        if self._resized(before, self.visual):
            self.refresh(layout=True)

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        rows = self._repaint_rows
        if rows is not None and not regions:  # ``update`` repainting the whole widget for show_lines
            width = self.size.width
            regions = tuple(Region(0, y, width, 1) for y in rows)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _render_content(self) -> None:
        """Textual renders the whole content when any part of it is repainted; lines shown by
        ``show_lines`` render only the lines repainted, the others are kept from the last render.
        The lines not repainted are left blank in what is rendered, so that each line rendered
        keeps its row (text selection reads the row from each segment)."""
        lines, cached, size = self._lines, self._render_cache, self.size
        rows = self._dirty_rows()
        if (lines is None or self._lines_visual is not self.visual or cached.size != size
                or not rows or len(rows) >= len(lines) or len(cached.lines) != min(len(lines), size.height)
                or self.styles.content_align != ("left", "top")):
            super()._render_content()
            return
        last = max(rows)
        shown = (line if y in rows else BLANK_LINE for y, line in enumerate(lines[:last + 1]))
        sparse = Content("\n").join(shown)
        strips = Visual.to_strips(self, sparse, size.width, last + 1, self.visual_style)
        if len(strips) != last + 1:  # a line wrapped: the rows moved
            super()._render_content()
            return
        rendered = list(cached.lines)
        for y in rows:
            rendered[y] = strips[y]
        self._render_cache = _RenderCache(size, rendered)
        self._dirty_regions.clear()

    def _dirty_rows(self) -> set[int]:
        """The content lines under the regions waiting to be repainted."""
        offset_y = self.content_offset.y
        count = len(self._lines or ())
        rows: set[int] = set()
        for region in self._dirty_regions:
            top = region.y - offset_y
            rows.update(range(max(0, top), min(top + region.height, count)))
        return rows

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


def _same(line: Content, other: Content) -> bool:
    """The same text in the same styles (``Content`` equality compares the text alone)."""
    return line.plain == other.plain and line.spans == other.spans
