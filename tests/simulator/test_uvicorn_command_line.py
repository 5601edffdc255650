"""The simulator serves on uvicorn's Config and Server without importing its command line."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent(
    """
    import asyncio, sys
    from valr_tui.simulator.server import SimulatorServer
    import httpx  # after valr_tui, which keeps httpx's command line (click too) out

    async def serve() -> int:
        async with SimulatorServer("k" * 32, "s" * 64) as sim, httpx.AsyncClient() as http:
            return (await http.get(sim.base_url + "/v1/public/time")).status_code

    assert asyncio.run(serve()) == 200
    print(sorted(m for m in ("click", "uvicorn.main", "multiprocessing") if m in sys.modules))

    import uvicorn  # the package's own names are all there when asked for
    from uvicorn import Config, Server, main, run
    import uvicorn.config, uvicorn.server
    assert (Config, Server) == (uvicorn.config.Config, uvicorn.server.Server) and callable(run)
    print(uvicorn.__version__, "click" in sys.modules)
    """
)


def test_serving_imports_no_command_line_and_the_package_keeps_its_names() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    imported_to_serve, package = done.stdout.splitlines()
    assert imported_to_serve == "[]"
    version, click_now = package.split()
    assert version[0].isdigit() and click_now == "True"
