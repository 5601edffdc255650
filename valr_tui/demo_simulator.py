"""The ``--demo`` simulator's process: ``python -m valr_tui.demo_simulator`` (started by
``launcher.SimulatorProcess``, not by hand).

Its own interpreter runs on the machine's other core while the dashboard imports and composes,
instead of sharing the dashboard's GIL. The protocol, over the pipes the launcher holds:

    stdin  <- {"api_key", "api_secret", "pairs", "seed", "log_path"}   (one JSON line; "pairs":
              the configured pairs, of which it serves those it knows: ``served``)
    stdout -> {"base_url", "ws_url"} once listening, or {"error"}       (one JSON line)
    stdin  <- end of file: stop. The launcher closes it on exit; so does the kernel when the
              dashboard dies in any way, so the simulator never outlives it.

The credentials come over the pipe, never on the command line (other users' ``ps`` shows that).
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from valr_tui.errors import ValrTuiError
from valr_tui.logging_setup import configure_logging, crash_line, register_secret
from valr_tui.simulator.catalogue import servable
from valr_tui.simulator.server import SimulatorServer


def served(pairs: tuple[str, ...]) -> tuple[str, ...]:
    """Every configured pair the simulator knows. One it does not know is left out, so the pair
    check names it as VALR would (BTCZAR,ETHZAR if none is known)."""
    return servable(pairs) or ("BTCZAR", "ETHZAR")


STDIN = 0


def _request_line() -> bytes:
    """The first line of stdin, read unbuffered: nothing after it may be swallowed by a buffer,
    since the end of the file that follows is the signal to stop."""
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(STDIN, 1)
        if not chunk:
            break
        line += chunk
    return line


async def _serve(request: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    closed = asyncio.Event()

    def readable() -> None:  # only the end of the file is expected once the request is read
        if not os.read(STDIN, 4096):
            loop.remove_reader(STDIN)
            closed.set()

    async with SimulatorServer(
        request["api_key"], request["api_secret"], seed=request["seed"],
        pairs=served(tuple(request["pairs"])),
    ) as sim:
        loop.add_reader(STDIN, readable)
        _answer({"base_url": sim.base_url, "ws_url": sim.ws_url})
        await closed.wait()


def _answer(answer: dict[str, str]) -> None:
    print(json.dumps(answer), flush=True)


def main() -> int:
    request = json.loads(_request_line())
    register_secret(request["api_secret"])
    try:
        log = configure_logging(request["log_path"])
    except ValrTuiError as exc:
        _answer({"error": crash_line(exc)})
        return 2
    try:
        asyncio.run(_serve(request))
    except Exception as exc:  # the launcher reports it; the log has the traceback (redacted)
        log.exception("the demo simulator stopped")
        _answer({"error": crash_line(exc)})
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
