"""Snapshot tests (main_narrow). Regenerate after an intended change with
`pytest tests/ui --snapshot-update`, then look at the SVGs in __snapshots__/."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.ui.fixtures import Picture
from tests.ui.snapshot_cases import compare, pictures

CASES = pictures("main_", 80)


@pytest.mark.parametrize("picture", CASES, ids=[p.name for p in CASES])
def test_snapshot(picture: Picture, snap_compare: Callable[..., bool]) -> None:
    assert compare(picture, snap_compare)
