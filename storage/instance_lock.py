"""One writer per database: an exclusive lock held for as long as the database is open.

Two processes writing one SQLite file each keep their own picture of the paper wallet, the safety
state and the open orders, and overwrite each other's truth (a wallet funded twice, a LOCKDOWN
undone by the other process). So the first instance takes an OS lock (``flock``) on a file next to
the database and keeps it until it closes; a second instance is refused with ``DatabaseInUseError``
naming the holder. The OS drops the lock when the holder dies, even on ``kill -9``: a stale lock
file never blocks a restart.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

from valr_tui.errors import DatabaseInUseError, StorageError

LOCK_SUFFIX = ".lock"


def lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}{LOCK_SUFFIX}")


class InstanceLock:
    """The held lock; ``release()`` (or process exit) lets the next instance in."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, db_path: str | Path, purpose: str = "valr-tui") -> InstanceLock:
        path = lock_path(db_path)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StorageError(f"cannot create the instance lock {path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe_holder(fd)
            os.close(fd)
            raise DatabaseInUseError(
                f"database {db_path} is in use by {holder}; stop that instance first"
                " (or point VALR_DB_PATH at another file)",
                lock_file=str(path),
            ) from None
        except OSError as exc:
            os.close(fd)
            raise StorageError(f"cannot lock {path}: {exc.strerror}") from None
        holder_info = {
            "pid": os.getpid(), "host": socket.gethostname(), "purpose": purpose,
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder_info).encode("utf-8"), 0)
        return cls(path, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # no stale holder named after we leave
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _describe_holder(fd: int) -> str:
    """'pid 1234 on host (valr-tui, since ...)' from the lock file, or a neutral phrase."""
    try:
        raw = os.pread(fd, 4096, 0)
        info = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict) or "pid" not in info:
        return "another process"
    return (
        f"pid {info.get('pid')} on {info.get('host', '?')}"
        f" ({info.get('purpose', 'valr-tui')}, since {info.get('since', '?')})"
    )
