"""The memories table and the per-turn record of what was used, via the store's connection.

Functions take an open ``Store`` rather than being methods on it, so the
store module stays about conversations and this feature stays in one place.
Every write is one short ``BEGIN IMMEDIATE`` transaction (``Store.transaction``),
so a command that fails half-way changes nothing. Rows are slotted
dataclasses, like the store's: the ``memory`` commands must start fast.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from aigc_cli.errors import UsageError

if TYPE_CHECKING:
    from aigc_cli.store.db import Store

F = TypeVar("F", bound=Callable[..., Any])
_COLS = "id, text, created, source, pinned"
# where a memory came from (shown by `memory list`)
SOURCES = ("cli", "chat", "edit", "suggest", "import")


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


def _guarded(fn: F) -> F:
    """SQLite failures become the store's one-line StoreError (file left untouched)."""

    @functools.wraps(fn)
    def wrapper(store: "Store", *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(store, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise store.error(exc) from exc

    return wrapper  # type: ignore[return-value]


def clean(text: str) -> str:
    """A memory is one line: whitespace runs (newlines too) become one space.

    One line each is what makes ``memory edit``'s file format unambiguous;
    nothing else about the text is changed (``{{x}}`` and ``$x`` stay).
    """
    return " ".join(text.split())


# ------------------------------------------------------------------ reading


@_guarded
def all_memories(store: "Store") -> list[Memory]:
    """Every memory, oldest first (ids grow with time)."""
    rows = store.conn.execute(f"SELECT {_COLS} FROM memories ORDER BY id").fetchall()
    return [Memory.from_row(r) for r in rows]


@_guarded
def resolve(store: "Store", ids: Iterable[str | int]) -> list[Memory]:
    """The memories with these ids; UsageError naming the first unknown one (nothing done)."""
    found: list[Memory] = []
    for raw in ids:
        text = str(raw).strip().lstrip("#")
        if not text.isdigit():
            raise UsageError(f"bad memory id {raw!r}", hint="ids are numbers; see `aigc memory list`")
        row = store.conn.execute(f"SELECT {_COLS} FROM memories WHERE id = ?", (int(text),)).fetchone()
        if row is None:
            raise UsageError(f"no memory with id {text}", hint="see `aigc memory list`")
        found.append(Memory.from_row(row))
    return found


# ------------------------------------------------------------------ writing


def max_chars() -> int:
    """``limits.memory_chars``: every memory goes into every request, so one may not crowd out the rest."""
    from aigc_cli.config import load_settings

    return load_settings().limits.memory_chars


def check(text: str, limit: int, what: str = "a memory") -> str:
    """``text`` cleaned, if it can be a memory: not longer than ``limit`` and valid Unicode (UsageError)."""
    text = clean(text)
    if len(text) > limit:
        raise UsageError(
            f"{what} is {len(text):,} characters; one memory may be at most {limit:,} (limits.memory_chars)",
            hint="remember the gist in a sentence or two",
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UsageError(f"{what} is not valid Unicode ({text[exc.start]!r} at character {exc.start})") from None
    return text


def add(store: "Store", texts: Iterable[str], source: str = "cli", *, pinned: bool = False) -> list[Memory]:
    """Remember each non-empty text; one already remembered (same text) is not added twice."""
    now = time.time()
    return add_many(store, [(t, now, pinned) for t in texts], source)


@_guarded
def add_many(
    store: "Store", items: Sequence[tuple[str, float, bool]], source: str,
    on_commit: Callable[[list[Memory]], None] | None = None,
) -> list[Memory]:
    """Store (text, created, pinned) items in one transaction, skipping texts already kept.

    Every text is checked first (``check``: nothing is stored if one is too
    long). Linear: the kept texts are read once into a set. A signal while
    writing rolls it all back; ``on_commit`` reports before a held signal
    is delivered (``store.bulk``).
    """
    from aigc_cli.store.bulk import write_all

    limit, items = max_chars(), list(items)
    many = len(items) > 1
    texts = [check(raw, limit, f"memory {i}" if many else "the memory") for i, (raw, _, _) in enumerate(items, 1)]

    def write(db: sqlite3.Connection) -> list[Memory]:
        known = {row[0] for row in db.execute("SELECT text FROM memories")}
        out: list[Memory] = []
        for text, (_, created, pinned) in zip(texts, items):
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


@_guarded
def remove(store: "Store", ids: Iterable[int]) -> int:
    """Forget these memories; turns that used them keep the text they were sent."""
    with store.transaction() as db:
        return sum(db.execute("DELETE FROM memories WHERE id = ?", (i,)).rowcount for i in ids)


@_guarded
def clear(store: "Store") -> int:
    """Forget every memory."""
    with store.transaction() as db:
        return db.execute("DELETE FROM memories").rowcount


@_guarded
def set_pinned(store: "Store", ids: Iterable[int], pinned: bool) -> None:
    with store.transaction() as db:
        for i in ids:
            db.execute("UPDATE memories SET pinned = ? WHERE id = ?", (int(pinned), i))


@_guarded
def apply_changes(
    store: "Store", edits: dict[int, tuple[str, bool]], removed: Iterable[int], added: Iterable[tuple[str, bool]]
) -> None:
    """Apply an edited file's changes in one transaction: all of them or none."""
    limit, added = max_chars(), list(added)
    for text, _ in [*edits.values(), *added]:
        check(text, limit, "an edited memory")
    with store.transaction() as db:
        for mid, (text, pinned) in edits.items():
            db.execute("UPDATE memories SET text = ?, pinned = ? WHERE id = ?", (text, int(pinned), mid))
        for mid in removed:
            db.execute("DELETE FROM memories WHERE id = ?", (mid,))
        now = time.time()
        for text, pinned in added:
            db.execute(
                "INSERT INTO memories(text, created, source, pinned) VALUES (?, ?, 'edit', ?)",
                (text, now, int(pinned)),
            )


# ------------------------------------------------------------ per-turn record


@_guarded
def record_use(store: "Store", message_id: int, used: Sequence[Memory]) -> None:
    """Keep which memories (and their text as sent) went with a turn's question."""
    if not used:
        return
    with store.transaction() as db:
        db.executemany(
            "INSERT OR IGNORE INTO message_memories(message_id, memory_id, text) VALUES (?, ?, ?)",
            [(message_id, m.id, m.text) for m in used],
        )


@_guarded
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
