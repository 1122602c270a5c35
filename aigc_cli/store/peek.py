"""Read-only glances at the store for shell completion: never creates, migrates or waits.

Completion runs on every Tab press, so it opens the file read-only with a
short timeout and gives up quietly (no rows) when the store is absent, busy
or unreadable: a completion menu must never print an error.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from aigc_cli import paths


def _rows(sql: str) -> list[tuple[Any, ...]]:
    path = paths.store_file()
    if not path.exists():
        return []
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error:
        return []
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()


def used_models() -> list[str]:
    """Models named in stored conversations."""
    return [str(m) for (m,) in _rows("SELECT DISTINCT model FROM conversations WHERE model IS NOT NULL")]


def recent_conversations(limit: int = 50) -> list[tuple[str, str]]:
    """The newest conversations' (id, title)."""
    sql = f"SELECT id, title FROM conversations ORDER BY updated DESC LIMIT {int(limit)}"
    return [(str(cid), str(title or "")) for cid, title in _rows(sql)]
