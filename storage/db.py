"""The database: one aiosqlite connection, WAL, foreign keys, migrations, transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from storage.instance_lock import InstanceLock
from valr_tui.errors import SchemaTooNewError, StorageError
from valr_tui.exchange.decimal_gateway import DecimalGateway

MIGRATIONS_PACKAGE = "storage.migrations"


def to_text(value: Decimal) -> str:
    """Canonical TEXT for an amount column."""
    return DecimalGateway.to_wire(DecimalGateway.validate_decimal(value))


def from_text(value: str) -> Decimal:
    return DecimalGateway.to_decimal(value)


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
    """Owns the connection. Writes go through ``transaction()``, which serialises them; a read
    from another task waits for the open transaction to end, so it never sees uncommitted rows
    (there is one connection, and SQLite shows a connection its own uncommitted writes)."""

    def __init__(self, conn: aiosqlite.Connection, path: str, lock: InstanceLock | None = None) -> None:
        self._conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self._tx_owner: asyncio.Task[Any] | None = None
        self._instance_lock = lock

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
        if path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"cannot open database {path}: {exc}") from None
            if exclusive:
                lock = InstanceLock.acquire(path)
        try:
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
            raise StorageError(f"cannot open database {path}: {exc}") from None
        db = cls(conn, path, lock)
        try:
            await db.migrate(bundled_migrations() if migrations is None else migrations)
        except BaseException:
            await db.close()  # aiosqlite's worker thread is not a daemon: a leak hangs exit
            raise
        return db

    async def close(self) -> None:
        try:
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
                if self._conn.in_transaction:
                    await self._conn.execute("ROLLBACK")
                raise StorageError(f"migration {name} failed and was rolled back: {exc}") from None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception. Writes are serialised."""
        async with self._write_lock:
            self._tx_owner = asyncio.current_task()
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
                else:
                    await self._conn.execute("COMMIT")
            finally:
                self._tx_owner = None

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for a read: at once inside our own transaction (we may read our own
        writes), otherwise after any other task's transaction has ended."""
        if self._tx_owner is not None and self._tx_owner is asyncio.current_task():
            yield self._conn
            return
        async with self._write_lock:
            yield self._conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One write statement in its own transaction."""
        async with self.transaction() as tx:
            await tx.execute(sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self._reading() as conn, conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self._reading() as conn, conn.execute(sql, params) as cursor:
            row: aiosqlite.Row | None = await cursor.fetchone()
            return row

    async def integrity_check(self) -> str:
        row = await self.fetchone("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"
