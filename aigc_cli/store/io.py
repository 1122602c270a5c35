"""Exporting conversations from the store as Markdown or JSON.

Both formats are for people and other tools: JSON keeps every stored field
(times as ISO 8601), Markdown reads like the conversation did. The JSON
export is also a backup: ``aigc history import`` reads it back exactly
(``store.jsonimport``), which is why it carries times to the microsecond,
the conversation's import ``source``, its running summary and the command
record of an `aigc cmd` answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from aigc_cli.store.db import Conversation, Store, StoredMessage

EXPORT_VERSION = 1
# message id -> [(memory id, text as sent)]: the memories a turn used (aigc_cli.memory)
Used = Mapping[int, list[tuple[int, str]]]


def iso(ts: float | None, timespec: str = "seconds") -> str | None:
    """A Unix time as local ISO 8601 with offset, to the second (or ``timespec``)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec=timespec)


def _message_json(m: StoredMessage, timespec: str, memories: list[tuple[int, str]] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "role": m.role,
        "content": m.content,
        "created": iso(m.created, timespec),
        "status": m.status,
        "model": m.model,
        "prompt_tokens": m.prompt_tokens,
        "completion_tokens": m.completion_tokens,
        "cost": m.cost,
    }
    if memories:
        data["memories"] = [{"id": i, "text": t} for i, t in memories]
    return data


def conversation_json(
    conv: Conversation, messages: list[StoredMessage], timespec: str = "seconds", used: Used | None = None
) -> dict[str, Any]:
    """One conversation and its messages (with the memories each turn used) as plain JSON data."""
    used = used or {}
    return {
        "id": conv.id,
        "title": conv.title,
        "created": iso(conv.created, timespec),
        "updated": iso(conv.updated, timespec),
        "backend": conv.backend,
        "model": conv.model,
        "recipe": conv.recipe,
        "system": conv.system,
        "messages": [_message_json(m, timespec, used.get(m.id)) for m in messages],
    }


def _exported(store: Store, conv: Conversation) -> dict[str, Any]:
    """A conversation as the export has it: every field, to the microsecond."""
    messages = store.messages(conv.id)
    data = conversation_json(conv, messages, "microseconds")
    from aigc_cli.store.toolcalls import for_conversation

    calls = for_conversation(store, conv.id)
    from aigc_cli.store.attachments import exported, for_messages

    attached = for_messages(store, [m.id for m in messages if m.role == "user"], with_data=True)
    for m, out in zip(messages, data["messages"], strict=True):
        out["command"] = _command(store, m.id)
        if m.id in attached:
            out["attachments"] = exported(attached[m.id])
        if m.id in calls:
            out["tool_calls"] = [r.to_json() for r in calls[m.id]]
    row = store.conn.execute("SELECT source FROM conversations WHERE id = ?", (conv.id,)).fetchone()
    data["source"] = row[0] if row else None
    summary = store.conn.execute(
        "SELECT text, covered, model, updated FROM summaries WHERE conversation_id = ?", (conv.id,)
    ).fetchone()
    data["summary"] = (
        {"text": summary[0], "covered": summary[1], "model": summary[2], "updated": iso(summary[3], "microseconds")}
        if summary
        else None
    )
    return data


def _command(store: Store, message_id: int) -> dict[str, Any] | None:
    """An `aigc cmd` answer's command record (the ``commands`` table), if it has one."""
    row = store.conn.execute(
        "SELECT command, shell, ran, exit_status, updated FROM commands WHERE message_id = ?", (message_id,)
    ).fetchone()
    if row is None:
        return None
    return {
        "command": row[0],
        "shell": row[1],
        "ran": bool(row[2]),
        "exit_status": row[3],
        "updated": iso(row[4], "microseconds"),
    }


def export_json(store: Store, convs: Iterable[Conversation], memories: list[dict[str, Any]] | None = None) -> str:
    """``{"aigc_export": 1, "conversations": [...]}`` (plus ``memories`` for --all), readable UTF-8."""
    data: dict[str, Any] = {
        "aigc_export": EXPORT_VERSION,
        "conversations": [_exported(store, c) for c in convs],
    }
    if memories is not None:
        data["memories"] = memories
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def conversation_markdown(
    conv: Conversation,
    messages: list[StoredMessage],
    used: Used | None = None,
    calls: dict[int, list] | None = None,
    attached: dict[int, list] | None = None,
) -> str:
    """A conversation as a Markdown document: header facts, then each message (with its tool calls)."""
    used, calls = used or {}, calls or {}
    facts = [f"- id: `{conv.id}`", f"- created: {iso(conv.created)}", f"- updated: {iso(conv.updated)}"]
    if conv.backend or conv.model:
        facts.append(f"- model: {conv.model or '?'} ({conv.backend or 'unknown backend'})")
    if conv.recipe:
        facts.append(f"- recipe: {conv.recipe}")
    parts = [f"# {conv.title or '(untitled)'}", "\n".join(facts)]
    if conv.system:
        parts.append(f"## System\n\n{conv.system.strip()}")
    for m in messages:
        label = m.role.capitalize() + ("" if m.status == "complete" else f" ({m.status})")
        if m.id in calls:
            from aigc_cli.store.toolcalls import markdown_lines

            parts.append("_Tool calls:_\n\n" + "\n".join(markdown_lines(calls[m.id])))
        parts.append(f"## {label}\n\n{_body(m)}")
        if attached and m.id in attached:  # store/attachments.py rows
            from aigc_cli.store.attachments import markdown_lines as attachment_lines

            parts.append("_Attached:_\n\n" + "\n".join(attachment_lines(attached[m.id])))
        if m.id in used:
            parts.append("_Memories used:_\n\n" + "\n".join(f"- [{i}] {t}" for i, t in used[m.id]))
    return "\n\n".join(parts) + "\n"


def _body(m: StoredMessage) -> str:
    """The user's text as typed; an answer's headings nested below the turn's (store/mdtext.py)."""
    from aigc_cli.store.mdtext import as_typed, nest_headings

    if not m.content.strip():
        return "_(no text)_"
    return as_typed(m.content) if m.role == "user" else nest_headings(m.content.strip())


def export_markdown(store: Store, convs: Iterable[Conversation]) -> str:
    """Conversations as Markdown, separated by horizontal rules."""
    return "\n---\n\n".join(conversation_markdown(c, store.messages(c.id)) for c in convs)
