"""`aigc memory edit`'s text file: one memory per line, and the changes it makes.

Each stored memory is written as ``[ID] text`` (``[ID*]`` when pinned).
Editing the text edits the memory, deleting the line forgets it, and a line
without an ``[ID]`` is a new memory (``* text`` pins it). Comment lines (``#``)
and blank lines are ignored. The ids in brackets are what tie a line to a
memory, so a new memory may itself start with a number or a bracket that is
not an id. Pure: reading and writing the store is the caller's part.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from aigc_cli.memory.store import Memory, clean

INTRO = """\
# aigc memories, one per line: edit a line to change it, delete it to forget it,
# add a line to remember something new ("* text" pins it). "[ID*]" is pinned.
# Lines starting with # are ignored. Save and quit to apply; an empty file forgets all.
"""
_LINE = re.compile(r"\[(\d+)(\*?)\]\s?(.*)")
_NEW_PINNED = re.compile(r"\*\s+(.*)")


@dataclass
class Changes:
    """What an edited file asks for, against the memories it was written from."""

    edits: dict[int, tuple[str, bool]] = field(default_factory=dict)  # id -> (text, pinned)
    removed: list[int] = field(default_factory=list)
    added: list[tuple[str, bool]] = field(default_factory=list)  # (text, pinned)

    def __bool__(self) -> bool:
        return bool(self.edits or self.removed or self.added)

    def summary(self) -> str:
        return f"{len(self.added)} added, {len(self.edits)} changed, {len(self.removed)} removed"


def to_text(memories: Sequence[Memory]) -> str:
    """The file the editor opens."""
    lines = [f"[{m.id}{'*' if m.pinned else ''}] {m.text}" for m in memories]
    return INTRO + "".join(f"{line}\n" for line in lines)


def changes(before: Sequence[Memory], text: str) -> Changes:
    """Compare the edited file with the memories it was made from."""
    known = {m.id: m for m in before}
    seen: set[int] = set()
    out = Changes()
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _LINE.fullmatch(stripped)
        if m and int(m.group(1)) in known and int(m.group(1)) not in seen:
            mid, pinned, body = int(m.group(1)), bool(m.group(2)), clean(m.group(3))
            if not body:
                continue  # an emptied line forgets the memory, like a deleted one
            seen.add(mid)
            old = known[mid]
            if (body, pinned) != (old.text, old.pinned):
                out.edits[mid] = (body, pinned)
            continue
        if m:  # an id that is not (or no longer) ours: its text is a new memory
            stripped = m.group(3)
        new = _NEW_PINNED.fullmatch(stripped)
        body = clean(new.group(1) if new else stripped)
        if body and body not in {t for t, _ in out.added}:
            out.added.append((body, bool(new)))
    out.removed = [mid for mid in known if mid not in seen]
    return out
