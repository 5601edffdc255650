"""``LiveText.show_lines``: a change renders and repaints only the lines that differ, and what they
show is what rendering the whole text shows, segment for segment (styles, and the row and column
each segment carries for text selection)."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.content import Content
from textual.visual import Visual

from tests.ui.test_app_paint import _record_lines
from valr_tui.ui.widgets.text import LiveText


class _LinesApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LiveText(id="lines")


def _ladder(prices: list[int]) -> list[Content]:
    head = Content.assemble(("BTCZAR", "b"), "  bids")
    return [head, *(Content.assemble((f"{price:>10,}", "$success"), f" {price % 7}.5") for price in prices)]


def _whole(widget: LiveText) -> list[Any]:
    """The widget's lines as Textual renders its whole content."""
    width, height = widget.size
    return Visual.to_strips(widget, widget.visual, width, height, widget.visual_style)


async def test_a_changed_line_renders_and_repaints_alone_and_shows_what_the_whole_text_shows() -> None:
    app = _LinesApp()
    async with app.run_test(size=(40, 10)) as pilot:
        widget = app.query_one(LiveText)
        widget.show_lines(_ladder([100, 99, 98, 97, 96]))
        await pilot.pause()
        asked = _record_lines(widget)
        widget.show_lines(_ladder([100, 99, 95, 97, 96]))  # one level moved: line 3
        await pilot.pause()
        assert asked == [3]
        assert widget._render_cache.lines == _whole(widget)
        assert "95" in "".join(segment.text for segment in widget._render_cache.lines[3])
        asked.clear()
        widget.show_lines(_ladder([101, 99, 95, 97, 94]))  # lines 1 and 5
        await pilot.pause()
        assert sorted(asked) == [1, 5]
        assert widget._render_cache.lines == _whole(widget)


async def test_a_style_change_alone_repaints_its_line() -> None:
    app = _LinesApp()
    async with app.run_test(size=(40, 10)) as pilot:
        widget = app.query_one(LiveText)
        lines = [Content("one"), Content.assemble(("two", "$success")), Content("three")]
        widget.show_lines(lines)
        await pilot.pause()
        asked = _record_lines(widget)
        widget.show_lines([lines[0], Content.assemble(("two", "$error")), lines[2]])  # same text
        await pilot.pause()
        assert asked == [1]
        assert widget._render_cache.lines == _whole(widget)
        asked.clear()
        widget.show_lines([lines[0], Content.assemble(("two", "$error")), lines[2]])
        await pilot.pause()
        assert asked == []


async def test_other_line_counts_and_text_repaint_everything() -> None:
    app = _LinesApp()
    async with app.run_test(size=(40, 10)) as pilot:
        widget = app.query_one(LiveText)
        widget.show_lines(_ladder([100, 99]))
        await pilot.pause()
        widget.show_lines(_ladder([100, 99, 98]))  # one line more: a new height
        await pilot.pause()
        assert widget.size.height == 4
        assert widget._render_cache.lines == _whole(widget)
        widget.show_text("plain [b]markup[/b]")
        await pilot.pause()
        widget.show_lines(_ladder([1, 2, 3]))  # after other text: every line is new
        await pilot.pause()
        assert widget._render_cache.lines == _whole(widget)
        assert "".join(segment.text for segment in widget._render_cache.lines[3]).startswith("         3")
