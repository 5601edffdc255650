"""What an idle frame costs: the background colours of each widget are worked out once a frame
(Textual walks every ancestor up to the app for each ask, several asks a widget a frame), with
the same colours as Textual's walk, and a restyle between frames is seen by the next frame; a
frame meets only the widgets on its changed lines, and writes what Textual's frame writes after
a layout moved them."""

from __future__ import annotations

from typing import Any

from textual.color import Color

from tests.ui.fixtures import Scenario, settle
from tests.ui.pilot_helpers import SIZE, make_app
from tests.ui.test_app_paint import _both_ways
from valr_tui.ui.frames import FrameColors


def _textual_colors(node: Any) -> tuple[Color, Color]:
    colors: tuple[Color, Color] = FrameColors._textual.fget(node)
    return colors


async def test_a_frame_gives_every_widget_textuals_colours_and_walks_no_ancestor_twice() -> None:
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert FrameColors.active is None  # outside a frame Textual's property answers
        widgets = list(app.main.query("*"))
        expected = {widget: _textual_colors(widget) for widget in widgets}
        FrameColors.active = {}
        try:
            for widget in reversed(widgets):  # leaves first: their ancestors come from the walk
                assert widget.background_colors == expected[widget]
            assert all(widget.background_colors == expected[widget] for widget in widgets)
            # every node once: the widgets, their screen and the app
            assert len(FrameColors.active) == len(widgets) + 2
        finally:
            FrameColors.active = None


async def test_a_frame_does_not_walk_the_ancestors_and_a_restyle_shows_in_the_next_frame() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        walks: list[object] = []
        textual = FrameColors._textual

        class Counting:
            @staticmethod
            def fget(node: Any) -> tuple[Color, Color]:
                walks.append(node)
                colors: tuple[Color, Color] = textual.fget(node)
                return colors

        seen: list[tuple[Color, Color]] = []
        pane = app.main.query_one("#orders-pane")
        compositor = app.main._compositor
        render_update = compositor.render_update

        def frame(*args: Any, **kwargs: Any) -> Any:
            update = render_update(*args, **kwargs)
            seen.append(pane.background_colors)  # after the frame: Textual's walk again
            return update

        compositor.render_update = frame  # type: ignore[method-assign]
        FrameColors._textual = Counting
        try:
            engine.set_book_top("BTCZAR", "1500001", "1500020")  # the depth, a ticker row, the spread
            await pilot.pause()
            await pilot.pause()
            frames = len(seen)
            assert frames >= 1
            assert len(walks) == frames  # only the pane's, after each frame: none inside one
            before = _textual_colors(pane)
            pane.styles.background = Color(200, 0, 0)
            await pilot.pause()
            await pilot.pause()
            assert len(seen) > frames
            assert seen[-1] == _textual_colors(pane) != before
        finally:
            FrameColors._textual = textual
            del compositor.render_update


async def test_a_frame_after_a_layout_moved_the_widgets_writes_what_textual_writes() -> None:
    """A frame meets only the widgets shown on its changed lines, from an index of the visible
    widgets per line; a layout (the LOCKDOWN banner pushes everything below it down) makes a new
    index, and the next frame still writes byte for byte what Textual's own frame writes."""
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        compositor = app.main._compositor
        engine.set_book_top("BTCZAR", "1500001", "1500020")
        await pilot.pause()
        await pilot.pause()
        before = compositor._shown_of
        assert before is not None
        engine.set_scenario(Scenario.LOCKDOWN)
        await pilot.pause()
        await pilot.pause()
        frames = _both_ways(app)
        engine.set_book_top("BTCZAR", "1500002", "1500021")
        engine.set_book_top("ETHZAR", "45002", "45021")
        await pilot.pause()
        await pilot.pause()
        assert frames
        assert compositor._shown_of is not before
        for frame in frames:
            assert frame.ours == frame.stock
            assert frame.our_lines < frame.stock_lines
