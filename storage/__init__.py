"""SQLite storage (aiosqlite): numbered SQL migrations and small repository classes.

Amounts go in and come out as ``Decimal`` and are stored as canonical TEXT. No Textual, no httpx.
"""

from storage.db import Database, to_text

__all__ = ["Database", "to_text"]
