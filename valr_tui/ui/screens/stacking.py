"""What a screen pushed over another costs the screens below it (Textual 8.2.8), and its remedies.

A modal (confirmation, unlock, amend, help, pair picker, command palette) has a translucent
background: Textual draws the screen below dimmed behind it. Two things made each open and close
cost ~150-250 ms of CPU more than the modal itself (``benchmarks/_view_cost.py``):

- **The dimmed backdrop is drawn whole for any change.** ``Screen.render`` returns a
  ``BackgroundScreen``, which renders the entire screen below (every line of its compositor) and
  tints every segment, whenever the modal's screen widget has a dirty line: at its open, and again
  for every change of the dashboard beneath it that Textual forwards (a ticker cell, the clock of
  the status bar), ~35 ms each at 160 x 48; the screen widget is also repainted whole for reasons
  of its own (its resume, its children mounted, a focus change: three times in an open), and
  Textual marks a screen below whole for a repaint after each change it forwards, so the change
  after it is forwarded as the whole screen. ``incremental_backdrops`` keeps the backdrop's lines
  and renders again only those under a forwarded change, through the same tint and the same
  conversion to strips, so a line is drawn exactly as before; a screen below forwards only what
  changed.
- **The screens below are reflowed when one is pushed.** The first layout of a pushed screen sends
  it a ``Resize``; ``Screen._on_resize`` then reflows every screen visible below it
  (``_screen_resized``), though their size is the same, and a reflowed screen below repaints the
  modal's whole backdrop again. ``incremental_backdrops`` reflows a screen below only when its
  size is not the one it was laid out at (a terminal resize still reflows it).
- **The screen below is reflowed when one is closed.** A removed screen's parent is the app, and
  ``App._prune`` ends with ``parent.refresh(layout=True)``: for the app, a layout of the top
  screen (the one shown again, already repainted by its resume), one more reflow and full frame.
  A screen is now removed without it (the app lays out no screens).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from textual._context import visible_screen_stack
from textual.app import App
from textual.await_remove import AwaitRemove
from textual.color import Color
from textual.dom import DOMNode
from textual.geometry import Region, Size
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import Screen
from textual.strip import Strip, StripRenderable
from textual.visual import Visual, visualize
from textual.widget import Widget

_STATE = "_valr_backdrop"  # a translucent screen's _Backdrop, in its instance dict
_PATCHED = "_valr_incremental_backdrop"


class _Tinted:
    """Some lines of the screen below, tinted as ``BackgroundScreen`` tints the whole screen."""

    def __init__(self, strips: list[Strip], color: Color) -> None:
        self.strips = strips
        self.color = color

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        segments: Iterable[Segment] = console.render(StripRenderable(self.strips), options)
        return BackgroundScreen.process_segments(segments, self.color)


def _backdrop_lines(screen: Screen[Any], base: Screen[Any], lines: list[int]) -> dict[int, Strip]:
    """Lines ``lines`` of ``screen``'s content: ``base`` (the screen below) dimmed by
    ``screen``'s background, as Textual's whole-screen render makes them."""
    width = screen.size.width
    top, bottom = lines[0], lines[-1]
    wanted = set(lines)
    # what Screen.render leaves the screens below to see: the base itself (an opaque base renders
    # its own background when asked; the stack is a fresh list, as Compositor.render_update sets)
    token = visible_screen_stack.set([base])
    try:
        chops = base._compositor._render_chops(Region(0, top, width, bottom - top + 1), wanted.__contains__)
    finally:
        visible_screen_stack.reset(token)
    strips = [Strip.join(chops[y].values()) for y in lines]
    visual = visualize(screen, _Tinted(strips, screen.styles.background), markup=screen._render_markup)
    rendered = Visual.to_strips(screen, visual, width, len(lines), screen.visual_style)
    return dict(zip(lines, rendered, strict=False))


def _base_below(screen: Screen[Any]) -> Screen[Any] | None:
    """The screen drawn dimmed behind ``screen``, when Textual would draw one and the lines of
    ``screen``'s content are the lines of the screen (no border, no padding); else None."""
    if screen.styles.background.a >= 1 or screen.styles.gutter.totals != Size(0, 0):
        return None
    try:
        stack = visible_screen_stack.get()
    except LookupError:
        return None
    base = stack[-1] if stack else None
    return base if base is not None and base is not screen and base.is_attached else None


class _Backdrop:
    """A translucent screen's backdrop lines, kept until the screen below changes under them.

    The screen widget is repainted whole for reasons of its own (its resume, its children
    mounted, a focus change), none of which changes what is behind it: the lines are kept, both
    as rendered from the screen below (``lines``) and as the screen's styles cache made them of
    those (``final``: its background laid over them, ~0.5 ms a line). What changes them: a change
    of the screen below, which Textual forwards as the regions it repainted
    (``Screen._compositor_refresh``: ``app.screen.refresh(*regions)``), another screen below,
    another size, a change of the screen's own styles."""

    def __init__(self) -> None:
        self.key: tuple[object, ...] = ()
        self.lines: dict[int, Strip] = {}
        self.final: dict[int, Strip] = {}
        self.asked: dict[int, Strip] | None = None  # lines for the render_lines call under way

    def forget(self, regions: Iterable[Region]) -> None:
        for region in regions:
            for y in region.line_range:
                self.lines.pop(y, None)
                self.final.pop(y, None)


def _backdrop(screen: Screen[Any]) -> _Backdrop:
    backdrop: _Backdrop | None = screen.__dict__.get(_STATE)
    if backdrop is None:
        backdrop = screen.__dict__[_STATE] = _Backdrop()
    return backdrop


def incremental_backdrops() -> None:
    """Install both remedies of the module docstring (idempotent)."""
    if getattr(Screen, _PATCHED, False):
        return
    render_lines: Callable[[Screen[Any], Region], list[Strip]] = Screen.render_lines
    render_line: Callable[[Screen[Any], int], Strip] = Screen.render_line
    set_dirty: Callable[..., None] = Screen._set_dirty
    screen_resized: Callable[[Screen[Any], Size], None] = Screen._screen_resized
    compositor_refresh: Callable[[Screen[Any]], None] = Screen._compositor_refresh
    prune: Callable[..., AwaitRemove] = App._prune

    def backdrop_render_lines(self: Screen[Any], crop: Region) -> list[Strip]:
        base = _base_below(self)
        if base is None:
            return render_lines(self, crop)
        backdrop = _backdrop(self)
        styles = self.styles
        key = (base, self.size, styles.background, styles._cache_key, self.visual_style,
               self.background_colors, self.opacity, self._render_markup, self.app.ansi_theme,
               self.app.native_ansi_color)
        if key != backdrop.key:
            backdrop.key, backdrop.lines, backdrop.final = key, {}, {}
        cache = self._styles_cache
        width = self.size.width
        if width != cache._width:  # what StylesCache.render does at a new width, before it asks for lines
            cache.clear()
            cache._width = width
        rows = crop.line_range
        for y in rows:  # lines the screen's own whole repaint cleared, that nothing below changed
            kept = backdrop.final.get(y)
            if kept is not None and (cache.is_dirty(y) or y not in cache._cache):
                cache._cache[y] = kept
                cache._dirty_lines.discard(y)
        # the lines the styles cache will ask for (dirty, or never rendered) and not kept here
        lines = [y for y in rows if (cache.is_dirty(y) or y not in cache._cache) and y not in backdrop.lines]
        if lines:
            backdrop.lines.update(_backdrop_lines(self, base, lines))
        backdrop.asked = backdrop.lines
        try:
            strips = render_lines(self, crop)
        finally:
            backdrop.asked = None
        for y in rows:
            if y in backdrop.lines and y in cache._cache:
                backdrop.final[y] = cache._cache[y]
        return strips

    def backdrop_render_line(self: Screen[Any], y: int) -> Strip:
        backdrop: _Backdrop | None = self.__dict__.get(_STATE)
        if backdrop is not None and backdrop.asked is not None and y in backdrop.asked:
            return backdrop.asked[y]
        return render_line(self, y)

    def forwarding_set_dirty(self: Screen[Any], *regions: Region) -> None:
        backdrop: _Backdrop | None = self.__dict__.get(_STATE)
        if backdrop is not None and regions:
            backdrop.forget(region.translate(self.content_offset) for region in regions)
        set_dirty(self, *regions)

    def resized_if_new_size(self: Screen[Any], size: Size) -> None:
        if self is not self.app.screen and self.is_attached and self._compositor.size == size:
            return  # a screen below, laid out at this size: its own layouts keep it current
        screen_resized(self, size)

    def forward_what_changed(self: Screen[Any]) -> None:
        repaint = self._repaint_required
        compositor_refresh(self)
        if self is not self.app.screen:
            # a screen below forwards the regions it repainted to the top screen, then Textual
            # marks it for a repaint of its own, whole: its next change would forward the whole
            # screen (the backdrop drawn again). It repaints whole when it is shown again anyway
            # (Screen._on_screen_resume).
            self._repaint_required = repaint

    def prune_screens_without_a_layout(self: App[Any], *nodes: Widget, parent: DOMNode | None = None,
                                       ) -> AwaitRemove:
        if parent is self and nodes and all(isinstance(node, Screen) for node in nodes):
            parent = None  # the app lays out no screens: its refresh(layout=True) reflowed the top one
        return prune(self, *nodes, parent=parent)

    Screen.render_lines = backdrop_render_lines  # type: ignore[method-assign,assignment]
    Screen.render_line = backdrop_render_line  # type: ignore[method-assign,assignment]
    Screen._set_dirty = forwarding_set_dirty  # type: ignore[method-assign,assignment]
    Screen._screen_resized = resized_if_new_size  # type: ignore[method-assign]
    Screen._compositor_refresh = forward_what_changed  # type: ignore[method-assign]
    App._prune = prune_screens_without_a_layout  # type: ignore[method-assign]
    setattr(Screen, _PATCHED, True)
