"""``rag_documents``: one readable document per trade, for retrieval by a learning system."""

from __future__ import annotations

import aiosqlite


async def upsert_rag_document_in(
    tx: aiosqlite.Connection,
    *,
    doc_key: str,
    execution_mode: str,
    title: str,
    body: str,
    outcome_id: int | None,
    at_ms: int,
) -> None:
    """One document per trade; rewritten as the trade progresses (outcome_id set once closed)."""
    await tx.execute(
        "INSERT INTO rag_documents (doc_key, execution_mode, outcome_id, title, body, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (doc_key) DO UPDATE SET"
        " outcome_id = COALESCE(excluded.outcome_id, rag_documents.outcome_id),"
        " title = excluded.title, body = excluded.body, updated_at = excluded.updated_at"
        " WHERE rag_documents.body IS NOT excluded.body"
        " OR rag_documents.outcome_id IS NOT COALESCE(excluded.outcome_id, rag_documents.outcome_id)",
        (doc_key, execution_mode, outcome_id, title, body, at_ms),
    )
