"""``valr-tui config``: the effective settings, where each came from, and the data paths.

Credentials are never printed: a set secret shows as ``***`` and an unset one as ``(not set)``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TextIO

from valr_tui.config import Settings, setting_sources
from valr_tui.money.decimal_gateway import DecimalGateway
from valr_tui.secrets import Secret


def shown_value(value: object) -> str:
    if isinstance(value, Secret):
        return Secret.MASK if value else "(not set)"
    if isinstance(value, Decimal):
        return DecimalGateway.to_wire(value)
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if value != "" else "(empty)"


def config_command(
    settings: Settings, env_file: str | None, demo_db_path: str, out: TextIO,
    environ: dict[str, str] | None = None,
) -> int:
    sources = setting_sources(environ, env_file)
    env_path = Path(env_file).resolve() if env_file else None
    env_text = f"{env_path} ({'read' if env_path and env_path.is_file() else 'not found'})"
    rows = [(key, shown_value(getattr(settings, attr)), source) for key, (attr, source) in sources.items()]
    width = max(len(key) for key, _, _ in rows)
    value_width = min(max(len(value) for _, value, _ in rows), 60)
    out.write(f"# valr-tui settings: environment first, then {env_text}, then defaults\n")
    mode = "LIVE" if settings.is_live else "DRY_RUN"
    out.write(f"# effective execution mode: {mode}\n")
    if settings.rate_pairs:
        out.write(f"# also followed, as ZAR rates for MAX_ORDER_ZAR: {','.join(settings.rate_pairs)}\n")
    for key, value, source in rows:
        out.write(f"{key:<{width}}  {value:<{value_width}}  {source}\n")
    out.write("\n# data paths\n")
    for label, path in (("database", settings.db_path), ("log file", settings.log_path),
                        ("demo database (--demo)", demo_db_path), ("settings file", str(env_path or "-"))):
        out.write(f"{label:<{width}}  {path}\n")
    return 0
