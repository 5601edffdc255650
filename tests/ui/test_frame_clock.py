"""The dashboard's frame clock: a change is painted at the first moment Textual's 60-a-second rule
allows, never later (Textual's own timer, resumed after a quiet spell, painted once at once and
then skipped to the grid point after next: 17-33 ms for the change right after)."""

from __future__ import annotations

import asyncio
import time

from tests.ui.fixtures import settle
from tests.ui.pilot_helpers import SIZE, make_app
from valr_tui.ui.frames import FRAME_PERIOD_S, FrameClock


async def test_a_change_after_a_quiet_spell_is_painted_at_once_and_the_next_one_frame_later() -> None:
    painted: list[float] = []
    clock = FrameClock(lambda: painted.append(time.monotonic()), _raise)
    clock.resume()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert len(painted) == 1  # nothing painted for a while: at once, on the next loop turn
    clock.resume()  # a change just after that frame
    due = clock._due
    assert isinstance(due, asyncio.TimerHandle)
    assert abs(due.when() - (painted[0] + FRAME_PERIOD_S)) < 0.002  # one period after it
    clock.resume()  # more changes before it: the same frame
    await asyncio.sleep(FRAME_PERIOD_S * 3)
    assert len(painted) == 2
    assert painted[1] - painted[0] >= FRAME_PERIOD_S - 0.001  # never faster than Textual's rate


async def test_a_paused_clock_paints_nothing_and_errors_reach_the_handler() -> None:
    painted: list[float] = []
    clock = FrameClock(lambda: painted.append(0), _raise)
    clock.resume()
    clock.pause()  # a layout painted everything meanwhile
    await asyncio.sleep(FRAME_PERIOD_S * 2)
    assert painted == []
    errors: list[Exception] = []

    def failing() -> None:
        raise RuntimeError("paint failed")

    clock = FrameClock(failing, errors.append)
    clock.resume()
    await asyncio.sleep(0)
    assert [str(e) for e in errors] == ["paint failed"]


async def test_the_dashboard_paints_through_the_clock() -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.main._update_timer, FrameClock)
        frames: list[float] = []
        display = app._display

        def counting(screen: object, renderable: object) -> None:
            frames.append(time.monotonic())
            display(screen, renderable)  # type: ignore[arg-type]

        app._display = counting  # type: ignore[method-assign]
        engine.set_book_top("ETHZAR", "45001", "45020")
        await pilot.pause()
        await pilot.pause()
        assert frames


def _raise(error: Exception) -> None:
    raise error
