"""Render the dashboard's fixture pictures to screenshots/*.svg (used by the README).

The same frozen FakeEngine scenarios as the snapshot tests (tests/ui/fixtures.py, PICTURES), so the
README shows exactly what the tests check. The fixtures are test scaffolding and stay under tests/,
so this script puts the repository root on the import path to reach them.
Run: ``.venv/bin/python scripts/make_screenshots.py`` (optionally with picture names to render only those).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
sys.path.insert(0, str(ROOT))

from tests.ui.fixtures import PICTURES, FakeEngine, Picture  # noqa: E402
from valr_tui.ui.app import ValrApp  # noqa: E402


async def render(picture: Picture) -> Path:
    engine = FakeEngine(picture.scenario)
    app = ValrApp(engine, clock=engine.clock)
    async with app.run_test(size=picture.size) as pilot:
        await picture.prepare(pilot)
        return Path(app.save_screenshot(f"{picture.name}.svg", path=str(OUT)))


async def main(names: list[str]) -> int:
    OUT.mkdir(exist_ok=True)
    chosen = [p for p in PICTURES if not names or p.name in names]
    unknown = set(names) - {p.name for p in PICTURES}
    if unknown:
        print(f"unknown picture(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    for picture in chosen:
        print(await render(picture))
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1:])))
