"""The ``commands`` table: what became of an `aigc cmd` answer (shellcmd/record.py's rows).

One row per answer message: the command as finally chosen, the shell,
whether it ran and its exit status. ``ran`` only ever goes from 0 to 1, so a
late "shown" write cannot undo a "ran" one.
"""

from __future__ import annotations

import sqlite3
import time
from typing import TYPE_CHECKING

from aigc_cli.store.guard import guarded

if TYPE_CHECKING:
    from aigc_cli.store.db import Store


def _last_answer(db: sqlite3.Connection, conversation_id: str) -> int | None:
    row = db.execute(
        "SELECT id FROM messages WHERE conversation_id = ? AND role = 'assistant' ORDER BY id DESC LIMIT 1",
        (conversation_id,),
    ).fetchone()
    return int(row[0]) if row else None


@guarded
def save(store: "Store", conversation_id: str, command: str, shell: str, ran: bool, exit_status: int | None) -> None:
    """Record the command of the conversation's last answer (nothing if it has none)."""
    with store.transaction() as db:
        mid = _last_answer(db, conversation_id)
        if mid is None:
            return
        db.execute(
            "INSERT INTO commands(message_id, command, shell, ran, exit_status, updated)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(message_id) DO UPDATE SET"
            " command = excluded.command, shell = excluded.shell, ran = max(ran, excluded.ran),"
            " exit_status = excluded.exit_status, updated = excluded.updated",
            (mid, command, shell, int(ran), exit_status, time.time()),
        )


@guarded
def of_last_answer(store: "Store", conversation_id: str) -> tuple[str, str, bool, int | None] | None:
    """(command, shell, ran, exit status) recorded for the conversation's last answer, if any."""
    mid = _last_answer(store.conn, conversation_id)
    row = store.conn.execute(
        "SELECT command, shell, ran, exit_status FROM commands WHERE message_id = ?", (mid,)
    ).fetchone()
    return (str(row[0]), str(row[1]), bool(row[2]), row[3]) if row else None
