"""The README's error table lists every error code the code base can raise."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import valr_tui
from valr_tui.errors import all_error_classes

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_error_code_is_in_the_readme_table() -> None:
    for module in pkgutil.walk_packages(valr_tui.__path__, "valr_tui."):
        if not module.name.endswith("__main__"):  # importing __main__ would start the app
            importlib.import_module(module.name)
    codes = {cls.code for cls in all_error_classes()}
    table = set(re.findall(r"^\| `(VALR-[A-Z]+-\d{3})` \|", README.read_text(), re.MULTILINE))
    assert codes - table == set(), "codes missing from the README's table"
    assert table - codes == set(), "README lists codes that no longer exist"


def test_readme_opens_with_the_two_commands() -> None:
    text = README.read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.DOTALL)
    assert block is not None and text.index(block.group(0)) < text.index("## ")
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
