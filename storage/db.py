"""The database: one aiosqlite connection, WAL, foreign keys, migrations, transactions.

Every sqlite error leaves this module as a coded ``StorageError`` (VALR-DB-…). A disk-full or
read-only fault is kept in ``Database.fault`` until a later write commits; a database file deleted,
replaced or corrupted while the app runs is a sticky fault (VALR-DB-004) found by ``verify()``,
which runs before every COMMIT and periodically from ``watch()``: no write is committed to a file
that is no longer the one the app opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from storage.instance_lock import InstanceLock
from valr_tui.errors import (
    SchemaTooNewError,
    StorageError,
    StorageFullError,
    StorageLostError,
    StorageReadOnlyError,
)
from valr_tui.money.decimal_gateway import DecimalGateway

MIGRATIONS_PACKAGE = "storage.migrations"
SQLITE_HEADER = b"SQLite format 3\x00"
# The identity check (stat + 16 bytes) is cheap; the integrity check reads every page, so it runs
# on every QUICK_CHECK_EVERY-th round of ``watch()`` only, and never takes more than
# QUICK_CHECK_SHARE of the time: a week of snapshots (~100 MiB) takes ~0.2 s of CPU a check, which
# every 30 s was ~0.6 % of a core at idle; such a database is checked every few minutes instead.
WATCH_INTERVAL_S = 2.0
QUICK_CHECK_EVERY = 15
QUICK_CHECK_SHARE = 0.001
# sqlite primary result codes (the low byte of ``sqlite_errorcode``).
_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_CORRUPT = 3, 8, 11
_SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 13, 14, 26


def storage_error(exc: sqlite3.Error | OSError | ValueError, doing: str) -> StorageError:
    """The coded error for a failed database operation (``doing`` says which)."""
    primary = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = f"{doing} failed: {exc}"
    if primary == _SQLITE_FULL or (isinstance(exc, OSError) and exc.errno == 28):
        return StorageFullError(f"{text} (free disk space; orders are refused until then)")
    if primary in (_SQLITE_READONLY, _SQLITE_PERM, _SQLITE_CANTOPEN):
        return StorageReadOnlyError(f"{text} (make the database writable; orders are refused)")
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return StorageLostError(f"{text}: the database file is corrupt or not a database")
    return StorageError(text)


def to_text(value: Decimal) -> str:
    """Canonical TEXT for an amount column."""
    return DecimalGateway.to_wire(DecimalGateway.validate_decimal(value))


def from_text(value: str) -> Decimal:
    """An amount column back as Decimal: computed results may carry the context's 60 digits."""
    return DecimalGateway.to_decimal(value, computed=True)


def split_statements(script: str) -> list[str]:
    """Split a migration into statements (so they run inside our own transaction:
    ``executescript`` would COMMIT first and make a failed migration half-applied)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        raise StorageError(f"unterminated SQL statement: {buffer.strip()[:60]!r}")
    return statements


def _quote(text: str) -> str:
    """A SQL string literal's body (migration names come from our own file names)."""
    return text.replace("'", "''")


def bundled_migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every ``NNN_name.sql`` shipped in ``storage/migrations``."""
    found = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise StorageError("two migrations share a number")
    return found


class Database:
    """Owns the connection. Writes go through ``transaction()``, which serialises them."""

    def __init__(self, conn: aiosqlite.Connection, path: str, lock: InstanceLock | None = None) -> None:
        self._conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self._tx_owner: asyncio.Task[Any] | None = None
        self._instance_lock = lock
        self.fault: StorageError | None = None  # the storage fault trading must stop for
        self._identity = _file_identity(path)

    def _failed(self, exc: sqlite3.Error | ValueError, doing: str) -> StorageError:
        error = storage_error(exc, doing)
        if type(error) is not StorageError and not (self.fault is not None and self.fault.sticky):
            self.fault = error  # disk full / read-only / corrupt: trading stops until it clears
        return error

    def _lost(self, problem: str) -> StorageLostError:
        error = StorageLostError(problem)
        if self.fault is None or not self.fault.sticky:
            self.fault = error
        return error

    def _identity_problem(self) -> str | None:
        """Why the file at ``path`` is no longer the database this connection opened, if it is not."""
        if self._identity is None:
            return None
        try:
            stat = os.stat(self.path)
            with open(self.path, "rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except FileNotFoundError:
            return f"the database file {self.path} was deleted while the app was running"
        except OSError as exc:
            return f"the database file {self.path} cannot be read: {exc.strerror}"
        if (stat.st_dev, stat.st_ino) != self._identity:
            return f"the database file {self.path} was replaced while the app was running"
        if header != SQLITE_HEADER:
            return f"the database file {self.path} was overwritten: it is no longer SQLite"
        return None

    async def verify(self, *, integrity: bool = False) -> None:
        """Raise (and keep in ``fault``) ``StorageLostError`` if the file was deleted, replaced or
        overwritten, or, with ``integrity``, if ``PRAGMA quick_check`` does not answer ok."""
        if self.fault is not None and self.fault.sticky:
            raise type(self.fault)(self.fault.message)
        problem = self._identity_problem()
        if problem is None and integrity:
            verdict = await self.integrity_check()
            if verdict != "ok":
                problem = f"the database failed its integrity check: {verdict[:120]}"
        if problem is not None:
            raise self._lost(problem)

    async def watch(
        self, on_change: Callable[[], None], interval_s: float = WATCH_INTERVAL_S
    ) -> None:
        """Check identity every ``interval_s`` (integrity every ``QUICK_CHECK_EVERY``-th time,
        and no sooner than a check's own duration / ``QUICK_CHECK_SHARE`` after the last one)
        and call ``on_change`` whenever ``fault`` appeared, changed or cleared. Runs until cancelled."""
        loop = asyncio.get_running_loop()
        shown: StorageError | None = None
        rounds = 0
        next_integrity_at = loop.time()
        while True:
            await asyncio.sleep(interval_s)
            rounds += 1
            integrity = rounds % QUICK_CHECK_EVERY == 0 and loop.time() >= next_integrity_at
            started = loop.time()
            with contextlib.suppress(StorageError):  # the fault is kept in self.fault
                await self.verify(integrity=integrity)
            if integrity:
                next_integrity_at = loop.time() + (loop.time() - started) / QUICK_CHECK_SHARE
            if self.fault is not shown:
                shown = self.fault
                on_change()

    @classmethod
    async def open(
        cls,
        path: str | Path,
        migrations: Sequence[tuple[int, str, str]] | None = None,
        *,
        exclusive: bool = True,
    ) -> Database:
        """Open (creating and migrating) the database. ``exclusive`` (the default for every
        writer) takes the instance lock first: a second instance is refused with VALR-DB-010."""
        path = str(path)
        conn: aiosqlite.Connection | None = None
        lock: InstanceLock | None = None
        try:
            # A URI (the read-only opener) names an existing file and writes nothing: no folder,
            # no lock (its text is not a path: mkdir would create "file:/..." under the cwd).
            if path != ":memory:" and not path.startswith("file:"):
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                if exclusive:
                    lock = InstanceLock.acquire(path)
            conn = await aiosqlite.connect(path, isolation_level=None)
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            # WAL + NORMAL: a committed transaction survives a process kill -9.
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA busy_timeout=5000")
        except (sqlite3.Error, OSError) as exc:
            if conn is not None:
                await conn.close()
            if lock is not None:
                lock.release()
            raise storage_error(exc, f"opening the database {path}") from None
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        db = cls(conn, path, lock)
        try:
            await db.migrate(bundled_migrations() if migrations is None else migrations)
        except BaseException:
            await db.close()  # aiosqlite's worker thread is not a daemon: a leak hangs exit
            raise
        return db

    async def close(self) -> None:
        try:
            with contextlib.suppress(sqlite3.Error):  # a lost file must not stop the shutdown
                await self._conn.close()
        finally:
            if self._instance_lock is not None:
                self._instance_lock.release()

    async def migrate(self, migrations: Iterable[tuple[int, str, str]]) -> list[str]:
        """Apply pending migrations in order, each in its own transaction; return their names.
        The list of applied versions is read under the write lock, and a database that has
        versions newer than any this app ships is refused (VALR-DB-011) before anything runs."""
        wanted = list(migrations)
        async with self.transaction() as tx:
            await tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL"
                " DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
            )
            async with tx.execute("SELECT version, name FROM schema_migrations") as cursor:
                applied = {row[0]: row[1] for row in await cursor.fetchall()}
        known = max((version for version, _, _ in wanted), default=0)
        newer = sorted(v for v in applied if v > known)
        if wanted and newer:
            raise SchemaTooNewError(
                f"database {self.path} has schema version {newer[-1]} ({applied[newer[-1]]});"
                f" this valr-tui knows up to {known}: upgrade valr-tui, or use another database",
                schema_version=newer[-1], known_version=known,
            )
        done = []
        for version, name, sql in wanted:
            if version in applied:
                continue
            await self._apply_migration(version, name, sql)
            done.append(name)
        return done

    async def _apply_migration(self, version: int, name: str, sql: str) -> None:
        """One migration as one script in one transaction, sent to SQLite in one call: statement
        by statement it cost a thread hop each, which a busy event loop (the dashboard's first
        layout) stretched from ~50 ms to over half a second on a fresh database."""
        statements = split_statements(sql)  # also refuses an unterminated statement up front
        record = f"INSERT INTO schema_migrations (version, name) VALUES ({int(version)}, '{_quote(name)}');"
        script = "\n".join(["BEGIN IMMEDIATE;", *statements, record, "COMMIT;"])
        async with self._write_lock:
            try:
                await self._conn.executescript(script)
            except sqlite3.Error as exc:
                await self._rollback_quietly()
                error = self._failed(exc, f"migration {name} (rolled back)")
                raise error from None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception. Writes are serialised."""
        async with self._write_lock:
            if self.fault is not None and self.fault.sticky:
                raise type(self.fault)(self.fault.message)  # nothing more goes to a lost file
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
            except (sqlite3.Error, ValueError) as exc:
                raise self._failed(exc, "starting a write") from None
            self._tx_owner = asyncio.current_task()
            try:
                yield self._conn
                problem = self._identity_problem()
                if problem is not None:  # a deleted file would take the commit and lose it
                    raise self._lost(problem)
                await self._conn.execute("COMMIT")
            except BaseException as exc:
                await self._rollback_quietly()
                if isinstance(exc, sqlite3.Error):
                    raise self._failed(exc, "a write (rolled back)") from None
                raise
            finally:
                self._tx_owner = None
            if self.fault is not None and not self.fault.sticky:
                self.fault = None  # a commit went through: the disk has room again

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for a read: at once inside our own transaction (we may read our own
        writes), otherwise after any other task's transaction has ended (one connection: SQLite
        would show another task's uncommitted rows)."""
        if self._tx_owner is not None and self._tx_owner is asyncio.current_task():
            yield self._conn
            return
        async with self._write_lock:
            yield self._conn

    async def _rollback_quietly(self) -> None:
        # sqlite may already have rolled back (SQLITE_FULL does): a second error would hide the first.
        with contextlib.suppress(sqlite3.Error, ValueError):
            if self._conn.in_transaction:
                await self._conn.execute("ROLLBACK")

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One write statement in its own transaction."""
        async with self.transaction() as tx:
            await tx.execute(sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """Every row of a query, in one trip to the worker thread (``execute_fetchall``: the
        cursor's execute, fetchall and close were a trip each, three loop wake-ups apiece)."""
        try:
            async with self._reading() as conn:
                return list(await conn.execute_fetchall(sql, params))
        except (sqlite3.Error, ValueError) as exc:
            raise self._failed(exc, "a read") from None

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a query (None if none), in one trip like ``fetchall``: for queries
        of one row (a key, an aggregate, LIMIT 1); every row is read."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def integrity_check(self) -> str:
        row = await self.fetchone("PRAGMA quick_check")
        return str(row[0]) if row else "no answer"


def _file_identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of the database file, or None for ``:memory:`` (nothing to lose)."""
    if path == ":memory:" or path.startswith("file:"):
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)
