"""Writing imported conversations: the SQL behind ``Store.import_conversations``.

Apart from ``store.db`` so that module stays small, and apart from
``store.importing`` (which reads files and needs the exporters) so the store
never imports its readers: the dependency runs readers -> rows <- writer.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable

from aigc_cli.store.rows import Imported, ImportedMessage


def _already(db: sqlite3.Connection, item: Imported) -> bool:
    """Imported before (same source) or already here (same id): importing again adds nothing."""
    if (
        item.source is not None
        and db.execute("SELECT 1 FROM conversations WHERE source = ?", (item.source,)).fetchone()
    ):
        return True
    return item.id is not None and bool(db.execute("SELECT 1 FROM conversations WHERE id = ?", (item.id,)).fetchone())


def write_imported(db: sqlite3.Connection, items: Iterable[Imported]) -> tuple[list[Imported], int]:
    """Insert the conversations not stored yet; the caller holds the transaction.

    Returns the conversations added and how many were skipped.
    """
    added: list[Imported] = []
    skipped = 0
    for item in items:
        if _already(db, item):
            skipped += 1
            continue
        cid = item.id or os.urandom(6).hex()
        db.execute(
            "INSERT INTO conversations(id, title, created, updated, backend, model, recipe, system, source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                cid,
                item.title,
                item.created,
                item.updated,
                item.backend,
                item.model,
                item.recipe,
                item.system,
                item.source,
            ),
        )
        for m in (ImportedMessage(*m) for m in item.messages):
            _write_message(db, cid, m)
        if item.summary is not None:
            db.execute(
                "INSERT INTO summaries(conversation_id, text, covered, model, updated) VALUES (?, ?, ?, ?, ?)",
                (cid, *item.summary),
            )
        added.append(item)
    return added, skipped


def _write_message(db: sqlite3.Connection, cid: str, m: ImportedMessage) -> None:
    """One message, with what hangs off it: its command record, tool calls and attachments."""
    mid = db.execute(
        "INSERT INTO messages(conversation_id, role, content, created, status, model,"
        " prompt_tokens, completion_tokens, cost) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (cid, *m[:8]),
    ).lastrowid
    if m.command is not None:
        db.execute(
            "INSERT INTO commands(message_id, command, shell, ran, exit_status, updated) VALUES (?, ?, ?, ?, ?, ?)",
            (
                mid,
                m.command.command,
                m.command.shell,
                int(m.command.ran),
                m.command.exit_status,
                m.command.updated,
            ),
        )
    if m.tool_calls:
        from aigc_cli.store.toolcalls import insert_rows

        insert_rows(db, int(mid or 0), m.tool_calls)
    if m.attachments:
        from aigc_cli.store.attachments import write

        write(db, int(mid or 0), m.attachments)
