"""Tool calls in the store (table ``tool_calls``, migration V_TOOLS): save, read, re-send.

A turn's calls are keyed by its answer message, in the order they were made;
``context_with_tools`` rebuilds a conversation's context with each answer's
rounds (the assistant message carrying the calls, then one ``tool`` message
per result) right before it, which is what `-c` sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from aigc_cli.messages import Message, ToolCall

if TYPE_CHECKING:
    from aigc_cli.store.rows import StoredMessage
    from aigc_cli.tools.base import ToolRecord

_COLS = "call_id, name, arguments, result, error, duration, decision, round, preface"


def save(store: Any, message_id: int, records: Sequence["ToolRecord"]) -> None:
    """Keep a turn's calls with its answer message (one transaction)."""
    if not records:
        return
    rows = [
        (message_id, seq, r.round, r.call_id, r.name, r.arguments, r.result, r.error, r.duration, r.decision, r.preface)
        for seq, r in enumerate(records)
    ]
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO tool_calls(message_id, seq, round, call_id, name, arguments, result, error, duration,"
            " decision, preface) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def for_messages(store: Any, message_ids: Iterable[int]) -> dict[int, list["ToolRecord"]]:
    """The calls of these answer messages, by message id, in order."""

    ids = list(message_ids)
    out: dict[int, list[ToolRecord]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        marks = ",".join("?" * len(part))
        rows = store.conn.execute(
            f"SELECT message_id, {_COLS} FROM tool_calls WHERE message_id IN ({marks}) ORDER BY message_id, seq", part
        ).fetchall()
        for row in rows:
            out.setdefault(row[0], []).append(_record(row[1:]))
    return out


def for_conversation(store: Any, cid: str) -> dict[int, list["ToolRecord"]]:
    rows = store.conn.execute(
        f"SELECT t.message_id, {', '.join('t.' + c.strip() for c in _COLS.split(','))} FROM tool_calls t"
        " JOIN messages m ON m.id = t.message_id WHERE m.conversation_id = ? ORDER BY t.message_id, t.seq",
        (cid,),
    ).fetchall()
    out: dict[int, list[Any]] = {}
    for row in rows:
        out.setdefault(row[0], []).append(_record(row[1:]))
    return out


def _record(row: Sequence[Any]) -> "ToolRecord":
    from aigc_cli.tools.base import ToolRecord

    names = [c.strip() for c in _COLS.split(",")]
    return ToolRecord(**dict(zip(names, row, strict=True)))


def as_messages(records: Sequence["ToolRecord"]) -> list[Message]:
    """Stored calls in the API's form: per round, the assistant's calls then each result."""
    out: list[Message] = []
    rounds: dict[int, list[ToolRecord]] = {}
    for r in records:
        rounds.setdefault(r.round, []).append(r)
    for recs in rounds.values():
        calls = [ToolCall(id=r.call_id, name=r.name, arguments=r.arguments) for r in recs]
        out.append(Message(role="assistant", content=recs[0].preface or "", tool_calls=calls))
        out.extend(
            Message(
                role="tool",
                tool_call_id=r.call_id,
                content=(r.result or "") if r.error is None else f"error: {r.error}",
            )
            for r in recs
        )
    return out


def context_with_tools(store: Any, messages: Sequence["StoredMessage"]) -> list[Message]:
    """The context to re-send (as ``store.rows.context_messages`` picks it), each answer preceded
    by the tool rounds that led to it."""
    calls = for_conversation(store, messages[0].conversation_id) if messages else {}
    out: list[Message] = []
    pending: Message | None = None
    for m in messages:
        if m.role == "user":
            pending = Message(role="user", content=m.content) if m.status != "error" else None
        elif m.role == "assistant" and pending is not None and m.status != "error" and m.content:
            out.append(pending)
            out.extend(as_messages(calls.get(m.id, [])))
            out.append(Message(role="assistant", content=m.content))
            pending = None
    return out


def insert_rows(db: Any, message_id: int, calls: Sequence[dict[str, Any]]) -> None:
    """Imported calls (an export's ``tool_calls``), inside the import's transaction."""
    db.executemany(
        "INSERT INTO tool_calls(message_id, seq, round, call_id, name, arguments, result, error, duration,"
        " decision, preface) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                message_id,
                seq,
                c["round"],
                c["call_id"],
                c["name"],
                c["arguments"],
                c["result"],
                c["error"],
                c["duration"],
                c["decision"],
                c["preface"],
            )
            for seq, c in enumerate(calls)
        ],
    )


def markdown_lines(records: Sequence["ToolRecord"]) -> list[str]:
    """`history show`: one line per call, with what the policy decided and how it ended."""
    out = []
    for r in records:
        end = f"error: {r.error}" if r.error is not None else f"{len(r.result or '')} characters"
        out.append(f"- `{r.name}` `{r.arguments}` ({r.decision}, {r.duration:.1f} s): {' '.join(end.split())[:200]}")
    return out
