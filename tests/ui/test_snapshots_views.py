"""Snapshot tests (views). Regenerate after an intended change with
`pytest tests/ui --snapshot-update`, then look at the SVGs in __snapshots__/."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.ui.fixtures import PICTURES, Picture
from tests.ui.snapshot_cases import compare

CASES = [p for p in PICTURES if not p.name.startswith("main_")]


@pytest.mark.parametrize("picture", CASES, ids=[p.name for p in CASES])
def test_snapshot(picture: Picture, snap_compare: Callable[..., bool]) -> None:
    assert compare(picture, snap_compare)
