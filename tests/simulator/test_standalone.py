"""``python -m valr_tui.simulator``: prints its URLs (never the secret), serves, stops on SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from valr_tui.simulator.server import main

SECRET = "standalone-secret-value-0123"


@pytest.mark.parametrize("command", [["-m", "valr_tui.simulator"], ["-m", "valr_tui", "sim"]])
def test_standalone_prints_urls_not_the_secret_and_serves(command: list[str]) -> None:
    env = {**os.environ, "VALR_API_SECRET": SECRET}
    process = subprocess.Popen(
        [
            sys.executable,
            *command,
            "--port",
            "0",
            "--api-key",
            "standalone-key",
            "--tick-interval",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert "http://127.0.0.1:" in banner and "ws://127.0.0.1:" in banner
        base_url = banner.split("REST ", 1)[1].split()[0]
        response = httpx.get(base_url + "/v1/public/time", timeout=5)
        assert response.status_code == 200 and isinstance(response.json()["epochTime"], int)
        assert abs(response.json()["epochTime"] - time.time()) < 5  # real clock when standalone
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert SECRET not in banner + out + err


def test_main_refuses_to_start_without_credentials(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VALR_API_SECRET", raising=False)
    monkeypatch.delenv("VALR_API_KEY", raising=False)
    assert main(["--port", "0"]) == 2
    assert "VALR_API_SECRET" in capsys.readouterr().err
