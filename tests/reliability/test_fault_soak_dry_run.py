"""Fault soak, DRY_RUN: every simulator fault kind against a running engine (see fault_soak.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.fault_soak import SoakFixture, sim_and_clock, soak_engine

__all__ = ["sim_and_clock"]  # the fixture, imported so pytest finds it here


async def test_dry_run_engine_survives_every_fault_kind(
    sim_and_clock: SoakFixture, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await soak_engine("DRY_RUN", sim_and_clock, tmp_path, caplog)
