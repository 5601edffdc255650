"""Textual's parsed CSS kept from one start to the next: the same text and theme give the same
rules without a parse; a change of either, a damaged file, or a folder that cannot be written
costs only a parse."""

from __future__ import annotations

import marshal
import pickle
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet

import valr_tui.ui.css_cache as css_cache
from tests.ui.fixtures import settle
from tests.ui.pilot_helpers import SIZE, make_app
from valr_tui.ui.css_cache import PARSED_CSS, ParsedCss, textual_version

CSS = """
Label.price { color: $accent; padding: 0 1; layout: horizontal; }
#body > .row:hover { background: $surface 50%; border: tall red; }
"""
THEME = {"accent": "#ffa62b", "surface": "#1e1e1e"}


@pytest.fixture(autouse=True)
def writes_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    """As an installed program runs (the test run may say PYTHONDONTWRITEBYTECODE)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The CSS texts Textual itself parses (its ``_parse_rules``, counted; a cache installed
    afterwards falls back to this one). Any cache a test installs is uninstalled after it."""
    texts: list[str] = []
    textual_parse: Callable[..., list[RuleSet]] = Stylesheet._parse_rules

    def counting(stylesheet: Stylesheet, css: str, *args: Any, **kwargs: Any) -> list[RuleSet]:
        texts.append(css)
        return textual_parse(stylesheet, css, *args, **kwargs)

    monkeypatch.setattr(Stylesheet, "_parse_rules", counting)
    yield texts


def described(rules: list[RuleSet]) -> list[tuple[object, ...]]:
    """What a rule set means for styling (its layout object compares by its repr)."""
    return [(rule.selector_set, repr(sorted(rule.styles.get_rules().items())), rule.is_default_rules,
             rule.tie_breaker, rule.selector_names, rule.pseudo_classes) for rule in rules]


def start(path: Path, css: str = CSS, theme: dict[str, str] | None = None) -> list[RuleSet]:
    """One start: the cache read from ``path``, one stylesheet parsed through it, then written."""
    cache = ParsedCss(path)
    cache.install()
    try:
        stylesheet = Stylesheet(variables=dict(THEME if theme is None else theme))
        stylesheet.add_source(css, read_from=("app.tcss", ""))
        stylesheet.parse()
        return stylesheet.rules
    finally:
        cache.uninstall()
        cache.flush()


def test_a_second_start_parses_nothing_and_gets_the_same_rules(tmp_path: Path, parsed: list[str]) -> None:
    path = tmp_path / "parsed-css.pickle"
    first = start(path)
    assert parsed == [CSS] and path.exists()

    again = start(path)

    assert parsed == [CSS]  # not parsed again
    assert again is not first and described(again) == described(first)
    assert described(again) == described(start(tmp_path / "another.pickle"))  # as a plain parse


def test_changed_text_or_theme_is_parsed_again(tmp_path: Path, parsed: list[str]) -> None:
    path = tmp_path / "parsed-css.pickle"
    start(path)
    changed = CSS.replace("padding: 0 1", "padding: 0 2")
    assert described(start(path, changed)) != described(start(path))
    assert parsed == [CSS, changed]

    dark = {**THEME, "accent": "#0178d4"}
    rules = start(path, theme=dark)
    assert parsed == [CSS, changed, CSS]  # the theme's colours are in the parsed rules
    assert described(rules) != described(start(path))
    start(path, theme=dark)
    assert len(parsed) == 3  # each (text, theme) kept side by side


def test_a_damaged_file_or_entry_is_ignored_and_written_afresh(tmp_path: Path, parsed: list[str]) -> None:
    path = tmp_path / "parsed-css.pickle"
    path.write_bytes(b"not marshal data")
    assert described(start(path)) and len(parsed) == 1
    start(path)
    assert len(parsed) == 1  # rewritten whole

    entries = marshal.loads(path.read_bytes())
    path.write_bytes(marshal.dumps(dict.fromkeys(entries, b"\x80\x05not a pickle")))
    assert described(start(path)) == described(start(tmp_path / "plain.pickle"))
    assert len(parsed) == 3  # the bad entry, and the plain file's first start


def test_rules_that_cannot_be_pickled_are_parsed_every_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parsed: list[str]
) -> None:
    def cannot(*_args: Any, **_kwargs: Any) -> bytes:
        raise pickle.PicklingError("a lambda in a rule")

    monkeypatch.setattr(css_cache.pickle, "dumps", cannot)
    path = tmp_path / "parsed-css.pickle"
    assert described(start(path)) == described(start(path)) != []
    assert len(parsed) == 2 and not path.exists()


def test_nothing_is_written_without_bytecode_nor_where_it_cannot_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parsed: list[str]
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    start(tmp_path / "parsed-css.pickle")
    assert not (tmp_path / "parsed-css.pickle").exists()

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    read_only = blocker / "parsed-css.pickle"  # its folder is a file: no error, nothing kept
    assert described(start(read_only)) == described(start(tmp_path / "plain.pickle"))
    start(read_only)
    assert len(parsed) == 4
    assert sorted(tmp_path.iterdir()) == [blocker, tmp_path / "plain.pickle"]


def test_uninstall_gives_textual_its_own_parse_back(tmp_path: Path, parsed: list[str]) -> None:
    own = Stylesheet._parse_rules
    cache = ParsedCss(tmp_path / "parsed-css.pickle")
    cache.install()
    assert Stylesheet._parse_rules is not own
    cache.uninstall()
    assert Stylesheet._parse_rules is own


def test_the_kept_file_is_named_for_the_interpreter_and_textual() -> None:
    assert PARSED_CSS.path is not None
    assert PARSED_CSS.path.parent.name == "__pycache__"
    tag = sys.implementation.cache_tag
    assert PARSED_CSS.path.name == f"parsed-css.{tag}.textual-{textual_version()}.pickle"
    assert textual_version() == "8.2.8"  # pyproject.toml pins it


async def styles_of_a_started_dashboard() -> dict[str, str]:
    app, _engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        return {f"{index} {node!r}": repr(sorted(node.styles.get_rules().items()))
                for index, node in enumerate(app.screen.walk_children(with_self=True))}


async def test_the_dashboard_styled_from_the_kept_css_is_styled_as_parsed(
    tmp_path: Path, parsed: list[str]
) -> None:
    plain = await styles_of_a_started_dashboard()
    sources = set(parsed)  # Textual asks for each source's rules again at every parse: ~5x
    assert len(sources) > 10
    parses = []
    for _start in range(2):  # the first start parses and writes, the second reads
        parsed.clear()
        cache = ParsedCss(tmp_path / "parsed-css.pickle")
        cache.install()
        try:
            assert await styles_of_a_started_dashboard() == plain
        finally:
            cache.uninstall()
            cache.flush()
        parses.append(len(parsed))
    # each source parsed once (a text read from two places counts twice), then never
    assert len(sources) <= parses[0] < 2 * len(sources) and parses[1] == 0
