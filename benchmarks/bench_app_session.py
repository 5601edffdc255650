"""Memory and CPU of the dashboard over a demo session.

``ValrApp`` + ``TradingEngine`` (DRY_RUN) against the embedded simulator ticking every 0.5 s, as
``valr-tui --demo`` runs, headless (``app.run_test``). After the first prices are on screen, RSS
(``/proc/self/status`` VmRSS) and CPU (process time / wall) are sampled every SAMPLE_S seconds for
``--minutes N`` (default 10; 1 with ``--quick``). The process holds the app, the engine and the
simulator (its own thread), so RSS and CPU include the simulator: an upper bound for the app.

Budget: after the warm-up (the first quarter of the session, at most 60 s), RSS may grow by at most
GROWTH_TOLERANCE_MIB. A leak of one object per tick would show as steady growth well past that
over 10 minutes; allocator noise and SQLite's page cache stay inside it.

CPU baselines, sampled first in the same process: the simulator alone (``cpu_simulator_only_pct``)
and the simulator plus a one-label Textual app idling (``cpu_one_label_app_plus_simulator_pct``):
the dashboard's own share is roughly ``cpu_mean_pct`` minus the first.

Then the same session with the simulator in a process of its own (``benchmarks/_sim_process.py``,
ticking every 0.5 s) for OUT_OF_PROCESS_SHARE of the minutes (at least one): ``oop_cpu_mean_pct`` is
this process alone, the dashboard and its engine, next to a one-label app (``oop_peer_cpu_pct``).

CPU is process time over wall time (``time.process_time``: the other engineers' test runs on the
shared 2-core machine do not count, though they slow ours down); the load averages are printed
beside the figures.

Budgets: mean CPU ≤ CPU_BUDGET_PCT with the simulator in the process (as ``valr-tui --demo`` runs)
and ≤ CPU_BUDGET_OOP_PCT with it out of process.

The same with ten pairs in PAIRS (the chart and the depth on screen): ``bench_app_session_ten_pairs``,
its own PASS/FAIL, over TEN_PAIRS_SHARE of the minutes (at least one).

Run: ``.venv/bin/python -m benchmarks --only app_session --minutes 10``.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from benchmarks._cold_start import one_label_app
from benchmarks._common import (
    HEADLESS_SIZE,
    BenchSimulator,
    CpuMeter,
    ProcessSimulator,
    demo_settings,
    load_average,
    load_report,
    pick,
    quiesce,
    ratio,
    rss_mib,
    session_minutes,
    ticker_text,
    wait_for,
)
from valr_tui.launcher import SimulatorFaults
from valr_tui.logging_setup import configure_logging
from valr_tui.simulator.market import PAIR_CATALOGUE
from valr_tui.trading.engine import TradingEngine
from valr_tui.ui.app import ValrApp

GROWTH_TOLERANCE_MIB = 16.0
MAX_WARMUP_S = 60.0
CPU_BUDGET_PCT = 2.0
CPU_BUDGET_OOP_PCT = 1.0
OUT_OF_PROCESS_SHARE = 0.3
TEN_PAIRS_SHARE = 0.3


async def _dashboard_cpu(sim: ProcessSimulator, seconds: float, pairs: tuple[str, ...] | None) -> float:
    """Mean CPU of the dashboard against ``sim`` over ``seconds`` after its first prices."""
    with demo_settings(sim, pairs) as settings:
        configure_logging(settings.log_path)
        app = ValrApp(TradingEngine(settings))
        async with app.run_test(size=HEADLESS_SIZE) as pilot:
            await wait_for(lambda: "Last" in ticker_text(app, settings.pairs[0]), timeout_s=30)
            await asyncio.sleep(pick(10.0, 3.0))  # the first redraws, the first snapshot flush
            meter = CpuMeter()
            await asyncio.sleep(seconds)
            share = meter.read()
            await quiesce(app, pilot)
    return share


async def _out_of_process(minutes: float, pairs: tuple[str, ...] | None) -> dict[str, object]:
    seconds = max(60.0, minutes * 60 * OUT_OF_PROCESS_SHARE)
    async with one_label_app().run_test(size=HEADLESS_SIZE):
        meter = CpuMeter()
        await asyncio.sleep(pick(15.0, 5.0))
        peer = meter.read()
    with ProcessSimulator(tick_interval=0.5, pairs=pairs) as sim:
        ours = await _dashboard_cpu(sim, seconds, pairs)
    return {
        "oop_seconds": seconds,
        "oop_cpu_mean_pct": round(100 * ours, 2),
        "oop_peer_cpu_pct": round(100 * peer, 2),
        "oop_cpu_ratio_vs_one_label_app": ratio(ours, peer),
        "oop_cpu_budget_pct": CPU_BUDGET_OOP_PCT,
    }


async def _session(minutes: float, pairs: tuple[str, ...] | None) -> dict[str, object]:
    sample_s = pick(5.0, 2.0)
    duration_s = minutes * 60
    warmup_s = min(MAX_WARMUP_S, duration_s / 4)
    baseline_s = pick(15.0, 5.0)
    with (BenchSimulator(tick_interval=0.5, pairs=pairs or tuple(PAIR_CATALOGUE)) as sim,
          demo_settings(sim, pairs) as settings):
        # Baselines for the CPU figure: the simulator alone, then a one-label Textual app idling.
        meter = CpuMeter()
        await asyncio.sleep(baseline_s)
        simulator_only = meter.read()
        async with one_label_app().run_test(size=HEADLESS_SIZE):
            meter.start()
            await asyncio.sleep(baseline_s)
            label_app_cpu = meter.read()
        configure_logging(settings.log_path)
        engine = TradingEngine(settings)
        app = ValrApp(engine, demo=SimulatorFaults(sim.base_url, settings))
        pair = settings.pairs[0]
        async with app.run_test(size=HEADLESS_SIZE) as pilot:
            await wait_for(lambda: "Last" in ticker_text(app, pair), timeout_s=30)
            start_rss = rss_mib()
            samples: list[tuple[float, float, float]] = []  # (elapsed s, RSS MiB, CPU ratio)
            meter = CpuMeter()
            started = time.perf_counter()
            while time.perf_counter() - started < duration_s:
                await asyncio.sleep(sample_s)
                samples.append((time.perf_counter() - started, rss_mib(), meter.read()))
                meter.start()
            still_live = "Last" in ticker_text(app, pair)
            await quiesce(app, pilot)
    rss_after_warmup = next(rss for at, rss, _ in samples if at >= warmup_s)
    end_rss = samples[-1][1]
    growth = end_rss - rss_after_warmup
    cpu = [share for _, _, share in samples]
    after = [(at, rss) for at, rss, _ in samples if at >= warmup_s]
    # least-squares slope: a steady leak shows as a positive trend, noise does not
    slope = statistics.linear_regression([at for at, _ in after], [rss for _, rss in after]).slope \
        if len(after) >= 2 else 0.0
    return {
        "name": "demo_session_rss_cpu",
        "pairs": len(settings.pairs),
        "minutes": minutes,
        "samples": len(samples),
        "sample_every_s": sample_s,
        "rss_start_mib": round(start_rss, 1),
        "rss_after_warmup_mib": round(rss_after_warmup, 1),
        "rss_end_mib": round(end_rss, 1),
        "rss_max_mib": round(max(rss for _, rss, _ in samples), 1),
        "rss_growth_after_warmup_mib": round(growth, 1),
        "rss_growth_tolerance_mib": GROWTH_TOLERANCE_MIB,
        "rss_trend_after_warmup_mib_per_min": round(slope * 60, 3),
        "warmup_s": warmup_s,
        "cpu_mean_pct": round(100 * statistics.fmean(cpu), 2),
        "cpu_max_pct": round(100 * max(cpu), 2),
        "cpu_simulator_only_pct": round(100 * simulator_only, 2),
        "cpu_one_label_app_plus_simulator_pct": round(100 * label_app_cpu, 2),
        "cpu_ratio_vs_one_label_app": ratio(statistics.fmean(cpu), label_app_cpu),
        "cpu_budget_pct": CPU_BUDGET_PCT,
        "prices_on_screen_at_end": still_live,
        "includes": "app + engine + simulator thread, one process",
    }


def measure(minutes: float, pairs: tuple[str, ...] | None = None) -> dict[str, object]:
    """Every figure and the budgets over ``minutes``, with ``pairs`` in PAIRS (default: the
    simulator's two)."""
    before = load_average()
    result = asyncio.run(_session(minutes, pairs))
    result.update(asyncio.run(_out_of_process(minutes, pairs)))
    result.update(load_report(before))
    result["passed"] = bool(
        float(str(result["rss_growth_after_warmup_mib"])) <= GROWTH_TOLERANCE_MIB
        and result["prices_on_screen_at_end"]
        and float(str(result["cpu_mean_pct"])) <= CPU_BUDGET_PCT
        and float(str(result["oop_cpu_mean_pct"])) <= CPU_BUDGET_OOP_PCT
    )
    return result


def run() -> dict[str, object]:
    return measure(session_minutes())


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
