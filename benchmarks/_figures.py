"""Render the "Latest figures" table of benchmarks/README.md from results files.

    python -m benchmarks._figures benchmarks/results/latest.json [more.json ...]

Later files win for the benchmarks they contain (e.g. a separate long ``app_session`` run).
Each row: metric, ours, peer, ratio (ours / peer), and the command that produced it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# (benchmark, label, ours key, peer key or "", ratio key or "", unit)
ROWS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("bench_peer_bucket", "bucket `try_acquire` vs ccxt `await throttler()`, per call",
     "ours_try_acquire_us", "ccxt_throttle_us", "try_acquire_cost_ratio", "µs"),
    ("bench_peer_bucket", "bucket `await acquire()` (no wait) vs ccxt, per call",
     "ours_acquire_us", "ccxt_throttle_us", "acquire_cost_ratio", "µs"),
    ("bench_peer_bucket", "CPU while 30 requests wait at 10/s (process/wall)",
     "ours_cpu_pct", "ccxt_cpu_pct", "cpu_ratio", "%"),
    ("bench_peer_bucket", "30 waiters at 10/s: wall time (ideal 3.0 s)",
     "ours_wall_s", "ccxt_wall_s", "", "s"),
    ("bench_peer_bucket", "accuracy: max granted(t) − rate·t (≤ 0 = never over the rate)",
     "ours_max_overshoot_tokens", "ccxt_max_overshoot_tokens", "", "tokens"),
    ("bench_peer_bucket", "mean lateness of a grant vs its ideal time k/rate",
     "ours_mean_lateness_ms", "ccxt_mean_lateness_ms", "lateness_ratio", "ms"),
    ("bench_peer_signer", "`VALRSigner.sign` vs bare `hmac.new(...).hexdigest()`, GET",
     "get_ours_us", "get_bare_hmac_us", "get_ratio", "µs"),
    ("bench_peer_signer", "`VALRSigner.sign` vs bare hmac, POST limit order",
     "post_ours_us", "post_bare_hmac_us", "post_ratio", "µs"),
    ("bench_snapshots", "snapshot insert, batches of 100 (repository vs raw `executemany`)",
     "repo_insert_rows_per_s", "raw_sqlite3_insert_rows_per_s", "insert_time_ratio", "rows/s"),
    ("bench_snapshots", "last-100 query at 1M rows, p50 (repository vs raw SELECT)",
     "repo_last_100_p50_ms", "raw_sqlite3_last_100_p50_ms", "last_100_p50_ratio", "ms"),
    ("bench_app_startup", "start-up to first prices, warm (median; budget < 1.5 s) vs one-label app",
     "warm_ours_median_s", "warm_peer_median_s", "warm_ratio", "s"),
    ("bench_app_startup", "… of which: dashboard's first frame (no prices yet)",
     "warm_ours_first_frame_median_s", "", "", "s"),
    ("bench_app_startup", "… engine alone: start() to first price, no UI",
     "warm_engine_only_median_s", "", "", "s"),
    ("bench_app_startup", "start-up, cold: spawn python → first prices (ours starts the simulator; "
     "budget ratio ≤ 1.3)",
     "cold_ours_median_s", "cold_peer_median_s", "cold_ratio", "s"),
    ("bench_app_latency", "price change → screen at 10/s, p50 (peer: Textual label; budget ratio ≤ 2 "
     "for every p50/p99 here and the key p99)",
     "ours_10hz_p50_ms", "peer_10hz_p50_ms", "10hz_p50_ratio", "ms"),
    ("bench_app_latency", "price change → screen at 10/s, p99",
     "ours_10hz_p99_ms", "peer_10hz_p99_ms", "10hz_p99_ratio", "ms"),
    ("bench_app_latency", "price change → screen at 100/s, p50",
     "ours_100hz_p50_ms", "peer_100hz_p50_ms", "100hz_p50_ratio", "ms"),
    ("bench_app_latency", "price change → screen at 100/s, p99",
     "ours_100hz_p99_ms", "peer_100hz_p99_ms", "100hz_p99_ratio", "ms"),
    ("bench_app_latency", "… at 100/s: dashboard redraws per second",
     "ours_100hz_redraws_per_s", "", "", "/s"),
    ("bench_app_latency", "… price change → engine view at 100/s, p50, dashboard running",
     "ours_100hz_engine_p50_ms", "", "", "ms"),
    ("bench_app_latency", "… price change → engine view at 100/s, p50, no dashboard",
     "engine_no_ui_100hz_p50_ms", "", "", "ms"),
    ("bench_app_latency", "… simulator in the dashboard's process (`--demo`), 10/s p50",
     "ours_sim_in_process_10hz_p50_ms", "", "", "ms"),
    ("bench_app_latency", "… simulator in the dashboard's process (`--demo`), 100/s p50",
     "ours_sim_in_process_100hz_p50_ms", "", "", "ms"),
    ("bench_app_latency", "key press → screen while 100 updates/s flood, p50",
     "ours_key_under_flood_p50_ms", "peer_key_under_flood_p50_ms", "key_under_flood_p50_ratio", "ms"),
    ("bench_app_latency", "key press → screen while 100 updates/s flood, p99",
     "ours_key_under_flood_p99_ms", "peer_key_under_flood_p99_ms", "key_under_flood_p99_ratio", "ms"),
    ("bench_app_memory", "RSS growth after warm-up: open/close cycles of every screen and modal, orders, an "
     "hour of ticks (500 cycles, 1,000 orders; `--quick`: 50, 100; budget ≤ 5 MiB); peer: a label app "
     "opening as many screens",
     "ours_rss_growth_mib", "peer_rss_growth_mib", "growth_ratio", "MiB"),
    ("bench_app_memory", "… RSS after warm-up → at the end", "ours_rss_after_warmup_mib",
     "", "", "MiB"),
    ("bench_app_memory", "… RSS at the end", "ours_rss_end_mib", "", "", "MiB"),
    ("bench_app_session", "demo session: RSS at first prices", "rss_start_mib", "", "", "MiB"),
    ("bench_app_session", "demo session: RSS at the end", "rss_end_mib", "", "", "MiB"),
    ("bench_app_session", "demo session: RSS max", "rss_max_mib", "", "", "MiB"),
    ("bench_app_session", "demo session: RSS growth after warm-up (tolerance 16 MiB)",
     "rss_growth_after_warmup_mib", "", "", "MiB"),
    ("bench_app_session", "demo session: RSS trend after warm-up (least squares)",
     "rss_trend_after_warmup_mib_per_min", "", "", "MiB/min"),
    ("bench_app_session", "demo session: mean CPU of one core (app + engine + simulator; budget "
     "≤ 2 %); peer: one-label app + simulator", "cpu_mean_pct", "cpu_one_label_app_plus_simulator_pct",
     "cpu_ratio_vs_one_label_app", "%"),
    ("bench_app_session", "idle dashboard, simulator in its own process (budget ≤ 1 %); peer: "
     "one-label app", "oop_cpu_mean_pct", "oop_peer_cpu_pct", "oop_cpu_ratio_vs_one_label_app", "%"),
    ("bench_app_session", "… of which the simulator alone", "cpu_simulator_only_pct", "", "", "%"),
    ("bench_app_session", "demo session: max CPU over one sample", "cpu_max_pct", "", "", "%"),
    ("bench_market_latency", "simulator price change → `MarketDataClient` subscribers over WS, p50",
     "p50_ms", "", "", "ms"),
    ("bench_market_latency", "… p99", "p99_ms", "", "", "ms"),
    ("bench_orders", "DRY_RUN submit → stored, p50", "p50_ms", "", "", "ms"),
    ("bench_orders", "… p99", "p99_ms", "", "", "ms"),
)

# Every budget of the performance issue: (benchmark, figure, limit), each figure ≤ the limit the
# module reports beside it (the modules own the numbers; this only reads them). The ten-pair
# modules hold the same budgets.
BUDGETS: tuple[tuple[str, str, str], ...] = (
    ("bench_app_latency", "10hz_p50_ratio", "budget_ratio"),
    ("bench_app_latency", "10hz_p99_ratio", "budget_ratio"),
    ("bench_app_latency", "100hz_p50_ratio", "budget_ratio"),
    ("bench_app_latency", "100hz_p99_ratio", "budget_ratio"),
    ("bench_app_latency", "key_under_flood_p99_ratio", "budget_ratio"),
    ("bench_app_startup", "cold_ratio", "cold_budget_ratio"),
    ("bench_app_startup", "warm_ours_median_s", "budget_s"),
    ("bench_app_session", "cpu_mean_pct", "cpu_budget_pct"),
    ("bench_app_session", "oop_cpu_mean_pct", "oop_cpu_budget_pct"),
    ("bench_app_session", "rss_growth_after_warmup_mib", "rss_growth_tolerance_mib"),
    ("bench_app_memory", "ours_rss_growth_mib", "budget_growth_mib"),
)
BUDGETS += tuple((f"{bench}_ten_pairs", figure, limit) for bench, figure, limit in BUDGETS)


# The ten-pair modules report the same keys as their base modules: their rows are the base's
# compared rows (those with a peer) and budgeted rows, labelled as the ten-pair case.
TEN_PAIR_MODULES = ("bench_app_startup", "bench_app_latency", "bench_app_session", "bench_app_memory")
_BUDGETED = {(bench, figure) for bench, figure, _limit in BUDGETS}
ROWS += tuple(
    (f"{bench}_ten_pairs", f"ten pairs: {label}", ours, peer, ratio, unit)
    for bench, label, ours, peer, ratio, unit in ROWS
    if bench in TEN_PAIR_MODULES and (peer or (bench, ours) in _BUDGETED)
)


def verdicts(results: dict[str, dict[str, Any]]) -> list[str]:
    """One line per budget of the benchmarks in ``results``: PASS/FAIL, the figure and its limit
    ("MISSING" when the module ran but did not report the figure: an error, or a renamed key)."""
    lines = []
    for bench, figure, limit in BUDGETS:
        result = results.get(bench)
        if result is None:
            continue
        if figure not in result or limit not in result:
            lines.append(f"MISSING  {bench}  {figure}")
            continue
        verdict = "PASS" if float(result[figure]) <= float(result[limit]) else "FAIL"
        lines.append(f"{verdict:7}  {bench}  {figure} {result[figure]} ≤ {result[limit]}")
    return lines


def _cell(result: dict[str, Any], key: str, unit: str) -> str:
    if not key or key not in result:
        return "—"
    return f"{result[key]} {unit}"


def render(paths: list[Path]) -> str:
    results: dict[str, dict[str, Any]] = {}
    commands: dict[str, str] = {}  # benchmark -> run label ("A", "B", ...)
    runs: list[str] = []
    for path in paths:
        document = json.loads(path.read_text(encoding="utf-8"))
        label = chr(ord("A") + len(runs))
        command = ".venv/bin/" + document.get("command", "python -m benchmarks")
        runs.append(f"{label}: `{command}`, finished {document['generated_at']}")
        for bench, result in document["results"].items():
            if "error" not in result and "skipped" not in result:
                results[bench] = result
                commands[bench] = label
    lines = ["| metric | ours | peer | ratio | command |", "|---|---|---|---|---|"]
    for bench, label, ours, peer, ratio_key, unit in ROWS:
        result = results.get(bench)
        if result is None:
            continue
        ratio_cell = str(result[ratio_key]) if ratio_key and ratio_key in result else "—"
        cells = (label, _cell(result, ours, unit), _cell(result, peer, unit), ratio_cell, commands[bench])
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.extend(f"- {run}" for run in runs)
    lines.append("")
    for bench, result in results.items():
        if "passed" in result:
            load = (f" (load average {result['load_1m_start']} → {result['load_1m_end']})"
                    if "load_1m_start" in result else "")
            lines.append(f"- `{bench}`: {'PASS' if result['passed'] else 'FAIL'}{load}")
    lines.append("")
    lines.extend(f"- {line}" for line in verdicts(results))
    return "\n".join(lines)


if __name__ == "__main__":
    print(render([Path(arg) for arg in sys.argv[1:]]))
