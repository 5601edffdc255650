"""Start-up: logging, the optional embedded simulator (``--demo``), the engine, the dashboard."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
import tempfile
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from platformdirs import user_data_dir

from valr_tui.config import Settings
from valr_tui.dataclass_code import DATACLASS_CODE
from valr_tui.heap import collector_held, start_up_heap
from valr_tui.logging_setup import configure_logging
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.secrets import Secret

if TYPE_CHECKING:
    from valr_tui.trading.engine import TradingEngine

# What each demo key injects: the simulator faults (kind, parameters) it starts together. Durations
# are long enough to watch the safety state enter and leave (SAFE-IDLE needs > SAFE_IDLE_AFTER_S
# without data). An outage is the whole exchange going away: REST refused *and* the WebSocket
# dropped and refused, or the stream would keep the prices fresh through a REST outage.
OUTAGE_S = 75
DEMO_FAULTS: dict[str, tuple[dict[str, object], ...]] = {
    "outage": (
        {"kind": "outage", "duration_s": OUTAGE_S, "mode": "refuse"},
        {"kind": "ws_drop", "duration_s": OUTAGE_S},
    ),
    "rate_limit_storm": ({"kind": "rate_limit_storm", "duration_s": 40},),
    "spread_blowout": ({"kind": "spread_blowout", "duration_s": 30},),
    "price_shock": ({"kind": "price_shock", "duration_s": 1, "pct": "-8"},),
    "ws_drop": ({"kind": "ws_drop", "duration_s": 20},),
    "balance_drift": ({"kind": "balance_drift", "duration_s": 1, "currency": "ZAR", "delta": "-50000"},),
}


def demo_db_path() -> str:
    """The demo's database, kept between runs in the user's data directory under its own name so
    ``valr-tui --demo audit`` / ``journal`` and a restart see the same paper orders and states."""
    return str(Path(user_data_dir("valr-tui", appauthor=False)) / "demo" / "valr_tui_demo.db")


def start_fresh(db_path: str) -> None:
    """``--fresh``: forget the previous demo (the database and its WAL files)."""
    for suffix in ("", "-wal", "-shm"):
        Path(db_path + suffix).unlink(missing_ok=True)


class EmbeddedSimulator:
    """The simulator on a free loopback port, in its own thread and event loop, so its market
    simulation never competes with the dashboard's loop."""

    def __init__(self, seed: int | None = None, pairs: tuple[str, ...] = ("BTCZAR", "ETHZAR")) -> None:
        self.api_key = secrets.token_hex(16)
        self.api_secret = secrets.token_hex(32)
        self._seed = seed
        self._pairs = pairs
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="valr-simulator", daemon=True)
        self.base_url = ""
        self.ws_url = ""
        self._error: BaseException | None = None

    def _run(self) -> None:
        from valr_tui.simulator.server import SimulatorServer

        async def serve() -> None:
            self._stop = asyncio.Event()
            self._loop = asyncio.get_running_loop()
            async with SimulatorServer(
                self.api_key, self.api_secret, seed=self._seed, pairs=self._pairs
            ) as sim:
                self.base_url, self.ws_url = sim.base_url, sim.ws_url
                self._ready.set()
                await self._stop.wait()

        try:
            asyncio.run(serve())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()

    def start(self) -> None:
        """Start the simulator's thread and return at once; ``wait_ready`` waits for its port.
        The launcher imports the dashboard meanwhile, so the two start-ups overlap."""
        self._thread.start()

    def wait_ready(self) -> None:
        if not self._ready.wait(timeout=15) or self._error is not None:
            raise RuntimeError(f"the embedded simulator did not start: {self._error!r}")

    def __enter__(self) -> EmbeddedSimulator:
        self.start()
        self.wait_ready()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread.ident is not None:  # started (a start that failed left nothing to wait for)
            self._thread.join(timeout=10)

    def demo_settings(self, settings: Settings, db_dir: str) -> Settings:
        """The user's settings, pointed at the simulator with its fresh credentials."""
        return simulator_settings(
            settings, self.base_url, self.ws_url, self.api_key, self.api_secret,
            db_path=Path(db_dir) / "valr_tui_demo.db",
        )


def simulator_settings(
    settings: Settings, base_url: str, ws_url: str, api_key: str, api_secret: str, *, db_path: str | Path
) -> Settings:
    """``settings`` pointed at a simulator (embedded or a server) with its credentials and a
    database of its own; the execution mode stays whatever ``settings`` say (DRY_RUN by default)."""
    return settings.with_overrides(
        base_url=base_url,
        ws_url=ws_url,
        api_key=Secret(api_key),
        api_secret=Secret(api_secret),
        subaccount_id="",
        db_path=str(db_path),
    )


class SimulatorFaults:
    """``DemoControls`` for the dashboard: inject the simulator's faults through ``/_sim/``."""

    kinds: tuple[str, ...] = tuple(DEMO_FAULTS)

    def __init__(self, base_url: str, settings: Settings) -> None:
        self._base_url = base_url
        self._settings = settings

    async def inject_fault(self, kind: str) -> str:
        bodies = DEMO_FAULTS[kind]
        if kind == "balance_drift" and not self._settings.is_live:
            return await self._drift_paper_wallet(DecimalGateway.to_decimal(bodies[0]["delta"]))
        import httpx  # imported with the engine, long before a key is pressed

        # ws_drop before outage: the stream goes first, so no tick slips in between the two
        async with httpx.AsyncClient(base_url=self._base_url, timeout=5) as http:
            for body in sorted(bodies, key=lambda b: b["kind"] != "ws_drop"):
                response = await http.post("/_sim/fault", json=body)
                response.raise_for_status()
        return f"injected for {bodies[0]['duration_s']} s"

    async def _drift_paper_wallet(self, delta: Decimal) -> str:
        """In DRY_RUN the paper wallet is the 'exchange': move funds in it behind the app's back,
        which reconciliation must catch."""
        from storage.db import Database
        from storage.paper_wallet import PaperWalletRepository

        # Tampering on purpose (a demo of a drift): this opener must not take the instance lock.
        db = await Database.open(self._settings.db_path, exclusive=False)
        try:
            if not await PaperWalletRepository(db).shift_total("ZAR", delta):
                return "no paper wallet yet"
        finally:
            await db.close()
        moved = DecimalGateway.format_money(-delta, "ZAR")
        return f"moved {moved} out of the paper wallet behind the app's back"


def demo_pairs(pairs: tuple[str, ...]) -> tuple[str, ...]:
    """What the embedded simulator serves: every configured pair it knows. One it does not know
    is left out, so the pair check names it as VALR would (BTCZAR,ETHZAR if none is known)."""
    from valr_tui.simulator.catalogue import servable

    return servable(pairs) or ("BTCZAR", "ETHZAR")


@contextlib.contextmanager
def demo_session(
    settings: Settings, *, fresh: bool = False
) -> Iterator[tuple[TradingEngine, SimulatorFaults]]:
    """What ``--demo`` runs the dashboard with: the engine, pointed at an embedded simulator and
    the demo database (``fresh`` forgets the previous demo first), and the simulator's fault
    switches. A bad PAIRS ends here with its one coded line, before any screen."""
    served = demo_pairs(settings.market_pairs)
    sim = EmbeddedSimulator(pairs=served)
    try:
        with start_up_heap():
            # its thread starts serving while the engine and the dashboard are imported (the
            # launcher imports httpx and the pair check only after this line, so the thread
            # starts sooner); its own imports run in this heap too
            sim.start()
            from valr_tui.preflight import check_pairs_now
            from valr_tui.trading.engine import TradingEngine

            import_dashboard()
            import_first_request()
        sim.wait_ready()
        with tempfile.TemporaryDirectory(prefix="valr-demo-") as scratch:
            if settings.is_live:
                # The simulator's account starts afresh every run: a kept LIVE baseline would not
                # match it and lock the demo down, so a LIVE demo keeps nothing.
                db_path = str(Path(scratch) / "valr_tui_demo_live.db")
            else:
                db_path = demo_db_path()
                if fresh:
                    start_fresh(db_path)
                Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            demo_settings = simulator_settings(
                settings, sim.base_url, sim.ws_url, sim.api_key, sim.api_secret, db_path=db_path
            )
            check_pairs_now(demo_settings)  # a bad PAIRS ends here with its one line, nothing else
            if not settings.is_live:
                print(f"valr-tui demo: data in {db_path} (--fresh starts over)", file=sys.stderr)
            yield TradingEngine(demo_settings), SimulatorFaults(sim.base_url, demo_settings)
    finally:
        sim.__exit__(None, None, None)


def import_dashboard() -> None:
    """Import the dashboard's modules (Textual, the screens): the longest part of a cold start.
    From here on Textual's CSS parses take what earlier starts parsed (``valr_tui.ui.css_cache``;
    ``launch`` writes what is new when the dashboard ends)."""
    import valr_tui.ui.app  # noqa: F401
    from valr_tui.ui.css_cache import PARSED_CSS

    PARSED_CSS.install()


def import_first_request() -> None:
    """Import what httpx imports on its first request (httpcore, anyio's asyncio backend: ~50
    modules, 20 dataclasses) with the rest, in the start-up's heap, not in the pair check."""
    import anyio._backends._asyncio  # noqa: F401
    import httpcore  # noqa: F401


def launch(settings: Settings, *, demo: bool = False, fresh: bool = False) -> int:
    """Run the dashboard; with ``demo`` against an embedded simulator and the demo database
    (``fresh`` forgets the previous demo first)."""
    configure_logging(settings.log_path)
    # the collector stays off from the imports to the main screen's first frame (valr_tui.heap)
    try:
        if not demo:
            with collector_held():
                with start_up_heap():
                    from valr_tui.preflight import check_pairs_now
                    from valr_tui.trading.engine import TradingEngine

                    import_dashboard()
                    import_first_request()
                check_pairs_now(settings)
                DATACLASS_CODE.release()  # the imports are done
                from valr_tui.ui.app import run_app

                return run_app(TradingEngine(settings))
        with collector_held(), demo_session(settings, fresh=fresh) as (engine, faults):
            from valr_tui.ui.app import run_app

            DATACLASS_CODE.release()
            return run_app(engine, demo=faults)
    finally:
        parsed_css = sys.modules.get("valr_tui.ui.css_cache")  # imported with the dashboard
        if parsed_css is not None:
            parsed_css.PARSED_CSS.flush()  # the CSS this session parsed, for the next start
