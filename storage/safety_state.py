"""``safety_state``: the one row that carries the safety state across restarts."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.db import Database


@dataclass(frozen=True, slots=True)
class StoredSafetyState:
    state: str
    reason: str
    changed_at: int  # epoch ms


class SafetyStateRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self) -> StoredSafetyState | None:
        row = await self.db.fetchone("SELECT state, reason, changed_at FROM safety_state WHERE id = 1")
        return None if row is None else StoredSafetyState(row["state"], row["reason"], row["changed_at"])

    @staticmethod
    async def compare_and_set(
        tx: aiosqlite.Connection, expected: str, state: str, reason: str,
        correlation_id: str | None, changed_at_ms: int,
    ) -> StoredSafetyState | None:
        """Write only if the row still holds ``expected``; otherwise write nothing and return
        the row as it is (another writer changed it). ``None`` means written."""
        cursor = await tx.execute(
            "UPDATE safety_state SET state = ?, reason = ?, correlation_id = ?, changed_at = ?"
            " WHERE id = 1 AND state = ?",
            (state, reason, correlation_id, changed_at_ms, expected),
        )
        if cursor.rowcount == 1:
            return None
        async with tx.execute("SELECT state, reason, changed_at FROM safety_state WHERE id = 1") as found:
            row = await found.fetchone()
        if row is None:
            return StoredSafetyState("NORMAL", "", 0)
        return StoredSafetyState(row["state"], row["reason"], row["changed_at"])

    @staticmethod
    async def put(
        tx: aiosqlite.Connection, state: str, reason: str, correlation_id: str | None, changed_at_ms: int
    ) -> None:
        """Write inside the caller's transaction, with the audit row of the transition."""
        await tx.execute(
            "UPDATE safety_state SET state = ?, reason = ?, correlation_id = ?, changed_at = ?"
            " WHERE id = 1",
            (state, reason, correlation_id, changed_at_ms),
        )
