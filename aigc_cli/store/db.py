"""The conversation store: every turn of every command, in local SQLite.

This is the user's data, so the store is built not to lose or damage it:

* WAL mode, ``synchronous=FULL``, foreign keys on, a generous busy timeout and
  short ``BEGIN IMMEDIATE`` write transactions, so several ``aigc`` processes
  at once never lose a write and a SIGKILL never leaves a half-written turn;
* a file that is not a database, is damaged, unreadable or from a newer aigc
  raises ``StoreError`` and is never rewritten, moved or deleted;
* only roles, text, model names and token counts are stored, never settings,
  so API keys cannot reach it.

The rows it returns are in ``store_rows``.
"""

from __future__ import annotations

import builtins  # Store.list (a method) shadows the builtin in annotations inside the class
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from aigc_cli import paths
from aigc_cli.errors import StoreError, UsageError
from aigc_cli.store.rows import (  # noqa: F401 - re-exported: the store's API
    Conversation,
    Imported,
    StoredMessage,
    context_messages,
    title_from,
)
from aigc_cli.store import faults
from aigc_cli.store.guard import guarded
from aigc_cli.store.schema import migrate, refuse_newer

BUSY_TIMEOUT_S = 30.0
STATUSES = ("complete", "interrupted", "error")


_CONV_COLS = "c.id, c.title, c.created, c.updated, c.backend, c.model, c.recipe, c.system"
_MSG_COLS = "id, conversation_id, role, content, created, status, prompt_tokens, completion_tokens, model, cost"


_HELD = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block is done, then deliver them.

    Main thread only (Python runs signal handlers there). A signal whose
    handler was the default one is re-raised with that default restored, so
    it still ends the process, just after the commit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = [s for s in _HELD if signal.getsignal(s) is not None]  # None: set outside Python
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    for signum in dict.fromkeys(caught):
        handler = previous[signum]
        if callable(handler):
            handler(signum, None)
        elif handler == signal.SIG_DFL and signum == signal.SIGINT:
            raise KeyboardInterrupt
        elif handler == signal.SIG_DFL:
            signal.raise_signal(signum)


_guarded = guarded  # the store's one lock guard (store/guard.py), for its methods too


class Store:
    """Conversations and messages in one SQLite file (``paths.store_file()``).

    Open it with ``Store.open()``; use it as a context manager to close it.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path | None = None, *, create: bool = True) -> "Store | None":
        """Open (and create/upgrade) the store; ``None`` if absent and not ``create``."""
        path = path or paths.store_file()
        if not create and not path.exists():
            return None
        conn, read_only = faults.connect(path, BUSY_TIMEOUT_S)  # read-only: lists and searches still work
        store = cls(conn, path)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            refuse_newer(conn, str(path))  # before WAL: a newer file is not touched at all
            if not read_only:
                store._wal()
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute("PRAGMA synchronous = FULL")
                migrate(conn, str(path))
        except sqlite3.DatabaseError as exc:
            conn.close()
            if not create and not read_only and faults.storage_fault(exc, path):  # full disk: still readable
                return cls(faults.connect(path, BUSY_TIMEOUT_S, read_only=True)[0], path)
            raise store.error(exc) from None
        except BaseException:
            conn.close()
            raise
        return store

    def _wal(self) -> None:
        """Switch to WAL; a fresh file being set up by another process may be busy briefly."""
        for attempt in range(50):
            try:
                self.conn.execute("PRAGMA journal_mode = WAL").fetchone()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.05)

    def error(self, exc: sqlite3.DatabaseError) -> StoreError:
        """The StoreError for a SQLite failure: busy, full disk, read-only, or damaged (file left alone)."""
        return faults.store_error(exc, self.path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction, taking the write lock up front (no upgrade deadlocks).

        Once the lock is held, Ctrl-C waits for the commit: a second Ctrl-C
        right after the first must not throw away the partial answer being saved.
        """
        self.conn.execute("BEGIN IMMEDIATE")
        with _interrupts_held():
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # ------------------------------------------------------------ reading

    @_guarded
    def resolve(self, prefix: str) -> Conversation:
        """The conversation whose id starts with ``prefix``; UsageError if none or several."""
        prefix = prefix.strip().lower()
        if not prefix:
            raise UsageError("empty conversation id")
        rows = self.conn.execute(
            f"SELECT {_CONV_COLS} FROM conversations c WHERE c.id >= ? AND c.id < ? LIMIT 2",
            (prefix, prefix + "\uffff"),
        ).fetchall()
        if not rows:
            raise UsageError(f"no conversation with id {prefix!r}", hint="see `aigc history list`")
        if len(rows) > 1:
            raise UsageError(f"conversation id {prefix!r} is ambiguous", hint="give more characters")
        return Conversation(*rows[0])

    @_guarded
    def last(self) -> Conversation | None:
        """The most recently updated conversation."""
        row = self.conn.execute(f"SELECT {_CONV_COLS} FROM conversations c ORDER BY c.updated DESC LIMIT 1").fetchone()
        return Conversation(*row) if row else None

    @_guarded
    def messages(self, cid: str) -> list[StoredMessage]:
        """Every message of a conversation, oldest first."""
        rows = self.conn.execute(
            f"SELECT {_MSG_COLS} FROM messages WHERE conversation_id = ? ORDER BY id", (cid,)
        ).fetchall()
        return [StoredMessage(*r) for r in rows]

    @_guarded
    def list(
        self,
        limit: int | None = 20,
        *,
        model: str | None = None,
        recipe: str | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> list[Conversation]:
        """Conversations, newest first, optionally filtered; each with its message count."""
        where, args = [], []
        for clause, value in (
            ("c.model = ?", model),
            ("c.recipe = ?", recipe),
            ("c.updated >= ?", since),
            ("c.updated < ?", until),
        ):
            if value is not None:
                where.append(clause)
                args.append(value)
        sql = (
            f"SELECT {_CONV_COLS},"
            " (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)"
            " FROM conversations c"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY c.updated DESC"
            + (" LIMIT ?" if limit is not None else "")
        )
        if limit is not None:
            args.append(limit)
        return [Conversation(*r) for r in self.conn.execute(sql, args).fetchall()]

    # ------------------------------------------------------------ writing

    @_guarded
    def begin_turn(
        self,
        cid: str | None,
        user: str,
        *,
        backend: str | None,
        model: str | None,
        recipe: str | None = None,
        system: str | None = None,
        title: str | None = None,
    ) -> tuple[str, int]:
        """Store a turn's user message (creating the conversation if ``cid`` is None).

        Written before the request goes out, so a crash mid-answer still keeps
        the question. Returns (conversation id, user message id). A new
        conversation is titled from ``title`` (what the user typed, when the
        message is a recipe's prompt around it), else from the message.
        """
        now = time.time()
        with self.transaction() as db:
            if cid is None:
                cid = os.urandom(6).hex()
                db.execute(
                    "INSERT INTO conversations(id, title, created, updated, backend, model, recipe, system)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (cid, title_from(title or user), now, now, backend, model, recipe, system),
                )
            else:
                db.execute(
                    "UPDATE conversations SET updated = ?, backend = ?, model = ?,"
                    " system = coalesce(?, system), recipe = coalesce(?, recipe) WHERE id = ?",
                    (now, backend, model, system, recipe, cid),
                )
            mid = db.execute(
                "INSERT INTO messages(conversation_id, role, content, created) VALUES (?, 'user', ?, ?)",
                (cid, user, now),
            ).lastrowid
        return cid, int(mid or 0)

    @_guarded
    def finish_turn(
        self,
        cid: str,
        user_id: int,
        answer: str,
        *,
        status: str = "complete",
        model: str | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        cost: float | None = None,
    ) -> int:
        """Store a turn's answer (complete, interrupted with what arrived, or error).

        An ``error`` turn marks its question as ``error`` too, so it is kept
        but not sent again as context. Returns the answer's message id.
        """
        if status not in STATUSES:
            raise ValueError(f"bad status {status!r}")
        now = time.time()
        with self.transaction() as db:
            if status == "error":
                db.execute("UPDATE messages SET status = 'error' WHERE id = ?", (user_id,))
            mid = db.execute(
                "INSERT INTO messages(conversation_id, role, content, created, status,"
                " prompt_tokens, completion_tokens, model, cost)"
                " VALUES (?, 'assistant', ?, ?, ?, ?, ?, ?, ?)",
                (cid, answer, now, status, prompt_tokens, completion_tokens, model, cost),
            ).lastrowid
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, cid))
        return int(mid or 0)

    @_guarded
    def summary(self, cid: str) -> tuple[str, int] | None:
        """A conversation's running summary: (text, context messages it covers), or None."""
        row = self.conn.execute("SELECT text, covered FROM summaries WHERE conversation_id = ?", (cid,)).fetchone()
        return (row[0], int(row[1])) if row else None

    @_guarded
    def set_summary(self, cid: str, text: str, covered: int, model: str | None = None) -> None:
        """Keep (replace) the running summary of a conversation's first ``covered`` messages."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO summaries(conversation_id, text, covered, model, updated)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(conversation_id) DO UPDATE SET"
                " text = excluded.text, covered = excluded.covered,"
                " model = excluded.model, updated = excluded.updated",
                (cid, text, covered, model, time.time()),
            )

    @_guarded
    def import_conversations(self, items: Iterable[Imported]) -> tuple[builtins.list[Imported], int]:
        """Store imported conversations in one transaction: all or nothing.

        Returns (those added, how many skipped); one whose source or id is
        already stored is skipped (see ``store.import_rows``).
        """
        from aigc_cli.store.import_rows import write_imported

        with self.transaction() as db:
            return write_imported(db, items)

    @_guarded
    def drop_last_exchange(self, cid: str) -> str | None:
        """Delete a conversation's last question and all after it (chat's /undo, /retry).

        The running summary may cover the dropped turn, so it goes too and is
        rebuilt by the next turn that needs it. Returns the dropped question.
        """
        with self.transaction() as db:
            row = db.execute(
                "SELECT id, content FROM messages WHERE conversation_id = ? AND role = 'user' ORDER BY id DESC LIMIT 1",
                (cid,),
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM messages WHERE conversation_id = ? AND id >= ?", (cid, row[0]))
            db.execute("DELETE FROM summaries WHERE conversation_id = ?", (cid,))
            _drop_unused_blobs(db)
        return str(row[1])

    @_guarded
    def set_title(self, cid: str, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            raise UsageError("the title is empty")
        with self.transaction() as db:
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, cid))

    @_guarded
    def delete(self, cids: Iterable[str]) -> int:
        """Delete conversations (their messages and index entries go with them)."""
        ids = list(cids)
        with self.transaction() as db:
            n = sum(db.execute("DELETE FROM conversations WHERE id = ?", (cid,)).rowcount for cid in ids)
            _drop_unused_blobs(db)
            return n

    @_guarded
    def prune(self, before: float) -> int:
        """Delete conversations last updated before ``before`` (a Unix time)."""
        with self.transaction() as db:
            n = db.execute("DELETE FROM conversations WHERE updated < ?", (before,)).rowcount
            _drop_unused_blobs(db)
            return n


def _drop_unused_blobs(db: sqlite3.Connection) -> None:
    """Attachments' bytes no message uses any more go with the messages (store/attachments.py)."""
    from aigc_cli.store.attachments import drop_unused

    drop_unused(db)
