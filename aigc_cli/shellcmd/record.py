"""What became of a generated command, kept with its turn in the history store.

The turn itself (request and answer) is stored by ``session.run_turn`` like
any other; this adds one row in ``commands`` keyed by the answer's message:
the command as finally chosen (after ``m`` edits), the shell, whether it ran
and its exit status. It is written when the command is shown, again just
before it runs and once more when it exits, so an aigc killed while the
command runs still says that it ran.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandRecord:
    """The command an `aigc cmd` turn settled on, and whether and how it ran."""

    command: str
    shell: str
    ran: bool
    exit_status: int | None

    def to_json(self) -> dict[str, object]:
        return {"command": self.command, "shell": self.shell, "ran": self.ran, "exit_status": self.exit_status}

    def to_markdown(self) -> str:
        """A section for `history show`, after the conversation's messages."""
        if not self.ran:
            outcome = "not run"
        elif self.exit_status is None:
            outcome = "run (no exit status recorded)"
        else:
            outcome = f"run, exit status {self.exit_status}"
        return f"\n## Command ({outcome})\n\n```{self.shell}\n{self.command}\n```\n"


def remember(
    conversation_id: str | None, command: str, shell: str, *, ran: bool = False, exit_status: int | None = None
) -> None:
    """Record the command of the conversation's last answer (nothing when the turn was not stored)."""
    if conversation_id is None:
        return
    from aigc_cli.store.db import Store

    store = Store.open(create=False)
    if store is None:
        return
    with store:
        try:
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
        except sqlite3.DatabaseError as exc:
            raise store.error(exc) from None


def lookup(conversation_id: str) -> CommandRecord | None:
    """The command recorded for the conversation's last answer, if any."""
    from aigc_cli.store.db import Store

    store = Store.open(create=False)
    if store is None:
        return None
    with store:
        try:
            mid = _last_answer(store.conn, conversation_id)
            row = store.conn.execute(
                "SELECT command, shell, ran, exit_status FROM commands WHERE message_id = ?", (mid,)
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            raise store.error(exc) from None
    return CommandRecord(row[0], row[1], bool(row[2]), row[3]) if row else None


def _last_answer(db: sqlite3.Connection, conversation_id: str) -> int | None:
    row = db.execute(
        "SELECT id FROM messages WHERE conversation_id = ? AND role = 'assistant' ORDER BY id DESC LIMIT 1",
        (conversation_id,),
    ).fetchone()
    return int(row[0]) if row else None
