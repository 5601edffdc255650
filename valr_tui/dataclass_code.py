"""Compiled dataclass methods kept from one start to the next, as Python keeps compiled modules.

``@dataclass`` writes a class's ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` (and a frozen
class's ``__setattr__`` / ``__delattr__``) as source text and compiles each with ``exec``: ~150
classes at a start (ours, Textual's, anyio's, h11's) at ~0.4-0.8 ms each, most of it the compiler.
The same text always compiles to the same code, so while the start-up's imports run
(``valr_tui.heap.start_up_heap``) dataclasses' ``exec`` takes the code from a file beside the
package's bytecode and compiles only what is new. ``collections.namedtuple`` does the same with
``eval`` for each class's ``__new__`` (~75 classes at a start, Textual's and the standard
library's among them): its ``eval`` is the cache's too. The file is written as Python writes bytecode:
named for the interpreter, not under ``PYTHONDONTWRITEBYTECODE``, silently not when the folder is
not writable; one that cannot be read is ignored.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import marshal
import os
import sys
import threading
from pathlib import Path
from types import CodeType
from typing import Any, TypeVar

# More than the methods of every class a start defines (~700): beyond it, entries of classes that
# changed since are dropped by keeping only those of the last start.
MAX_ENTRIES = 4096
EVAL_KEY = "\0eval\0"  # an expression's key: its source after this (a source has no NUL)
K = TypeVar("K")
V = TypeVar("V")


class DataclassCode:
    """The compiled methods kept in ``path`` (None: compile every time, keep nothing)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._codes: dict[str, CodeType] | None = None  # read at the first install
        self._used: set[str] = set()
        self._new = 0  # compiled since the file was last written
        self._installed = 0
        self._lock = threading.Lock()

    def install(self) -> None:
        """dataclasses' ``exec`` is this cache's until the matching ``uninstall`` (nestable)."""
        with self._lock:
            if self._codes is None:
                self._codes = self._read()
            self._installed += 1
            vars(dataclasses)["exec"] = self.exec  # a module global shadows the builtin
            vars(collections)["eval"] = self.eval

    def uninstall(self) -> None:
        """The builtin ``exec`` back (at the last uninstall), and what was compiled written."""
        with self._lock:
            self._installed -= 1
            if self._installed == 0 and vars(dataclasses).get("exec") == self.exec:
                del vars(dataclasses)["exec"]
            if self._installed == 0 and vars(collections).get("eval") == self.eval:
                del vars(collections)["eval"]
            self._write()

    def release(self) -> None:
        """The start-up is over: the code read for it (~1.4 MB) is let go; an install reads
        the file again."""
        with self._lock:
            if self._installed == 0:
                self._codes = None
                self._used.clear()

    def exec(self, source: Any, globals_ns: Any = None, locals_ns: Any = None) -> None:
        """The builtin ``exec`` for dataclasses, with ``source`` compiled once for all starts."""
        codes = self._codes
        if not isinstance(source, str) or codes is None:
            exec(source, globals_ns, locals_ns)
            return
        code = codes.get(source)
        if code is None:
            # dont_inherit: compiled as dataclasses' own exec compiles, not with this module's
            # __future__ flags (annotations would become strings)
            code = codes[source] = compile(source, "<string>", "exec", dont_inherit=True)
            self._new += 1
        self._used.add(source)
        exec(code, globals_ns, locals_ns)

    def eval(self, source: Any, globals_ns: Any = None, locals_ns: Any = None) -> Any:
        """The builtin ``eval`` for ``collections.namedtuple``, with ``source`` compiled once."""
        codes = self._codes
        if not isinstance(source, str) or codes is None:
            return eval(source, globals_ns, locals_ns)
        key = EVAL_KEY + source
        code = codes.get(key)
        if code is None:
            code = codes[key] = compile(source, "<string>", "eval", dont_inherit=True)
            self._new += 1
        self._used.add(key)
        return eval(code, globals_ns, locals_ns)

    def _read(self) -> dict[str, CodeType]:
        return read_marshalled_dict(self.path, str, CodeType)

    def _write(self) -> None:
        if self.path is None or self._codes is None or not self._new or sys.dont_write_bytecode:
            return
        codes = dict(self._codes)  # a copy: another thread may be defining a class meanwhile
        if len(codes) > MAX_ENTRIES:
            codes = {source: codes[source] for source in self._used}
        self._new = 0
        write_like_bytecode(self.path, marshal.dumps(codes))  # not writable: compiled again


def read_marshalled_dict(path: Path | None, key_type: type[K], value_type: type[V]) -> dict[K, V]:
    """The dict of ``key_type`` to ``value_type`` marshalled in ``path``; empty when there is no
    path, no file, or one that is damaged or holds anything else (the work is then done again)."""
    if path is None:
        return {}
    try:
        loaded = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(loaded, dict) or not all(
        isinstance(key, key_type) and isinstance(value, value_type) for key, value in loaded.items()
    ):
        return {}
    return loaded


def write_like_bytecode(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as Python writes a ``.pyc``: not under
    ``PYTHONDONTWRITEBYTECODE``, atomically (a reader sees the old file or the new, never half
    of one; of two writers the last wins), and silently not where the folder cannot be written
    (a read-only install: the next start does the work again)."""
    if sys.dont_write_bytecode:
        return
    scratch = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch.write_bytes(data)
        os.replace(scratch, path)
    except OSError:
        with contextlib.suppress(OSError):
            scratch.unlink(missing_ok=True)


def _cache_path() -> Path | None:
    tag = sys.implementation.cache_tag  # None: this interpreter keeps no bytecode either
    return None if tag is None else Path(__file__).with_name("__pycache__") / f"dataclass-code.{tag}.marshal"


DATACLASS_CODE = DataclassCode(_cache_path())
