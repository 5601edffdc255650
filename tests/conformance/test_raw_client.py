"""``valr-tui sim`` as a standalone server, checked by a client that is not ours
(``raw_client.py``: raw httpx + websockets, no project imports)."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SCRIPT = Path(__file__).with_name("raw_client.py")
KEY = "raw-client-key"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_raw_client_imports_nothing_of_the_project() -> None:
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert not imported & {"valr_tui", "storage", "tests"}, imported


def test_every_fix_holds_against_the_standalone_simulator() -> None:
    port = _free_port()
    secret = "raw-client-secret-0123456789"
    server = subprocess.Popen(
        [sys.executable, "-m", "valr_tui", "sim", "--port", str(port), "--api-key", KEY,
         "--tick-interval", "0.1", "--anonymous-ws-lifetime", "1", "--finished-orders-404"],
        env={**os.environ, "VALR_API_SECRET": secret},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(base + "/v1/public/status", timeout=1.0)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the simulator did not start"
                time.sleep(0.1)
        result = subprocess.run(
            [sys.executable, str(SCRIPT), base, KEY, secret],
            check=False, capture_output=True, text=True, timeout=90, env={**os.environ, "PYTHONPATH": ""},
            cwd="/",  # nothing of the project on its path
        )
    finally:
        server.terminate()
        server.wait(10)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("ok ") == 8, result.stdout
