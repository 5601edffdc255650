"""Frames that cost what changed: a compositor that renders only the widgets under a change.

Textual 8.2.8's partial frame (``Compositor.render_partial_update``) crops to the bounding box of
all the changed regions and then asks every widget whose *clip* (its parent's visible area)
overlaps that box for its lines: on the dashboard a price change (a ticker row, a chart line, the
depth) took the footer, the order form's column, the orders pane and the bucket gauge along, ~18
widgets a frame for ~8 changed lines. Only the changed spans are written to the terminal, so the
lines of a widget that overlaps none of the changed regions are thrown away. ``RegionCompositor``
leaves those widgets out of the partial frame: the same spans, painted by the same widgets in the
same order, from fewer renders.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip


class RegionCompositor(Compositor):
    def __init__(self) -> None:
        super().__init__()
        self._changed: list[Region] | None = None  # the regions of the partial frame being rendered

    def render_partial_update(self) -> ChopsUpdate | None:
        self._changed = list(self._dirty_regions)
        try:
            return super().render_partial_update()
        finally:
            self._changed = None

    def _get_renders(self, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        changed = self._changed
        if not changed or crop is None:  # a full frame: every widget, as Textual does
            yield from super()._get_renders(crop)
            return
        for widget, (region, clip) in self.visible_widgets.items():  # front to back, as Textual
            shown = region.intersection(clip)
            if any(shown.overlaps(area) for area in changed):
                x, y, width, height = shown
                yield region, clip, widget.render_lines(Region(x - region.x, y - region.y, width, height))
