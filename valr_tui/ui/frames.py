"""Frames that cost what changed, as soon as a frame may be drawn.

``RegionCompositor``: a frame renders only the widgets under a change.

Textual 8.2.8's partial frame (``Compositor.render_partial_update``) crops to the bounding box of
all the changed regions and then asks every widget whose *clip* (its parent's visible area)
overlaps that box for its lines: on the dashboard a price change (a ticker row, a chart line, the
depth) took the footer, the order form's column, the orders pane and the bucket gauge along, ~18
widgets a frame for ~8 changed lines. Only the changed spans are written to the terminal, so the
lines of a widget that overlaps none of the changed regions are thrown away. ``RegionCompositor``
leaves those widgets out of the partial frame: the same spans, painted by the same widgets in the
same order, from fewer renders. Within a widget only the lines under a change are asked for
(Textual asks for all of them and keeps the changed ones), and a line not at all where a widget in
front covers the change there: the screen, the body and the other containers behind a changed
ticker row or depth line rendered 36-48 lines each a frame, for nothing.

Within one frame each widget's background colours are worked out once (``FrameColors``):
Textual's ``DOMNode.background_colors`` walks every ancestor up to the app and blends each one's
background (~25 µs for the depth, 8 nodes deep), and a frame asks for it several times a widget
(``StylesCache.render_widget``, ``Widget.link_style`` in every content render, the ticker
table's row filler): ~6 walks a frame at idle. While the main screen's compositor renders, each
node's colours come from its parent's, computed once for the frame; nothing can restyle a
widget during the synchronous render, and outside a frame Textual's property answers.

``FrameClock``: a frame as soon as one may be drawn. Textual's screen paints from a 60 Hz interval
timer that is paused while nothing changes; resumed after a quiet spell it paints at once, off its
grid, and then skips to the grid point after next: a change made just after that frame waited
17-33 ms for the next one (the second part of a price change, a key typed during a flood). The
clock keeps Textual's rule, at most one frame per 1/60 s, and draws a change at the first moment
that rule allows: within one frame period of its arrival.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rich.console import RenderableType
from textual._compositor import ChopsUpdate, Compositor
from textual.color import Color
from textual.constants import MAX_FPS
from textual.dom import DOMNode
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

FRAME_PERIOD_S = 1 / MAX_FPS  # Textual's own frame rate
_TRANSPARENT = Color(0, 0, 0, 0)
_ROOT = (_TRANSPARENT, _TRANSPARENT, 1.0)  # what Textual's walk starts from above the app


class FrameColors:
    """Each node's (base background, background, opacity) as ``DOMNode.background_colors``
    computes them, from its parent's, for the nodes asked during one frame (``active``)."""

    active: dict[DOMNode, tuple[Color, Color, float]] | None = None  # set while a frame renders
    _textual: Any = None  # Textual's own property

    @classmethod
    def install(cls) -> None:
        """Answer ``DOMNode.background_colors`` from the frame's colours while a frame renders
        (idempotent)."""
        if cls._textual is not None:
            return
        cls._textual = DOMNode.__dict__["background_colors"]
        DOMNode.background_colors = property(cls.background_colors)  # type: ignore[method-assign,assignment]

    @classmethod
    def background_colors(cls, node: DOMNode) -> tuple[Color, Color]:
        known = cls.active
        if known is None:
            colors: tuple[Color, Color] = cls._textual.fget(node)
            return colors
        state = known.get(node)
        if state is None:
            state = cls._state(node, known)
        return state[0], state[1]

    @staticmethod
    def _state(node: DOMNode, known: dict[DOMNode, tuple[Color, Color, float]]) -> tuple[Color, Color, float]:
        """Textual's walk from the app down to ``node``, from the nearest ancestor already known."""
        chain: list[DOMNode] = []
        walked: Any = node
        state = _ROOT
        while walked is not None:
            if (found := known.get(walked)) is not None:
                state = found
                break
            chain.append(walked)
            walked = walked._parent
        _base, background, opacity = state
        for each in reversed(chain):
            styles = each.styles
            opacity *= styles.opacity
            own = styles.background.tint(styles.background_tint).multiply_alpha(opacity)
            state = (background, background + own, opacity)
            known[each] = state
            background = state[1]
        return state


class RegionCompositor(Compositor):
    def __init__(self) -> None:
        super().__init__()
        self._changed: list[Region] | None = None  # the regions of the partial frame being rendered
        self._shown_of: object = None  # the visible-widget mapping that _shown was built from
        self._shown: tuple[list[tuple[Widget, Region, Region, Region]], dict[int, list[int]]] = ([], {})
        FrameColors.install()

    def render_update(self, full: bool = False, screen_stack: list[Any] | None = None,
                      simplify: bool = False) -> RenderableType | None:
        FrameColors.active = {}  # a frame: colours worked out once each (see the module docstring)
        try:
            return super().render_update(full, screen_stack, simplify)
        finally:
            FrameColors.active = None

    def render_partial_update(self) -> ChopsUpdate | None:
        self._changed = list(self._dirty_regions)
        try:
            return super().render_partial_update()
        finally:
            self._changed = None

    def _shown_by_line(self) -> tuple[list[tuple[Widget, Region, Region, Region]], dict[int, list[int]]]:
        """The visible widgets front to back, each with its region, clip and the part of it shown,
        and per screen line the indexes of those shown on it: built again when the layout makes
        new visible widgets (Textual replaces the mapping then), so a frame meets only the
        widgets on its changed lines, not all ~65 of the dashboard."""
        visible = self.visible_widgets
        if self._shown_of is not visible:
            shown_widgets: list[tuple[Widget, Region, Region, Region]] = []
            on_line: dict[int, list[int]] = {}
            for widget, (region, clip) in visible.items():
                shown = region.intersection(clip)
                if shown:
                    for y in shown.line_range:
                        on_line.setdefault(y, []).append(len(shown_widgets))
                    shown_widgets.append((widget, region, clip, shown))
            self._shown = shown_widgets, on_line
            self._shown_of = visible
        return self._shown

    def _get_renders(self, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        changed = self._changed
        if not changed or crop is None:  # a full frame: every widget, as Textual does
            yield from super()._get_renders(crop)
            return
        # Textual writes a piece of line that starts where a changed span ends as a bare cursor
        # move (its text is not written): that column must be painted for the same bytes to be
        # written, but a widget that only this column touches on a line is not asked for it
        parts: list[tuple[Region, bool]] = []  # each change, whose text is written, and its edge
        for x, y, width, height in changed:
            parts += [(Region(x, y, width, height), True), (Region(x + width, y, 1, height), False)]
        painted: dict[int, list[tuple[int, int]]] = {}  # per screen line: the spans a widget in front paints
        shown_widgets, on_line = self._shown_by_line()
        near: dict[int, set[int]] = {}  # widgets shown on a changed line about where it changed: its changes
        for number, (x, y, width, height) in enumerate(changed):
            for line in range(y, y + height):
                for index in on_line.get(line, ()):
                    left, right = shown_widgets[index][3].column_span
                    if left <= x + width and x < right:
                        near.setdefault(index, set()).add(number)
        covered: set[int] = set()  # the parts a widget in front shows whole
        for index in sorted(near):  # front to back, as Textual
            if len(covered) == len(parts):
                break  # the widgets left are hidden wherever something changed
            widget, region, clip, shown = shown_widgets[index]
            if not crop.overlaps(clip):
                continue  # Textual's own rule: its lines would not be asked for either
            rows: set[int] = set()  # lines whose text is written
            edges: set[int] = set()  # lines where only the column right of a change is
            for number in sorted(near[index]):  # in the order of the changes, as before
                for which in (2 * number, 2 * number + 1):
                    if which in covered:
                        continue
                    area, written = parts[which]
                    part = shown.intersection(area)
                    if not part:
                        continue
                    if part == area:  # whatever is behind this widget there is hidden by it
                        covered.add(which)
                    span, needed = (part.x, part.right), rows if written else edges
                    for y in part.line_range:
                        spans = painted.setdefault(y, [])
                        if not _within(span, spans):
                            needed.add(y)
                        spans.append(span)
            for top, height in _bands(rows):
                strips = widget.render_lines(Region(shown.x - region.x, top - region.y, shown.width, height))
                yield Region(shown.x, top, shown.width, height), clip, strips
            for top, height in _bands(edges - rows):
                yield Region(shown.x, top, shown.width, height), clip, [Strip.blank(shown.width)] * height


def _within(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """Whether ``span`` (start, end) lies inside the union of ``spans``."""
    start, end = span
    for left, right in sorted(spans):
        if left > start:
            return False
        if right > start:
            start = right
            if start >= end:
                return True
    return False


def _bands(rows: set[int]) -> Iterator[tuple[int, int]]:
    """``rows`` as runs of consecutive lines: (first line, line count), top to bottom."""
    ordered = sorted(rows)
    index = 0
    while index < len(ordered):
        top = ordered[index]
        height = 1
        while index + height < len(ordered) and ordered[index + height] == top + height:
            height += 1
        yield top, height
        index += height


class FrameClock:
    """Stands in for a screen's update timer (``Screen._update_timer``: Textual resumes it when
    something needs painting and pauses it when a frame or a layout has painted): one loop
    callback, due ``FRAME_PERIOD_S`` after the last frame or at once, instead of a timer task
    that wakes on its own grid."""

    def __init__(self, paint: Callable[[], None], on_error: Callable[[Exception], None]) -> None:
        self._paint = paint
        self._on_error = on_error
        self._due: asyncio.Handle | None = None
        self._last_frame = 0.0

    def resume(self) -> None:
        if self._due is not None:
            return  # a frame is already on its way; it paints everything dirty by then
        loop = asyncio.get_running_loop()
        wait = self._last_frame + FRAME_PERIOD_S - time.monotonic()
        self._due = loop.call_later(wait, self._frame) if wait > 0 else loop.call_soon(self._frame)

    def pause(self) -> None:
        if self._due is not None:
            self._due.cancel()
            self._due = None

    stop = pause

    def _frame(self) -> None:
        self._due = None
        self._last_frame = time.monotonic()
        try:
            self._paint()
        except Exception as error:  # as in a Textual timer: the app's own crash handling
            self._on_error(error)
