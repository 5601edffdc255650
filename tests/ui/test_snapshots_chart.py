"""Snapshot tests (pair picker, chart periods, ten tickers) at 120x36 and 80x24. Regenerate after
an intended change with `pytest tests/ui --snapshot-update`, then look at the SVGs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.ui.fixtures import Picture
from tests.ui.snapshot_cases import compare, pictures

CASES = pictures("pair_picker_") + pictures("chart_") + pictures("tickers_ten_")


@pytest.mark.parametrize("picture", CASES, ids=[p.name for p in CASES])
def test_snapshot(picture: Picture, snap_compare: Callable[..., bool]) -> None:
    assert compare(picture, snap_compare)
