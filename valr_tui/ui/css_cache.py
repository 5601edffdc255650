"""Textual's parsed CSS kept from one start to the next, as Python keeps compiled modules.

At every start Textual parses each CSS source anew: the app's ``app.tcss`` and the
``DEFAULT_CSS`` of every widget class it mounts (~24 sources before the first frame, 20-40 ms of
a cold start's CPU, the tokenizer's regular expressions most of it). The same text parsed with
the same theme variables gives the same rules, so while installed (``install``) the parse
(``Stylesheet._parse_rules``, the one method every parse, reparse and copy of a stylesheet goes
through) takes them from a file beside the package's bytecode and parses only what is new:
``__pycache__/parsed-css.<tag>.textual-<version>.pickle`` (a marshalled dict of one pickle per
source, unpickled when the source is asked for), keyed on the CSS text, where it was read from,
its defaults / tie-breaker / scope and the theme variables. The file is written as
Python writes bytecode (``write_like_bytecode``: not under ``PYTHONDONTWRITEBYTECODE``, never
half-written, silently not in a read-only folder); one that cannot be read is ignored.

Trust: the file holds pickles, and unpickling runs code named in it. It lives in the package's
own ``__pycache__``, beside the ``.pyc`` files Python imports (and so runs) from that folder:
whoever can write it can already change what this program runs. Reading it takes no more trust
than importing the package; it is never read from anywhere else.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path

import textual
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet

from valr_tui.dataclass_code import read_marshalled_dict, write_like_bytecode

# More than the sources of every screen the dashboard has (~60); beyond it, the entries of CSS
# that changed since are dropped by keeping only those of this start.
MAX_ENTRIES = 512

ParseRules = Callable[..., list[RuleSet]]


class ParsedCss:
    """Parsed CSS kept in ``path`` (None: parse every time, keep nothing)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[bytes, bytes] | None = None  # key -> pickled rules; read at install
        self._rules: dict[bytes, list[RuleSet]] = {}  # unpickled (or parsed) in this process
        self._used: set[bytes] = set()
        self._new = 0  # parsed since the file was last written
        self._parse: ParseRules | None = None  # Textual's own, while installed
        self._variables: dict[str, str] | None = None
        self._variables_digest = b""

    def install(self) -> None:
        """Textual's parse goes through this cache until ``uninstall``."""
        if self._parse is not None:
            return
        if self._entries is None:
            self._entries = self._read()
        parse: ParseRules = Stylesheet._parse_rules
        self._parse = parse

        def _parse_rules(
            stylesheet: Stylesheet, css: str, read_from: tuple[str, str],
            is_default_rules: bool = False, tie_breaker: int = 0, scope: str = "",
        ) -> list[RuleSet]:
            return self.parse_rules(stylesheet, css, read_from, is_default_rules, tie_breaker, scope)

        Stylesheet._parse_rules = _parse_rules  # type: ignore[method-assign, assignment]

    def uninstall(self) -> None:
        """Textual's own parse back; what this process parsed stays for a ``flush``."""
        if self._parse is not None:
            Stylesheet._parse_rules = self._parse  # type: ignore[method-assign]
            self._parse = None

    def parse_rules(
        self, stylesheet: Stylesheet, css: str, read_from: tuple[str, str],
        is_default_rules: bool, tie_breaker: int, scope: str,
    ) -> list[RuleSet]:
        """``Stylesheet._parse_rules`` (same arguments, same rules), from the file if it has them."""
        assert self._parse is not None and self._entries is not None
        key = self._key(stylesheet, css, read_from, is_default_rules, tie_breaker, scope)
        self._used.add(key)
        rules = self._rules.get(key)
        if rules is not None:
            return rules
        pickled = self._entries.get(key)
        if pickled is not None:
            try:
                loaded = pickle.loads(pickled)
            except Exception:  # a file written by an incompatible Textual: parse it again
                loaded = None
            if isinstance(loaded, list) and all(isinstance(rule, RuleSet) for rule in loaded):
                self._rules[key] = loaded
                return loaded
        rules = self._parse(stylesheet, css, read_from, is_default_rules, tie_breaker, scope)
        self._rules[key] = rules
        if not any(rule.errors for rule in rules):  # an error is reported by every parse
            # pickled now, as parsed: what the session does to the rules later is not kept
            try:
                self._entries[key] = pickle.dumps(rules, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # a rule this Textual cannot pickle: that source is parsed each start
                return rules
            self._new += 1
        return rules

    def flush(self) -> None:
        """Write what was parsed since the file was read or last written (if anything)."""
        if self.path is None or self._entries is None or not self._new or sys.dont_write_bytecode:
            return
        entries = self._entries
        if len(entries) > MAX_ENTRIES:
            entries = {key: entries[key] for key in self._used if key in entries}
        self._new = 0
        write_like_bytecode(self.path, marshal.dumps(entries))

    def _key(
        self, stylesheet: Stylesheet, css: str, read_from: tuple[str, str],
        is_default_rules: bool, tie_breaker: int, scope: str,
    ) -> bytes:
        variables: dict[str, str] = stylesheet._variables
        if variables != self._variables:  # one theme at a time: digested once
            self._variables = dict(variables)
            self._variables_digest = hashlib.blake2b(
                repr(sorted(variables.items())).encode(), digest_size=16
            ).digest()
        digest = hashlib.blake2b(css.encode(), digest_size=16)
        digest.update(repr((read_from, is_default_rules, tie_breaker, scope)).encode())
        digest.update(self._variables_digest)
        return digest.digest()

    def _read(self) -> dict[bytes, bytes]:
        return read_marshalled_dict(self.path, bytes, bytes)


def textual_version() -> str | None:
    """The installed Textual's version, from its ``.dist-info`` folder's name (what
    ``importlib.metadata`` reads, without its ~15 ms import); None if it is not found."""
    site = Path(textual.__file__).resolve().parent.parent
    try:
        names = os.listdir(site)
    except OSError:
        return None
    found = [name[len("textual-"):-len(".dist-info")] for name in names
             if name.startswith("textual-") and name.endswith(".dist-info")]
    return found[0] if len(found) == 1 else None


def _cache_path() -> Path | None:
    tag = sys.implementation.cache_tag  # None: this interpreter keeps no bytecode either
    version = textual_version()
    if tag is None or version is None:
        return None
    return Path(__file__).with_name("__pycache__") / f"parsed-css.{tag}.textual-{version}.pickle"


PARSED_CSS = ParsedCss(_cache_path())

