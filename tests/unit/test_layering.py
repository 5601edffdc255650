"""The layer arrows of docs/architecture.md, checked at run time beside the import-linter contracts
(``lint-imports``, configured in pyproject.toml): the core imports without Textual, and exchange
never reaches into storage. Modules are discovered from the file system so files added later are
covered."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE_PACKAGES = ("valr_tui/money", "valr_tui/exchange", "valr_tui/trading", "storage")


def _modules(package_dir: str) -> list[str]:
    base = ROOT / package_dir
    names = []
    for path in sorted(base.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def _imported_names(path: Path) -> set[str]:
    """Absolute module names a file imports (relative imports resolved against its package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = list(path.relative_to(ROOT).with_suffix("").parts)[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                found.add(".".join([*anchor, *([node.module] if node.module else [])]))
            elif node.module:
                found.add(node.module)
    return found


def _violations(package_dir: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in sorted((ROOT / package_dir).rglob("*.py")):
        for name in _imported_names(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


def test_discovery_finds_the_foundation_modules() -> None:
    found = {m for pkg in CORE_PACKAGES for m in _modules(pkg)}
    assert {
        "valr_tui.money.decimal_gateway",
        "valr_tui.exchange.rate_limiter",
        "valr_tui.trading.safety",
        "storage.db",
        "storage.audit",
    } <= found


def test_exchange_never_imports_storage_trading_or_ui() -> None:
    assert _violations("valr_tui/exchange", ("storage", "valr_tui.trading", "valr_tui.ui", "textual")) == []


def test_storage_and_trading_never_import_textual_or_ui() -> None:
    for package in ("storage", "valr_tui/trading"):
        assert _violations(package, ("textual", "valr_tui.ui")) == []
    # storage speaks SQL only, and the arrow points one way: trading imports storage, never back
    assert _violations(
        "storage", ("httpx", "websockets", "valr_tui.trading", "valr_tui.ui", "valr_tui.simulator")
    ) == []


def test_the_checker_sees_imports() -> None:
    # Guard against a checker that silently finds nothing.
    sample = ROOT / "valr_tui" / "exchange" / "rate_limiter.py"
    assert "asyncio" in _imported_names(sample)
    probe = ROOT / "valr_tui" / "money" / "decimal_gateway.py"
    assert "valr_tui.errors" in _imported_names(probe)


_PROBE = """
import importlib, json, sys
sys.modules["textual"] = None  # any "import textual..." now raises ImportError
failures = {}
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except Exception as exc:
        failures[name] = f"{type(exc).__name__}: {exc}"
leaked = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(json.dumps({"failures": failures, "textual": [m for m in leaked if sys.modules[m] is not None]}))
"""


def test_core_imports_with_textual_blocked() -> None:
    modules = [m for pkg in CORE_PACKAGES for m in _modules(pkg)]
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(modules)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["failures"] == {}, "core modules that need Textual or fail to import"
    assert report["textual"] == []


def test_probe_detects_a_textual_import() -> None:
    # The same probe must fail for a module that imports Textual, or the test above proves nothing.
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(["textual.app"])],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "textual.app" in report["failures"]


@pytest.mark.parametrize("package", CORE_PACKAGES)
def test_every_core_file_parses(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"))


def test_the_package_ships_no_test_scaffolding() -> None:
    # Fakes and pilot helpers live under tests/; nothing in the product drives Textual's test pilot.
    assert not (ROOT / "valr_tui" / "ui" / "fixtures.py").exists()
    assert _violations("valr_tui", ("textual.pilot", "tests", "pytest", "hypothesis")) == []


def test_the_order_rules_have_one_copy() -> None:
    # The order manager and the UI's FakeEngine both call check_order; neither builds the rule errors.
    for path in (ROOT / "valr_tui" / "trading" / "order_manager.py", ROOT / "tests" / "ui" / "fixtures.py"):
        text = path.read_text(encoding="utf-8")
        assert "check_order(" in text, path
        rule_errors = ("MarketOrderRejected(", "InvalidSideError(", "OrderLimitExceeded(", "BelowMinimum")
        for rule_error in rule_errors:
            assert rule_error not in text, f"{path.name} builds {rule_error[:-1]} itself"


def test_the_storage_contract_forbids_every_valr_tui_module_but_money_and_errors() -> None:
    # import-linter has no "only these" contract: the forbidden list must name every other module.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}
    forbidden = set(contracts["storage-only-money"]["forbidden_modules"])
    top_level = {
        f"valr_tui.{p.stem if p.is_file() else p.name}"
        for p in (ROOT / "valr_tui").iterdir()
        if (p.suffix == ".py" and p.stem not in ("__init__", "__main__")) or (p / "__init__.py").exists()
    }
    assert top_level - forbidden == {"valr_tui.money", "valr_tui.errors"}


def test_sql_is_written_only_in_storage() -> None:
    # Raw SQL belongs to the storage repositories; the rest of the package calls them.
    calls = (".execute(", ".executemany(", ".fetchone(", ".fetchall(")
    offenders = [
        str(path.relative_to(ROOT)) for path in sorted((ROOT / "valr_tui").rglob("*.py"))
        if any(call in path.read_text(encoding="utf-8") for call in calls)
    ]
    assert offenders == []
