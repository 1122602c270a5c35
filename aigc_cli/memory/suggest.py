"""`aigc memory suggest`: ask the model which facts about the user are worth remembering.

Only what the user wrote in stored conversations is read: a ``--no-log``
turn is never stored (session.run_turn skips the store, the chat keeps such
turns in its process only), so it cannot be suggested. The user's messages
go newest first up to a size cap; the memories already kept are listed so
the model does not propose them again, and exact repeats are dropped anyway.

This module only proposes: saving is the caller's, after the user accepts
each proposal (or passes ``--accept``). The request itself is not a turn:
it is not stored in the history and carries no memory block.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aigc_cli.memory.store import Memory, all_memories, clean

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings
    from aigc_cli.messages import Message
    from aigc_cli.store.db import Store

MAX_CHARS = 24_000  # of user text read, newest first
MAX_MESSAGE_CHARS = 2_000  # of any one message (a piped file says little about its sender)
MAX_PROPOSALS = 10

SYSTEM = (
    "You help a personal assistant remember its user. From the user's messages below, list durable facts "
    "and preferences about the user that would help answer them better in future conversations: the "
    "languages they want answers in, where they live, what they work on and with, how they like answers "
    "(length, tone, format). Only what the messages clearly state or show; nothing about other people, "
    "nothing passing or one-off, no secrets (passwords, keys, account numbers), nothing already remembered. "
    'Write each as one short sentence in the third person ("Prefers short answers."). '
    'Reply with JSON only: {"memories": ["...", "..."]}; an empty list if there is nothing worth keeping.'
)

MAX_PROPOSAL_CHARS = 200


def schema(bounded: bool) -> dict[str, Any]:
    """The answer's JSON schema; ``bounded`` (grammar decoders) caps each string, so a
    small local model cannot run one on until max_tokens cuts the JSON."""
    item: dict[str, Any] = {"type": "string", **({"maxLength": MAX_PROPOSAL_CHARS} if bounded else {})}
    return {
        "type": "object",
        "properties": {"memories": {"type": "array", "items": item, "maxItems": MAX_PROPOSALS}},
        "required": ["memories"],
        "additionalProperties": False,
    }


@dataclass
class Suggestions:
    """What the model proposed, and from how much of the history."""

    proposals: list[str]
    conversations: int
    messages: int


def user_messages(store: "Store", since: float) -> tuple[list[str], int]:
    """The user's stored messages since ``since``, newest first within the cap; and how
    many conversations they came from."""
    from aigc_cli.store.rows import context_messages

    out: list[str] = []
    used = 0
    convs = 0
    for conv in store.list(None, since=since):
        texts = [c for r, c in context_messages(store.messages(conv.id)) if r == "user"][::-1]
        taken = 0
        for text in texts:
            if used >= MAX_CHARS:
                break
            piece = text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + " […]"
            out.append(piece)
            used += len(piece)
            taken += 1
        convs += bool(taken)
        if used >= MAX_CHARS:
            break
    return out, convs


def request(texts: Sequence[str], known: Sequence[Memory]) -> list["Message"]:
    """The messages asking for proposals (the user's text delimited, never a template)."""
    from aigc_cli.messages import Message

    remembered = "\n".join(f"- {m.text}" for m in known) or "(nothing yet)"
    body = "\n\n".join(f"<message>\n{t}\n</message>" for t in texts)
    user = f"Already remembered:\n{remembered}\n\nThe user's recent messages, newest first:\n\n{body}"
    return [Message(role="system", content=SYSTEM), Message(role="user", content=user)]


def parse(text: str) -> list[str]:
    """Proposals from the answer: the JSON asked for, else a bulleted or numbered list."""
    match = re.search(r"\{.*\}", text, re.S)
    items: Any = None
    if match:
        try:
            items = json.loads(match.group(0)).get("memories")
        except (json.JSONDecodeError, AttributeError):
            items = None
    if not isinstance(items, list):
        items = [
            re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line)
            for line in text.splitlines()
            if re.match(r"^\s*(?:[-*•]|\d+[.)])\s+", line)
        ]
    return [clean(str(i)) for i in items if isinstance(i, str) and clean(i)]


def fresh(proposals: Sequence[str], known: Sequence[Memory]) -> list[str]:
    """Drop repeats and what is already remembered (case-insensitive), keep the order."""
    seen = {m.text.casefold() for m in known}
    out: list[str] = []
    for p in proposals:
        if p.casefold() not in seen:
            seen.add(p.casefold())
            out.append(p)
    return out[:MAX_PROPOSALS]


def suggest(store: "Store", settings: "Settings", since: float, backend: "Backend", model: str) -> Suggestions:
    """Ask ``backend``'s ``model`` for memories worth keeping, from the user's messages since ``since``.

    The caller chooses backend and model (session.choose, the one rule), so this
    package stays below the session and never imports it.
    """
    texts, convs = user_messages(store, since)
    if not texts:
        return Suggestions([], 0, 0)
    from aigc_cli import context
    from aigc_cli.messages import GenOptions

    known = all_memories(store)
    options = GenOptions(model=model, temperature=0.2, max_tokens=600, json_schema=schema(backend.bounded_json_schema))
    fitted = context.fit_request(request(texts, known), backend, options, settings, truncate=True)
    answer = "".join(chunk.text for chunk in backend.stream(fitted.messages, options))
    return Suggestions(fresh(parse(answer), known), convs, len(texts))
