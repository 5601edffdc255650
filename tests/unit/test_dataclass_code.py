"""Dataclass methods compiled once for all starts: the same classes, compiled only when new."""

from __future__ import annotations

import collections
import dataclasses
import gc
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import valr_tui.dataclass_code as dataclass_code
import valr_tui.heap as heap
from valr_tui.dataclass_code import DataclassCode


def define() -> type[Any]:
    """A class as the models define theirs (frozen, slots, defaults)."""

    @dataclasses.dataclass(frozen=True, slots=True)
    class Level:
        price: Decimal
        quantity: Decimal = Decimal(0)
        tags: tuple[str, ...] = dataclasses.field(default=())

    return Level


@pytest.fixture(autouse=True)
def writes_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    """As an installed program runs (the test run may say PYTHONDONTWRITEBYTECODE)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The sources the cache compiles (the builtin ``compile``, counted)."""
    sources: list[str] = []
    builtin: Callable[..., Any] = compile

    def counting(source: str, *args: Any, **kwargs: Any) -> Any:
        sources.append(source)
        return builtin(source, *args, **kwargs)

    monkeypatch.setattr(dataclass_code, "compile", counting, raising=False)
    yield sources


def define_with(cache: DataclassCode) -> type[Any]:
    cache.install()
    try:
        return define()
    finally:
        cache.uninstall()


def test_a_second_start_compiles_nothing_and_gets_the_same_class(tmp_path: Path, compiled: list[str]) -> None:
    path = tmp_path / "dataclass-code.marshal"
    first = define_with(DataclassCode(path))
    written = len(compiled)
    assert written >= 5 and path.exists()  # __init__, __repr__, __eq__, __hash__, __setattr__, ...

    cached = define_with(DataclassCode(path))  # the next start reads the file
    plain = define()

    assert len(compiled) == written  # nothing compiled again
    for cls in (first, cached):
        level = cls(Decimal("1.5"))
        assert level == cls(Decimal("1.5")) and hash(level) == hash(cls(Decimal("1.5")))
        assert level != cls(Decimal("2"))
        assert repr(level) == repr(plain(Decimal("1.5"))) == (
            "define.<locals>.Level(price=Decimal('1.5'), quantity=Decimal('0'), tags=())")
        with pytest.raises(dataclasses.FrozenInstanceError):
            level.price = Decimal(3)  # type: ignore[misc]
        # compiled as dataclasses compiles (no __future__ annotations: the types, not strings)
        assert cls.__init__.__annotations__ == plain.__init__.__annotations__
        assert cls.__match_args__ == plain.__match_args__ and cls.__slots__ == plain.__slots__


def test_the_builtin_exec_is_back_once_the_last_install_ends(tmp_path: Path) -> None:
    cache = DataclassCode(tmp_path / "code.marshal")
    cache.install()
    cache.install()
    cache.uninstall()
    assert vars(dataclasses)["exec"] == cache.exec
    cache.uninstall()
    assert "exec" not in vars(dataclasses)


def test_a_file_that_cannot_be_read_is_ignored_and_written_afresh(
    tmp_path: Path, compiled: list[str]
) -> None:
    path = tmp_path / "code.marshal"
    path.write_bytes(b"not marshal data")
    cls = define_with(DataclassCode(path))
    assert cls(Decimal(1)).price == Decimal(1) and compiled
    compiled.clear()
    define_with(DataclassCode(path))
    assert not compiled


def test_nothing_is_written_without_bytecode_nor_where_it_cannot_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    define_with(DataclassCode(tmp_path / "code.marshal"))
    assert not (tmp_path / "code.marshal").exists()

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    define_with(DataclassCode(blocker / "code.marshal"))  # its folder is a file: no error
    assert list(tmp_path.iterdir()) == [blocker]


def test_the_start_up_heap_uses_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiled: list[str]
) -> None:
    monkeypatch.setattr(heap, "DATACLASS_CODE", DataclassCode(tmp_path / "code.marshal"))
    try:
        with heap.start_up_heap():
            define()
    finally:
        gc.unfreeze()
    assert compiled and (tmp_path / "code.marshal").exists()
    assert "exec" not in vars(dataclasses)


def test_released_after_the_start_up_and_read_again_by_the_next_install(
    tmp_path: Path, compiled: list[str]
) -> None:
    path = tmp_path / "code.marshal"
    cache = DataclassCode(path)
    define_with(cache)
    compiled.clear()
    define_with(cache)
    assert not compiled  # kept in memory between installs of one start-up

    cache.release()
    path.unlink()  # after the release only the file holds the code: gone, it compiles again
    define_with(cache)
    assert compiled


def test_a_namedtuple_s_new_is_compiled_once_for_all_starts(tmp_path: Path, compiled: list[str]) -> None:
    path = tmp_path / "code.marshal"

    def define_point(cache: DataclassCode) -> type[Any]:
        cache.install()
        try:
            return collections.namedtuple("Point", ["x", "y", "z"], defaults=[0])
        finally:
            cache.uninstall()

    first = define_point(DataclassCode(path))
    assert [source for source in compiled if "_tuple_new" in source] == [
        "lambda _cls, x, y, z: _tuple_new(_cls, (x, y, z))"]
    compiled.clear()
    again = define_point(DataclassCode(path))  # the next start reads the file
    assert compiled == []
    plain = collections.namedtuple("Point", ["x", "y", "z"], defaults=[0])
    for cls in (first, again):
        point = cls(1, 2)
        assert point == plain(1, 2) == (1, 2, 0) and repr(point) == "Point(x=1, y=2, z=0)"
        assert cls._make([3, 4, 5]).z == 5 and cls.__new__.__defaults__ == (0,)
    assert "eval" not in vars(collections)
