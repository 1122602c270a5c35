"""The store's rows and the pure rules about them (titles, what is resent as context).

Rows are slotted dataclasses rather than pydantic models: the ``history``
commands must start in a few milliseconds, and importing pydantic alone costs
more than a whole search.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

TITLE_MAX = 60


@dataclass(slots=True, frozen=True)
class Conversation:
    """One conversation's header; ``message_count`` is filled by listings."""

    id: str
    title: str
    created: float
    updated: float
    backend: str | None
    model: str | None
    recipe: str | None
    system: str | None
    message_count: int = 0


@dataclass(slots=True, frozen=True)
class StoredMessage:
    """One stored message; token usage sits on the assistant message of a turn."""

    id: int
    conversation_id: str
    role: str
    content: str
    created: float
    status: str
    prompt_tokens: int | None
    completion_tokens: int | None
    model: str | None
    cost: float | None


class ImportedMessage(NamedTuple):
    """One message to import; a plain (role, content, created) tuple is one too."""

    role: str
    content: str
    created: float
    status: str = "complete"
    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None
    command: "ImportedCommand | None" = None  # an `aigc cmd` answer's record
    tool_calls: tuple[dict, ...] | None = None  # the tool calls that led to this answer (store/toolcalls.py)
    attachments: tuple[Any, ...] | None = None  # a question's attachments (store.attachments.AttachmentRow)


class ImportedCommand(NamedTuple):
    """What became of an `aigc cmd` answer's command (the ``commands`` table)."""

    command: str
    shell: str
    ran: bool
    exit_status: int | None
    updated: float


class ImportedSummary(NamedTuple):
    """A conversation's running summary, as ``aigc history export`` writes it."""

    text: str
    covered: int
    model: str | None
    updated: float


@dataclass(slots=True)
class Imported:
    """A conversation from elsewhere (a ChatGPT export, our own JSON export), ready to be stored.

    ``source`` identifies it at its origin and ``id`` is the id it had in
    another aigc store; a conversation whose source or id is already stored is
    skipped, so importing the same file again adds nothing. ``messages`` are
    ``ImportedMessage`` (or plain (role, content, created)) tuples, oldest first.
    """

    source: str | None
    title: str
    created: float
    updated: float
    model: str | None = None
    system: str | None = None
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    id: str | None = None
    backend: str | None = None
    recipe: str | None = None
    summary: ImportedSummary | None = None
    left_out: Counter[str] = field(default_factory=Counter)  # e.g. {"tool messages": 3}


def title_from(text: str) -> str:
    """A one-line title from a user message: the instruction, trimmed and cut short.

    A composed prompt (``<input>…</input>`` then the instruction) is titled by
    its instruction, which says what the conversation is about.
    """
    m = re.match(r"<(\w+)>\n.*\n</\1>\n\n(.+)\Z", text, re.S)
    if m and m.group(2).strip():
        text = m.group(2)
    line = " ".join(text.split())
    return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1].rstrip() + "…"


def context_messages(messages: Iterable[StoredMessage]) -> list[tuple[str, str]]:
    """(role, content) pairs to resend as context: every turn that got an answer.

    A question whose answer failed or came back empty is left out, so the
    model never sees two questions in a row; an interrupted answer is kept
    with the text that arrived.
    """
    return [(m.role, m.content) for m in context_rows(messages)]


def context_rows(messages: Iterable[StoredMessage]) -> list[StoredMessage]:
    """The stored messages ``context_messages`` resends (attachments find their turns by id)."""
    out: list[StoredMessage] = []
    pending: StoredMessage | None = None
    for m in messages:
        if m.role == "user":
            pending = m if m.status != "error" else None
        elif m.role == "assistant" and pending and m.status != "error" and m.content:
            out.extend([pending, m])
            pending = None
    return out


# Times outside these bounds are placeholders or mistakes (0, 1, milliseconds
# since 1970), not when anything was said: they would show as 1970 or fail to
# format at all, so importers treat them as missing.
EARLIEST_TIME = 946_684_800.0  # 2000-01-01
LATEST_TIME = 4_102_444_800.0  # 2100-01-01


def plausible_time(ts: object) -> float | None:
    """``ts`` as a Unix time if it is one a conversation could have, else None."""
    if isinstance(ts, bool) or not isinstance(ts, int | float):
        return None
    return float(ts) if EARLIEST_TIME <= ts < LATEST_TIME else None  # NaN compares False


@dataclass(slots=True)
class ImportBatch:
    """What an import file holds: conversations to store, and what was left out.

    ``left_out`` counts what was left out as a whole (conversations without
    any text); what was left out of each conversation is on the conversation.
    """

    format: str
    items: list[Imported] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)
