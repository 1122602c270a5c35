"""Tool calling on the OpenAI chat-completions wire: messages out, call deltas in.

A streamed answer carries its tool calls in pieces: the first delta of a call
has its ``index``, ``id`` and function ``name``; later deltas with the same
``index`` append to ``arguments``. Several calls in one message (parallel
calls) are told apart by ``index`` alone, and some servers interleave them,
so the assembler keys everything by index and hands over whole calls at the
end. Kept apart from openai.py so the stream loop gains three lines only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aigc_cli.messages import Message, ToolCall


def wire_message(m: Message) -> dict[str, Any]:
    """One Message in the form the chat-completions API expects."""
    out: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.role == "assistant" and m.tool_calls:
        out["content"] = m.content or None
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in m.tool_calls
        ]
    if m.role == "tool":
        out["tool_call_id"] = m.tool_call_id or ""
    return out


def wire_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    return [wire_message(m) for m in messages]


def wire_tools(tools: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Function specs ({name, description, parameters}) as the API's ``tools``."""
    return [
        {
            "type": "function",
            "function": {
                "name": t["name"],
                "description": t.get("description", ""),
                "parameters": t.get("parameters") or {"type": "object", "properties": {}},
            },
        }
        for t in tools
    ]


class CallAssembler:
    """Folds the streamed ``delta.tool_calls`` pieces of one answer into whole calls."""

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, Any]] = {}

    def feed(self, event: dict[str, Any]) -> None:
        """Take the tool-call deltas of one chat.completion.chunk event (if any)."""
        for choice in event.get("choices") or []:
            for piece in (choice.get("delta") or {}).get("tool_calls") or []:
                self._add(piece)

    def _add(self, piece: dict[str, Any]) -> None:
        index = piece.get("index")
        if not isinstance(index, int):
            index = len(self._calls)
        call = self._calls.setdefault(index, {"id": "", "name": "", "arguments": []})
        if piece.get("id"):
            call["id"] = piece["id"]
        fn = piece.get("function") or {}
        if fn.get("name") and not call["name"]:  # some servers repeat it in every piece
            call["name"] = fn["name"]
        if fn.get("arguments"):
            call["arguments"].append(fn["arguments"])

    def calls(self) -> list[ToolCall]:
        """The whole calls, in index order; a call with no id gets one (some servers omit it)."""
        out = []
        for index in sorted(self._calls):
            c = self._calls[index]
            out.append(
                ToolCall(id=c["id"] or f"call_{index}", name=c["name"], arguments="".join(c["arguments"]) or "{}")
            )
        return out


def calls_from_message(message: Any) -> list[ToolCall] | None:
    """The tool calls of a non-streamed answer's message (the SDK's object)."""
    raw = getattr(message, "tool_calls", None) or []
    calls = [
        ToolCall(id=c.id or f"call_{i}", name=c.function.name, arguments=c.function.arguments or "{}")
        for i, c in enumerate(raw)
        if getattr(c, "function", None) is not None
    ]
    return calls or None


def untransformed(req: dict[str, Any]) -> dict[str, Any]:
    """The request with ``messages`` and ``tools`` passed through ``extra_body``.

    The SDK runs every parameter through its TypedDict transform, which walks
    each message and each tool schema recursively: about 3 ms per message on
    a loaded 2-core machine, so a turn's tenth tool round paid ~65 ms for it
    (bench/tools_bench.py). Our dicts are already in wire form; ``extra_body``
    is merged into the JSON body as it is, so the bytes sent are the same.
    """
    if "tools" not in req:
        return req
    out = dict(req)
    body = {"messages": out.pop("messages"), "tools": out.pop("tools")}
    return {**out, "messages": [], "extra_body": body}
