"""Importing a ChatGPT data export (``conversations.json``, or one conversation).

A ChatGPT conversation is a tree: every edit or regenerated answer starts a
branch. We keep the branch the user last saw, found by walking from
``current_node`` up through the parents, which is what ChatGPT itself shows.
The data is validated with pydantic models of just the fields we use, so a
file that is not an export fails with one clear line, and unknown fields
(OpenAI adds them often) are ignored. What cannot be imported (tool and
code-interpreter messages, images) is counted, so the command can say so.

Real exports are not tidy: conversations without times (or with placeholder
times like 1), nodes without ``parent``, cycles and dangling ids all occur
in the wild or in other exporters' output, and none of them may crash us.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from aigc_cli.errors import BadFile
from aigc_cli.store.rows import (
    ImportBatch,
    Imported,
    ImportedMessage,
    plausible_time,
    title_from,
)

ROLES = ("user", "assistant", "system")
TOOL_CONTENT = ("code", "execution_output")


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Author(_Loose):
    role: str


class Content(_Loose):
    content_type: str = "text"
    parts: list[Any] | None = None


class ChatGPTMessage(_Loose):
    author: Author
    content: Content | None = None
    create_time: Any = None
    recipient: Any = None
    metadata: dict[str, Any] | None = None

    @property
    def meta(self) -> dict[str, Any]:
        return self.metadata or {}

    def is_tool(self) -> bool:
        """A tool's output, or the model's call to a tool (code interpreter, image generation)."""
        content_type = self.content.content_type if self.content else ""
        return self.author.role == "tool" or self.recipient not in (None, "all") or content_type in TOOL_CONTENT

    def text(self) -> str:
        """The visible text; images, tool calls and hidden messages give ''."""
        if self.content is None or self.content.content_type not in ("text", "multimodal_text"):
            return ""
        if self.meta.get("is_visually_hidden_from_conversation"):
            return ""
        return "\n".join(p for p in self.content.parts or [] if isinstance(p, str)).strip()

    def images(self) -> int:
        """How many non-text parts (images, files) the message carries."""
        parts = self.content.parts if self.content else None
        return sum(1 for p in parts or [] if not isinstance(p, str))

    def model_slug(self) -> str | None:
        slug = self.meta.get("model_slug")
        return slug if isinstance(slug, str) and slug else None


class Node(_Loose):
    message: ChatGPTMessage | None = None
    parent: str | None = None
    children: list[str] = []


class ChatGPTConversation(_Loose):
    title: str | None = None
    create_time: Any = None
    update_time: Any = None
    mapping: dict[str, Node]
    current_node: str | None = None
    conversation_id: str | None = None
    id: str | None = None
    default_model_slug: str | None = None

    def branch(self) -> list[ChatGPTMessage]:
        """The messages on the current branch, oldest first."""
        node_id = self.current_node if self.current_node in self.mapping else self._last_leaf()
        out: list[ChatGPTMessage] = []
        seen: set[str] = set()
        while node_id is not None and node_id in self.mapping and node_id not in seen:
            seen.add(node_id)
            node = self.mapping[node_id]
            if node.message is not None:
                out.append(node.message)
            node_id = node.parent
        return out[::-1]

    def _last_leaf(self) -> str | None:
        """Without a current node: from the root, always the newest child."""
        node_id = next((k for k, n in self.mapping.items() if n.parent is None), None)
        seen: set[str] = set()
        while node_id is not None:
            seen.add(node_id)
            children = [c for c in self.mapping[node_id].children if c in self.mapping and c not in seen]
            if not children:
                break
            node_id = children[-1]
        return node_id


_EXPORT = TypeAdapter(list[ChatGPTConversation])


def _source(conv: ChatGPTConversation, messages: list[ImportedMessage]) -> str:
    """Where the conversation came from, the same on every import of the same file.

    Exports carry an id; a conversation without one is named by its content,
    never by the import time, so importing it again still adds nothing.
    """
    if conv.conversation_id or conv.id:
        return f"chatgpt:{conv.conversation_id or conv.id}"
    digest = hashlib.sha256(
        json.dumps([conv.title, [(m.role, m.content) for m in messages]], ensure_ascii=False).encode()
    ).hexdigest()
    return f"chatgpt:sha256:{digest[:32]}"


def flatten(conv: ChatGPTConversation, now: float) -> Imported | None:
    """One conversation as the store keeps it, or None if it holds no text.

    A message without a time gets the one before it; a conversation without
    a creation time gets its first message's, else ``now`` (the import time).
    Tool messages and images are counted in the result's ``left_out``.
    """
    msgs = conv.branch()
    created = plausible_time(conv.create_time) or next(
        (t for t in map(plausible_time, (m.create_time for m in msgs)) if t), now
    )
    system, model = None, conv.default_model_slug
    last = created
    left_out: Counter[str] = Counter()
    messages: list[ImportedMessage] = []
    for msg in msgs:
        if msg.is_tool():
            left_out["tool messages"] += 1
            continue
        if msg.author.role not in ROLES:
            continue
        left_out["images"] += msg.images()
        text = msg.text()
        if not text:
            continue
        if msg.author.role == "system":
            system = text
            continue
        model = msg.model_slug() or model
        last = plausible_time(msg.create_time) or last
        messages.append(ImportedMessage(msg.author.role, text, last))
    if not messages:
        return None
    title = " ".join((conv.title or "").split()) or title_from(messages[0].content)
    updated = max(plausible_time(conv.update_time) or 0.0, messages[-1].created, created)
    return Imported(_source(conv, messages), title, created, updated, model, system, list(messages), left_out=left_out)


def parse_export(data: list[Any] | dict[str, Any], where: str, now: float) -> ImportBatch:
    """Every conversation with text in a ChatGPT export's data.

    ``data`` is the list of ``conversations.json``, or one conversation object
    (what ChatGPT's API and many exporters write for a single chat).
    """
    single = isinstance(data, dict)
    try:
        convs = _EXPORT.validate_python([data] if single else data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"][1:] if single else err["loc"]
        path = ".".join(str(p) for p in loc) or "top level"
        raise BadFile(f"{where} is not a ChatGPT export ({path}: {err['msg']})") from None
    batch = ImportBatch("chatgpt")
    for conv in convs:
        item = flatten(conv, now)
        if item is None:
            batch.left_out["conversations without text"] += 1
        else:
            batch.items.append(item)
    return batch
