"""The proof of concept runs headless against the embedded simulator and exits 0."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

POC = Path(__file__).resolve().parents[2] / "scripts" / "valr_dry_run_poc.py"


def test_poc_runs_the_whole_pipeline_and_exits_zero(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(POC)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # no .env from the checkout
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert re.search(r"order id\s+DRY_[0-9a-f]{32}", out)
    assert re.search(r"verdict\s+OK", out)
    assert re.search(r"order value\s+R \d{1,3}(,\d{3})*\.\d{2}$", out, re.MULTILINE)
    assert "refused: VALR-DEC-001" in out
    assert out.rstrip().endswith("PoC OK")


def test_poc_fails_with_a_coded_error_when_the_exchange_is_unreachable(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(POC), "--base-url", "http://127.0.0.1:9"],  # discard port: refused
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 1
    assert "PoC failed: [VALR-EXC-002]" in done.stderr
    assert "Traceback" not in done.stderr
