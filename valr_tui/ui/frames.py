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

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region


class RegionCompositor(Compositor):
    def render_partial_update(self) -> ChopsUpdate | None:
        changed = list(self._dirty_regions)
        visible = self.visible_widgets
        if not changed:
            return super().render_partial_update()
        under_change = {
            widget: (region, clip) for widget, (region, clip) in visible.items()
            if _overlaps(region.intersection(clip), changed)
        }
        self._visible_widgets = under_change
        try:
            return super().render_partial_update()
        finally:
            if self._visible_widgets is under_change:  # a reflow meanwhile drops the map itself
                self._visible_widgets = visible


def _overlaps(region: Region, areas: list[Region]) -> bool:
    return any(region.overlaps(area) for area in areas)
