"""Comparing JSON shapes: the simulator's answer against VALR's examples of the same request."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass
class Shape:
    """What VALR's examples of one request allow: for an object, every key seen (``allowed``),
    the keys every example has (``required``) and each key's shape; for an array, its items'."""

    types: set[str] = field(default_factory=set)
    allowed: dict[str, Shape] = field(default_factory=dict)
    required: set[str] | None = None
    items: Shape | None = None

    def learn(self, value: Any) -> None:
        kind = json_type(value)
        self.types.add(kind)
        if kind == "object":
            keys = set(value)
            self.required = keys if self.required is None else self.required & keys
            for key, item in value.items():
                self.allowed.setdefault(key, Shape()).learn(item)
        elif kind == "array":
            for item in value:
                self.items = self.items or Shape()
                self.items.learn(item)


def shape_of(examples: Iterable[Any]) -> Shape:
    shape = Shape()
    for example in examples:
        shape.learn(example)
    return shape


def differences(shape: Shape, value: Any, where: str = "$") -> list[str]:
    """Every way ``value`` departs from ``shape``: a key VALR never sends, a key every example
    has and the value lacks, a JSON type VALR does not use there."""
    kind = json_type(value)
    if kind not in shape.types:
        return [f"{where}: {kind}, VALR sends {sorted(shape.types)}"]
    found: list[str] = []
    if kind == "object":
        for key in sorted(set(value) - set(shape.allowed)):
            found.append(f"{where}.{key}: not in VALR's examples")
        for key in sorted((shape.required or set()) - set(value)):
            found.append(f"{where}.{key}: missing (every VALR example has it)")
        for key in sorted(set(value) & set(shape.allowed)):
            found += differences(shape.allowed[key], value[key], f"{where}.{key}")
    elif kind == "array" and shape.items is not None:
        for index, item in enumerate(value):
            found += differences(shape.items, item, f"{where}[{index}]")
    return found


def parse(text: str) -> Any:
    return json.loads(text)
