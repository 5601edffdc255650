"""``paper_wallet`` and ``paper_wallet_funding``: the DRY_RUN wallet, written in the caller's
transaction together with the fill or order that moves it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import aiosqlite

from storage.db import Database, from_text, to_text


@dataclass(frozen=True, slots=True)
class WalletRow:
    currency: str
    total: Decimal
    reserved: Decimal

    @property
    def available(self) -> Decimal:
        return self.total - self.reserved


class PaperWalletRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def rows(self) -> dict[str, WalletRow]:
        rows = await self.db.fetchall("SELECT currency, total, reserved FROM paper_wallet")
        return {
            r["currency"]: WalletRow(r["currency"], from_text(r["total"]), from_text(r["reserved"]))
            for r in rows
        }

    async def totals(self) -> dict[str, Decimal]:
        """The wallet's total per currency as stored (DRY_RUN's "exchange" for reconciliation)."""
        rows = await self.db.fetchall("SELECT currency, total FROM paper_wallet")
        return {r["currency"]: from_text(r["total"]) for r in rows}

    async def shift_total(self, currency: str, delta: Decimal) -> bool:
        """Move ``delta`` into (or out of) one currency's total, nothing else: the demo's drift
        fault, which reconciliation must catch. False when the wallet has no such row."""
        async with self.db.transaction() as tx:
            async with tx.execute("SELECT total FROM paper_wallet WHERE currency = ?", (currency,)) as cur:
                row = await cur.fetchone()
            if row is None:
                return False
            await tx.execute(
                "UPDATE paper_wallet SET total = ? WHERE currency = ?",
                (to_text(from_text(row["total"]) + delta), currency),
            )
        return True

    async def is_funded(self) -> bool:
        row = await self.db.fetchone("SELECT 1 FROM paper_wallet_funding LIMIT 1")
        return row is not None

    @staticmethod
    async def fund(
        tx: aiosqlite.Connection, currency: str, amount: Decimal, reason: str, at_ms: int
    ) -> None:
        await tx.execute(
            "INSERT INTO paper_wallet_funding (currency, amount, reason, created_at) VALUES (?, ?, ?, ?)",
            (currency, to_text(amount), reason, at_ms),
        )

    @staticmethod
    async def is_funded_in(tx: aiosqlite.Connection) -> bool:
        async with tx.execute("SELECT 1 FROM paper_wallet_funding LIMIT 1") as cursor:
            return await cursor.fetchone() is not None

    @staticmethod
    async def adjust(
        tx: aiosqlite.Connection,
        currency: str,
        at_ms: int,
        *,
        total: Decimal = Decimal(0),
        reserved: Decimal = Decimal(0),
    ) -> WalletRow:
        """Move one currency's row by deltas, read and written inside the caller's transaction
        (BEGIN IMMEDIATE holds the write lock, so no other writer interleaves). Never an absolute
        figure from memory: a change made behind the app's back stays as evidence."""
        async with tx.execute(
            "SELECT total, reserved FROM paper_wallet WHERE currency = ?", (currency,)
        ) as cursor:
            row = await cursor.fetchone()
        before = (
            WalletRow(currency, from_text(row["total"]), from_text(row["reserved"]))
            if row is not None else WalletRow(currency, Decimal(0), Decimal(0))
        )
        after = WalletRow(currency, before.total + total, before.reserved + reserved)
        await tx.execute(
            "INSERT INTO paper_wallet (currency, total, reserved, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (currency) DO UPDATE SET total = excluded.total,"
            " reserved = excluded.reserved, updated_at = excluded.updated_at",
            (currency, to_text(after.total), to_text(after.reserved), at_ms),
        )
        return after
