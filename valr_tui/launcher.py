"""Start-up: logging, the optional embedded simulator (``--demo``), the engine, the dashboard."""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import threading
from decimal import Decimal
from pathlib import Path
from types import TracebackType

import httpx

from valr_tui.config import Settings
from valr_tui.logging_setup import configure_logging
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.preflight import check_pairs_now
from valr_tui.secrets import Secret

# What each demo key injects: (simulator fault kind, parameters). Durations are long enough to
# watch the safety state enter and leave (SAFE-IDLE needs > SAFE_IDLE_AFTER_S without data).
DEMO_FAULTS: dict[str, dict[str, object]] = {
    "outage": {"kind": "outage", "duration_s": 75, "mode": "refuse"},
    "rate_limit_storm": {"kind": "rate_limit_storm", "duration_s": 40},
    "spread_blowout": {"kind": "spread_blowout", "duration_s": 30},
    "price_shock": {"kind": "price_shock", "duration_s": 1, "pct": "-8"},
    "ws_drop": {"kind": "ws_drop", "duration_s": 20},
    "balance_drift": {"kind": "balance_drift", "duration_s": 1, "currency": "ZAR", "delta": "-50000"},
}


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

    def __enter__(self) -> EmbeddedSimulator:
        self._thread.start()
        if not self._ready.wait(timeout=15) or self._error is not None:
            raise RuntimeError(f"the embedded simulator did not start: {self._error!r}")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
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
        body = dict(DEMO_FAULTS[kind])
        if kind == "balance_drift" and not self._settings.is_live:
            return await self._drift_paper_wallet(Decimal(str(body["delta"])))
        async with httpx.AsyncClient(base_url=self._base_url, timeout=5) as http:
            response = await http.post("/_sim/fault", json=body)
            response.raise_for_status()
        return f"injected {kind} for {body['duration_s']} s"

    async def _drift_paper_wallet(self, delta: Decimal) -> str:
        """In DRY_RUN the paper wallet is the 'exchange': move funds in it behind the app's back,
        which reconciliation must catch."""
        from storage.db import Database
        from storage.paper_wallet import PaperWalletRepository

        db = await Database.open(self._settings.db_path)
        try:
            if not await PaperWalletRepository(db).shift_total("ZAR", delta):
                return "no paper wallet yet"
        finally:
            await db.close()
        moved = DecimalGateway.format_zar(abs(delta))
        return f"moved {moved} {'out of' if delta < 0 else 'into'} the paper wallet behind the app's back"


def demo_pairs(pairs: tuple[str, ...]) -> tuple[str, ...]:
    """What the embedded simulator serves: every configured pair it knows. One it does not know
    is left out, so the pair check names it as VALR would (BTCZAR,ETHZAR if none is known)."""
    from valr_tui.simulator.catalogue import servable

    return servable(pairs) or ("BTCZAR", "ETHZAR")


def launch(settings: Settings, *, demo: bool = False) -> int:
    """Run the dashboard; with ``demo`` against an embedded simulator and a throw-away database."""
    from valr_tui.trading.engine import TradingEngine
    from valr_tui.ui.app import run_app

    configure_logging(settings.log_path)
    if not demo:
        check_pairs_now(settings)
        return run_app(TradingEngine(settings))
    served = demo_pairs(settings.pairs)
    with EmbeddedSimulator(pairs=served) as sim, tempfile.TemporaryDirectory(prefix="valr-demo-") as db_dir:
        demo_settings = sim.demo_settings(settings, db_dir)
        check_pairs_now(demo_settings)
        return run_app(TradingEngine(demo_settings), demo=SimulatorFaults(sim.base_url, demo_settings))
