"""Command line: ``valr-tui`` (dashboard), ``--demo [--fresh]``, ``--version``, ``sim``, ``audit``,
``journal``, ``config``.

A bad configuration (any coded error) ends with one clear line on stderr and exit code 2; any other
error ends with one coded line (VALR-GEN-001) and exit code 1. Never a traceback, never locals.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from valr_tui.errors import ValrTuiError
from valr_tui.logging_setup import crash_line

EXIT_CONFIG = 2
EXIT_UNEXPECTED = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="valr-tui", description="Terminal dashboard for trading on VALR (DRY_RUN by default)."
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run against an embedded VALR simulator on loopback (no network, no account)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="with --demo: forget the previous demo's data and start over"
    )
    parser.add_argument("--env-file", default=".env", help="settings file read after the environment")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command")
    sim = sub.add_parser("sim", help="run the VALR-compatible simulator standalone", add_help=False)
    sim.add_argument("sim_args", nargs=argparse.REMAINDER)
    audit = sub.add_parser("audit", help="print the whole story of one order by correlation id")
    audit.add_argument("correlation_id")
    journal = sub.add_parser("journal", help="print closed trades with PnL and outcome")
    journal.add_argument("--csv", action="store_true", help="export as CSV")
    sub.add_parser("config", help="print the effective settings, where each came from, and the data paths")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("valr-tui")
    except PackageNotFoundError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["sim"]:
        # argparse's REMAINDER does not capture options that come first (``sim --port 8765``),
        # so the simulator's own parser gets its arguments untouched.
        from valr_tui.simulator.server import main as sim_main

        return sim_main(arguments[1:])
    args = _parser().parse_args(arguments)
    if args.command == "sim":
        from valr_tui.simulator.server import main as sim_main

        return sim_main(list(args.sim_args))
    try:
        from valr_tui.heap import start_up_heap

        with start_up_heap():  # the settings' imports are the first of the start-up's
            from valr_tui.config import load_settings
        settings = load_settings(env_file=args.env_file)
        if args.demo and args.command in ("audit", "journal"):
            from valr_tui.launcher import demo_db_path

            settings = settings.with_overrides(db_path=demo_db_path())  # the kept demo's data
        if args.command == "config":
            from valr_tui.launcher import demo_db_path
            from valr_tui.show_config import config_command

            return config_command(settings, args.env_file, demo_db_path(), sys.stdout)
        if args.command == "audit":
            from valr_tui.commands import audit_command

            return audit_command(settings, args.correlation_id, sys.stdout)
        if args.command == "journal":
            from valr_tui.commands import journal_command

            return journal_command(settings, args.csv, sys.stdout)
        with start_up_heap():
            from valr_tui.launcher import launch
        return launch(settings, demo=args.demo, fresh=args.fresh)
    except ValrTuiError as exc:
        print(f"valr-tui: {crash_line(exc)}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the boundary: one coded line, never a traceback with locals
        app_log = logging.getLogger("valr_tui")
        if app_log.handlers:  # the log file, once configured (redacted); never the terminal
            app_log.error("valr-tui stopped on an unexpected error", exc_info=True)
        print(f"valr-tui: {crash_line(exc)}", file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    raise SystemExit(main())
