"""The ``memories`` and ``message_memories`` tables: every SQL statement personal memory runs.

The rules (what a memory may be, what goes into a request) are memory/'s;
this module only reads and writes rows. Every write is one short
``BEGIN IMMEDIATE`` transaction (``Store.transaction``) or, for many rows
at once, ``store.bulk.write_all`` (a signal rolls it all back), so a command
that fails half-way changes nothing; every function is under the store's one
lock guard. Rows are slotted dataclasses, like the store's: the ``memory``
commands must start fast.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aigc_cli.store.guard import guarded

if TYPE_CHECKING:
    from aigc_cli.store.db import Store

_COLS = "id, text, created, source, pinned"


@dataclass(slots=True, frozen=True)
class Memory:
    """One remembered fact; ``pinned`` ones are kept first when the budget is tight."""

    id: int
    text: str
    created: float
    source: str
    pinned: bool

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "Memory":
        return cls(int(row[0]), str(row[1]), float(row[2]), str(row[3]), bool(row[4]))


@guarded
def all_memories(store: "Store") -> list[Memory]:
    """Every memory, oldest first (ids grow with time)."""
    rows = store.conn.execute(f"SELECT {_COLS} FROM memories ORDER BY id").fetchall()
    return [Memory.from_row(r) for r in rows]


@guarded
def by_id(store: "Store", memory_id: int) -> Memory | None:
    row = store.conn.execute(f"SELECT {_COLS} FROM memories WHERE id = ?", (memory_id,)).fetchone()
    return Memory.from_row(row) if row else None


@guarded
def insert_new(
    store: "Store",
    items: Sequence[tuple[str, float, bool]],
    source: str,
    on_commit: Callable[[list[Memory]], None] | None = None,
) -> list[Memory]:
    """Insert (text, created, pinned) rows whose text is not kept yet, all or none.

    Linear: the kept texts are read once into a set. Empty texts are skipped.
    """
    from aigc_cli.store.bulk import write_all

    def write(db: sqlite3.Connection) -> list[Memory]:
        known = {row[0] for row in db.execute("SELECT text FROM memories")}
        out: list[Memory] = []
        for text, created, pinned in items:
            if not text or text in known:
                continue
            known.add(text)
            mid = db.execute(
                "INSERT INTO memories(text, created, source, pinned) VALUES (?, ?, ?, ?)",
                (text, created, source, int(pinned)),
            ).lastrowid
            out.append(Memory(int(mid or 0), text, created, source, pinned))
        return out

    return write_all(store, write, on_commit)


@guarded
def delete(store: "Store", ids: Iterable[int]) -> int:
    with store.transaction() as db:
        return sum(db.execute("DELETE FROM memories WHERE id = ?", (i,)).rowcount for i in ids)


@guarded
def delete_all(store: "Store") -> int:
    with store.transaction() as db:
        return db.execute("DELETE FROM memories").rowcount


@guarded
def set_pinned(store: "Store", ids: Iterable[int], pinned: bool) -> None:
    with store.transaction() as db:
        for i in ids:
            db.execute("UPDATE memories SET pinned = ? WHERE id = ?", (int(pinned), i))


@guarded
def apply_changes(
    store: "Store",
    edits: dict[int, tuple[str, bool]],
    removed: Iterable[int],
    added: Iterable[tuple[str, bool]],
    now: float,
) -> None:
    """An edited file's changes in one transaction: all of them or none."""
    with store.transaction() as db:
        for mid, (text, pinned) in edits.items():
            db.execute("UPDATE memories SET text = ?, pinned = ? WHERE id = ?", (text, int(pinned), mid))
        for mid in removed:
            db.execute("DELETE FROM memories WHERE id = ?", (mid,))
        for text, pinned in added:
            db.execute(
                "INSERT INTO memories(text, created, source, pinned) VALUES (?, ?, 'edit', ?)",
                (text, now, int(pinned)),
            )


@guarded
def record_use(store: "Store", message_id: int, used: Sequence[Memory]) -> None:
    """Keep which memories (and their text as sent) went with a turn's question."""
    if not used:
        return
    with store.transaction() as db:
        db.executemany(
            "INSERT OR IGNORE INTO message_memories(message_id, memory_id, text) VALUES (?, ?, ?)",
            [(message_id, m.id, m.text) for m in used],
        )


@guarded
def used_in(store: "Store", conversation_id: str) -> dict[int, list[tuple[int, str]]]:
    """For each message of a conversation that used memories: [(memory id, text as sent)]."""
    rows = store.conn.execute(
        "SELECT mm.message_id, mm.memory_id, mm.text FROM message_memories mm"
        " JOIN messages m ON m.id = mm.message_id WHERE m.conversation_id = ?"
        " ORDER BY mm.message_id, mm.memory_id",
        (conversation_id,),
    ).fetchall()
    out: dict[int, list[tuple[int, str]]] = {}
    for message_id, memory_id, text in rows:
        out.setdefault(int(message_id), []).append((int(memory_id), str(text)))
    return out
