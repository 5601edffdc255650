"""A wrapper that keeps credentials out of repr, str, logs and exception text."""

from __future__ import annotations

from typing import Final


class Secret:
    """Holds a credential. Only ``reveal()`` returns it; everything else prints a mask."""

    __slots__ = ("_value",)
    MASK: Final = "***"

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return f"Secret('{self.MASK}')" if self._value else "Secret('')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:  # never pickle the value
        return (Secret, ("",))
