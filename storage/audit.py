"""``institutional_audit``: append-only log of everything that matters, by correlation id."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import aiosqlite

from storage.db import Database
from valr_tui.errors import AmbiguousCorrelationIdError, OrderNotFoundError
from valr_tui.logging_setup import redact

Severity = Literal["INFO", "WARNING", "CRITICAL"]


def _json_default(o: object) -> str:
    if isinstance(o, Decimal):
        return str(o)  # amounts inside details stay exact strings
    return repr(o)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    occurred_at: int  # epoch ms
    event_type: str
    severity: str
    correlation_id: str | None
    execution_mode: str | None
    state_before: str | None
    state_after: str | None
    message: str
    details: dict[str, Any]

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> AuditEntry:
        return cls(
            id=row["id"],
            occurred_at=row["occurred_at"],
            event_type=row["event_type"],
            severity=row["severity"],
            correlation_id=row["correlation_id"],
            execution_mode=row["execution_mode"],
            state_before=row["state_before"],
            state_after=row["state_after"],
            message=row["message"],
            details=json.loads(row["details"]),
        )


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    async def insert(
        tx: aiosqlite.Connection,
        occurred_at_ms: int,
        event_type: str,
        message: str,
        *,
        severity: Severity = "INFO",
        correlation_id: str | None = None,
        execution_mode: str | None = None,
        state_before: str | None = None,
        state_after: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> int:
        """Write inside a caller's transaction, so the audit row and the change it describes
        commit together or not at all."""
        cursor = await tx.execute(
            "INSERT INTO institutional_audit (occurred_at, event_type, severity, correlation_id,"
            " execution_mode, state_before, state_after, message, details)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                occurred_at_ms,
                event_type,
                severity,
                correlation_id,
                execution_mode,
                state_before,
                state_after,
                redact(message),  # the database is a file too: no credential reaches it
                redact(json.dumps(details or {}, default=_json_default, sort_keys=True)),
            ),
        )
        return int(cursor.lastrowid or 0)

    async def record(self, occurred_at_ms: int, event_type: str, message: str, **kw: Any) -> int:
        """Write one audit row in its own transaction."""
        async with self.db.transaction() as tx:
            return await self.insert(tx, occurred_at_ms, event_type, message, **kw)

    async def query(
        self,
        *,
        correlation_id: str | None = None,
        event_types: tuple[str, ...] | None = None,
        limit: int = 200,
        newest_first: bool = True,
    ) -> list[AuditEntry]:
        where, params = [], []
        if correlation_id:
            where.append("correlation_id = ?")
            params.append(correlation_id)
        if event_types:
            where.append(f"event_type IN ({','.join('?' * len(event_types))})")
            params.extend(event_types)
        sql = "SELECT * FROM institutional_audit"
        if where:
            sql += " WHERE " + " AND ".join(where)
        order = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY occurred_at {order}, id {order} LIMIT ?"
        rows = await self.db.fetchall(sql, (*params, limit))
        return [AuditEntry.from_row(r) for r in rows]

    async def for_correlation(self, correlation_id: str) -> list[AuditEntry]:
        """Every audit row carrying ``correlation_id``, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM institutional_audit WHERE correlation_id = ? ORDER BY occurred_at, id",
            (correlation_id,),
        )
        return [AuditEntry.from_row(r) for r in rows]

    async def reconciliations_naming(self, correlation_id: str) -> list[AuditEntry]:
        """Reconciliation runs (under another correlation id) that list ``correlation_id`` among
        the open orders they saw (``details.correlation_ids``), oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM institutional_audit WHERE event_type = 'RECONCILIATION'"
            " AND (correlation_id IS NULL OR correlation_id != ?) AND json_valid(details) AND EXISTS"
            " (SELECT 1 FROM json_each(institutional_audit.details, '$.correlation_ids') WHERE value = ?)"
            " ORDER BY occurred_at, id",
            (correlation_id, correlation_id),
        )
        return [AuditEntry.from_row(r) for r in rows]


# Every table a correlation id is written to; a prefix is looked up in all of them.
_CORRELATION_TABLES = ("trading_orders", "order_fills", "institutional_audit")
_GLOB_SPECIAL = frozenset("*?[")


async def resolve_correlation_id(db: Database, text: str) -> str:
    """The full correlation id that ``text`` names: itself when stored, else the one stored id
    it is a prefix of (ids are shown shortened, as git shows hashes). ``OrderNotFoundError``
    when none starts with it, ``AmbiguousCorrelationIdError`` with the count when several do."""
    # GLOB is case-sensitive like the ids, and SQLite runs a literal GLOB prefix on each table's
    # index; its wildcards are escaped (each in brackets), and LIKE's % and _ mean nothing to it.
    pattern = "".join(f"[{ch}]" if ch in _GLOB_SPECIAL else ch for ch in text) + "*"
    union = " UNION ".join(
        f"SELECT correlation_id AS cid FROM {table} WHERE correlation_id GLOB ?"
        for table in _CORRELATION_TABLES
    )
    row = await db.fetchone(
        f"SELECT COUNT(*) AS n, MIN(cid) AS first, COALESCE(MAX(cid = ?), 0) AS exact FROM ({union})",
        (text, *[pattern] * len(_CORRELATION_TABLES)),
    )
    count = 0 if row is None else int(row["n"])
    if row is not None and (row["exact"] or count == 1):
        return text if row["exact"] else str(row["first"])
    if count == 0:
        raise OrderNotFoundError(
            f"no order, audit row or fill has a correlation id starting with {text!r}", correlation_id=text
        )
    raise AmbiguousCorrelationIdError(
        f"{count} correlation ids start with {text!r}: give more of it", count=count, correlation_id=text
    )
