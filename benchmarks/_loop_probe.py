"""Who wakes the event loop: every callback the asyncio loop runs, counted by origin.

``LoopProbe`` wraps ``asyncio.events.Handle._run`` (the pure-Python handle every ``call_soon``,
``call_later`` and thread-safe wake-up goes through; the C tasks and futures schedule theirs
there too) while it is installed, and counts, per origin, how many callbacks ran and the time
they took. The origin of a callback:

- a task step or wake-up: the deepest frame of the task's await chain outside ``asyncio`` (what
  the task was waiting in: ``MarketDataClient._stream_loop`` for its ``sleep(0)``,
  ``Connection._execute`` for an aiosqlite call), and as its owner the deepest frame of the
  project (``valr_tui``, ``storage``, ``benchmarks``) in that chain, after the task's name;
- an ``asyncio.sleep`` timer: ``asyncio.sleep`` and, as owner, the task it wakes;
- anything else (a thread's ``call_soon_threadsafe``, a protocol callback, a timer): the
  callback's ``module.qualname``.

Used by ``_dashboard_idle --handles`` and ``_engine_idle --handles``.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from types import CodeType, CoroutineType, FrameType, GeneratorType
from typing import Any

PROJECT_PREFIXES = ("valr_tui", "storage", "benchmarks")
_MAX_DEPTH = 64
_HANDLE: Any = asyncio.Handle  # its private ``_run`` is replaced while a probe is installed


def _frame_label(frame: FrameType) -> tuple[str, str]:
    code: CodeType = frame.f_code
    module = str(frame.f_globals.get("__name__", "?"))
    return module, code.co_qualname


def _await_chain(task: asyncio.Task[Any]) -> list[tuple[str, str]]:
    """(module, qualname) of each frame the task is suspended in, outermost first."""
    chain: list[tuple[str, str]] = []
    awaited: Any = task.get_coro()
    for _ in range(_MAX_DEPTH):
        if isinstance(awaited, CoroutineType):
            frame, awaited = awaited.cr_frame, awaited.cr_await
        elif isinstance(awaited, GeneratorType):
            frame, awaited = awaited.gi_frame, awaited.gi_yieldfrom
        else:
            frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "ag_frame", None)
            awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "ag_await", None)
        if frame is None:
            break
        chain.append(_frame_label(frame))
        if awaited is None:
            break
    return chain


def _task_origin(task: asyncio.Task[Any]) -> tuple[str, str]:
    """(origin, owner) of a task's step: see the module docstring."""
    chain = _await_chain(task)
    outside = [label for label in chain if not label[0].startswith("asyncio")]
    origin = f"{outside[-1][0]}.{outside[-1][1]}" if outside else f"task {task.get_name()}"
    ours = [label for label in chain if label[0].startswith(PROJECT_PREFIXES)]
    owner = f"{task.get_name()}: {ours[-1][0]}.{ours[-1][1]}" if ours else f"task {task.get_name()}"
    return origin, owner


def _waiting_task(future: Any) -> asyncio.Task[Any] | None:
    """The task a future's done-callbacks would wake, if one (C futures expose ``_callbacks``)."""
    for entry in getattr(future, "_callbacks", None) or ():
        callback = entry[0] if isinstance(entry, tuple) else entry
        owner = getattr(callback, "__self__", None)
        if isinstance(owner, asyncio.Task):
            return owner
    return None


def _callable_label(callback: Callable[..., Any]) -> str:
    module = getattr(callback, "__module__", None) or type(callback).__module__
    name = getattr(callback, "__qualname__", None) or type(callback).__qualname__
    return f"{module}.{name}"


def classify(handle: asyncio.Handle) -> tuple[str, str]:
    """(origin, owner) of the callback ``handle`` is about to run."""
    callback: Any = handle._callback  # type: ignore[attr-defined]
    args: Sequence[Any] = handle._args or ()
    target = getattr(callback, "__self__", None)
    if isinstance(target, asyncio.Task):
        return _task_origin(target)
    name = getattr(callback, "__name__", "")
    if name == "_set_result_unless_cancelled" and args:
        task = _waiting_task(args[0])
        return "asyncio.sleep", _task_origin(task)[1] if task is not None else "asyncio.sleep"
    if name == "_release_waiter" and args:  # asyncio.wait_for / wait timeouts
        task = _waiting_task(args[0])
        return "asyncio.wait timeout", _task_origin(task)[1] if task is not None else "asyncio.wait"
    label = _callable_label(callback)
    return label, label


class LoopProbe:
    """Counts every loop callback by origin while installed (``with LoopProbe() as probe``)."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self.owners: dict[str, int] = defaultdict(int)
        self.total = 0
        self._original: Callable[[asyncio.Handle], None] = _HANDLE._run
        self._started = 0.0
        self.wall = 0.0

    def __enter__(self) -> LoopProbe:
        original = self._original
        probe = self

        def counted(handle: asyncio.Handle) -> None:
            if handle._cancelled:
                original(handle)
                return
            origin, owner = classify(handle)
            started = time.perf_counter()
            try:
                original(handle)
            finally:
                probe.seconds[origin] += time.perf_counter() - started
                probe.calls[origin] += 1
                probe.owners[owner] += 1
                probe.total += 1

        _HANDLE._run = counted
        self._started = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.wall = time.perf_counter() - self._started
        _HANDLE._run = self._original

    def report(self, top: int = 20) -> list[str]:
        """Lines for a terminal: callbacks a second in all, then by origin and by owner."""
        wall = self.wall or (time.perf_counter() - self._started)
        lines = [f"  loop callbacks: {self.total / wall:.1f}/s"]
        lines.append("  by origin (what the callback resumed): per s, ms per s")
        for origin in sorted(self.calls, key=self.calls.__getitem__, reverse=True)[:top]:
            lines.append(f"    {self.calls[origin] / wall:6.2f} {1000 * self.seconds[origin] / wall:7.2f}"
                         f"  {origin}")
        lines.append("  by owner (the project function, or task, it ran for): per s")
        for owner in sorted(self.owners, key=self.owners.__getitem__, reverse=True)[:top]:
            lines.append(f"    {self.owners[owner] / wall:6.2f}  {owner}")
        return lines
