"""Personal memory's rules over its rows: what a memory may be, ids as typed, limits.

The SQL lives in ``store/memories.py`` (the store owns every table and its
one lock guard); this module checks and cleans what the user typed and calls
it, keeping the names the commands, the chat, tools and MCP import. Functions
take an open ``Store``; every write is all or nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from aigc_cli.errors import UsageError
from aigc_cli.store import memories as rows
from aigc_cli.store.memories import Memory, all_memories, record_use, set_pinned, used_in

if TYPE_CHECKING:
    from aigc_cli.store.db import Store

__all__ = [
    "SOURCES",
    "Memory",
    "add",
    "add_many",
    "all_memories",
    "apply_changes",
    "check",
    "clean",
    "clear",
    "max_chars",
    "record_use",
    "remove",
    "resolve",
    "set_pinned",
    "used_in",
]

# where a memory came from (shown by `memory list`)
SOURCES = ("cli", "chat", "edit", "suggest", "import")


def clean(text: str) -> str:
    """A memory is one line: whitespace runs (newlines too) become one space.

    One line each is what makes ``memory edit``'s file format unambiguous;
    nothing else about the text is changed (``{{x}}`` and ``$x`` stay).
    """
    return " ".join(text.split())


# ------------------------------------------------------------------ reading


def resolve(store: "Store", ids: Iterable[str | int]) -> list[Memory]:
    """The memories with these ids; UsageError naming the first unknown one (nothing done)."""
    found: list[Memory] = []
    for raw in ids:
        text = str(raw).strip().lstrip("#")
        if not text.isdigit():
            raise UsageError(f"bad memory id {raw!r}", hint="ids are numbers; see `aigc memory list`")
        memory = rows.by_id(store, int(text))
        if memory is None:
            raise UsageError(f"no memory with id {text}", hint="see `aigc memory list`")
        found.append(memory)
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


def add_many(
    store: "Store",
    items: Sequence[tuple[str, float, bool]],
    source: str,
    on_commit: Callable[[list[Memory]], None] | None = None,
) -> list[Memory]:
    """Store (text, created, pinned) items in one transaction, skipping texts already kept.

    Every text is checked first (``check``: nothing is stored if one is too
    long). A signal while writing rolls it all back; ``on_commit`` reports
    before a held signal is delivered (``store.bulk``).
    """
    limit, items = max_chars(), list(items)
    many = len(items) > 1
    texts = [check(raw, limit, f"memory {i}" if many else "the memory") for i, (raw, _, _) in enumerate(items, 1)]
    cleaned = [(text, created, pinned) for text, (_, created, pinned) in zip(texts, items)]
    return rows.insert_new(store, cleaned, source, on_commit)


def remove(store: "Store", ids: Iterable[int]) -> int:
    """Forget these memories; turns that used them keep the text they were sent."""
    return rows.delete(store, ids)


def clear(store: "Store") -> int:
    """Forget every memory."""
    return rows.delete_all(store)


def apply_changes(
    store: "Store", edits: dict[int, tuple[str, bool]], removed: Iterable[int], added: Iterable[tuple[str, bool]]
) -> None:
    """Apply an edited file's changes in one transaction: all of them or none."""
    limit, added = max_chars(), list(added)
    for text, _ in [*edits.values(), *added]:
        check(text, limit, "an edited memory")
    rows.apply_changes(store, edits, removed, added, time.time())
