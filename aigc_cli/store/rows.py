"""The store's rows and the pure rules about them (titles, what is resent as context).

Rows are slotted dataclasses rather than pydantic models: the ``history``
commands must start in a few milliseconds, and importing pydantic alone costs
more than a whole search.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

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


@dataclass(slots=True)
class Imported:
    """A conversation from elsewhere (e.g. a ChatGPT export), ready to be stored.

    ``source`` identifies it at its origin, so importing it again adds nothing;
    ``messages`` are (role, content, created) tuples, oldest first.
    """

    source: str
    title: str
    created: float
    updated: float
    model: str | None = None
    system: str | None = None
    messages: list[tuple[str, str, float]] = field(default_factory=list)


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
    out: list[tuple[str, str]] = []
    pending: tuple[str, str] | None = None
    for m in messages:
        if m.role == "user":
            pending = (m.role, m.content) if m.status != "error" else None
        elif m.role == "assistant" and pending and m.status != "error" and m.content:
            out.extend([pending, (m.role, m.content)])
            pending = None
    return out
