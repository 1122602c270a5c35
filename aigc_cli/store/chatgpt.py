"""Importing a ChatGPT data export (``conversations.json``).

A ChatGPT conversation is a tree: every edit or regenerated answer starts a
branch. We keep the branch the user last saw, found by walking from
``current_node`` up through the parents, which is what ChatGPT itself shows.
The file is validated with pydantic models of just the fields we use, so a
file that is not an export fails with one clear line, and unknown fields
(OpenAI adds them often) are ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from aigc_cli.errors import UsageError
from aigc_cli.store.db import Imported, title_from

ROLES = ("user", "assistant", "system")


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
    create_time: float | None = None
    metadata: dict[str, Any] = {}

    def text(self) -> str:
        """The visible text; images, tool calls and hidden messages give ''."""
        if self.content is None or self.content.content_type not in ("text", "multimodal_text"):
            return ""
        if self.metadata.get("is_visually_hidden_from_conversation"):
            return ""
        return "\n".join(p for p in self.content.parts or [] if isinstance(p, str)).strip()


class Node(_Loose):
    message: ChatGPTMessage | None = None
    parent: str | None = None
    children: list[str] = []


class ChatGPTConversation(_Loose):
    title: str | None = None
    create_time: float | None = None
    update_time: float | None = None
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
        while node_id is not None and self.mapping[node_id].children:
            node_id = self.mapping[node_id].children[-1]
        return node_id


_EXPORT = TypeAdapter(list[ChatGPTConversation])


def flatten(conv: ChatGPTConversation) -> Imported | None:
    """One conversation as the store keeps it, or None if it holds no text."""
    created = conv.create_time or 0.0
    system, model = None, conv.default_model_slug
    messages: list[tuple[str, str, float]] = []
    for msg in conv.branch():
        text = msg.text()
        if not text or msg.author.role not in ROLES:
            continue
        if msg.author.role == "system":
            system = text
            continue
        model = msg.metadata.get("model_slug") or model
        messages.append((msg.author.role, text, msg.create_time or created))
    if not messages:
        return None
    source = conv.conversation_id or conv.id or f"{created}:{conv.title}"
    title = " ".join((conv.title or "").split()) or title_from(messages[0][1])
    updated = conv.update_time or messages[-1][2]
    return Imported(f"chatgpt:{source}", title, created or messages[0][2], updated, model, system, messages)


def read_export(path: Path) -> list[Imported]:
    """Every conversation with text in a ChatGPT ``conversations.json``."""
    from aigc_cli.inputs import read_file

    try:
        data = json.loads(read_file(path))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path} is not JSON: {exc}") from None
    try:
        convs = _EXPORT.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UsageError(
            f"{path} is not a ChatGPT export ({where}: {err['msg']})",
            hint="use conversations.json from ChatGPT's 'Export data' zip",
        ) from None
    return [item for item in map(flatten, convs) if item is not None]
