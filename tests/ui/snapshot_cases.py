"""Shared body of the snapshot tests: one picture from ``tests.ui.fixtures.PICTURES``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.ui.fixtures import PICTURES, FakeEngine, Picture
from valr_tui.ui.app import ValrApp


def pictures(prefix: str, width: int | None = None) -> list[Picture]:
    return [p for p in PICTURES if p.name.startswith(prefix) and (width is None or p.size[0] == width)]


def compare(picture: Picture, snap_compare: Callable[..., bool]) -> bool:
    engine = FakeEngine(picture.scenario)
    app = ValrApp(engine, clock=engine.clock)

    async def run_before(pilot: Any) -> None:
        await picture.prepare(pilot)

    return snap_compare(app, terminal_size=picture.size, run_before=run_before)
