"""Tool calling on the local backend: the GGUF's own chat template renders the
tools, and the call is parsed from what the model writes.

Instruct models that know tools say so in their chat template (it reads
``tools``); ``LocalBackend.supports_tools`` checks that. The template is given
the messages in the OpenAI shape it expects (assistant ``tool_calls`` with
``arguments`` as an object, ``tool`` messages with their call id) and the
tools as ``{"type": "function", "function": ...}``. The model then writes a
call in its family's form:

* Qwen2.5, Hermes and most others: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``
* Llama 3.x: the answer is one JSON object ``{"name": ..., "parameters": {...}}``
  (optionally after ``<|python_tag|>``)

With tools offered, the answer is held until it ends (a call must never be
shown as text), then split into text and calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Sequence
from typing import Any, TypeVar

from aigc_cli.messages import Chunk, Message, ToolCall

R = TypeVar("R")

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.S)


def template_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Messages as chat templates expect them; plain ones stay ``{"role", "content"}``."""
    out: list[dict[str, Any]] = []
    for m in messages:
        item: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            item["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": _obj(c.arguments)}}
                for c in m.tool_calls
            ]
        if m.role == "tool":
            item["tool_call_id"] = m.tool_call_id or ""
        out.append(item)
    return out


def template_tools(tools: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if not tools:
        return None
    return [{"type": "function", "function": {"name": t["name"], "description": t.get("description", ""),
                                              "parameters": t.get("parameters") or {"type": "object"}}}
            for t in tools]  # fmt: skip


def _obj(arguments: str) -> Any:
    try:
        return json.loads(arguments)
    except json.JSONDecodeError:
        return arguments


def parse_calls(text: str) -> tuple[str, list[ToolCall]]:
    """The text without the calls, and the calls the model wrote (none: the text as it is)."""
    calls: list[ToolCall] = []
    for n, body in enumerate(_TAGGED.findall(text)):
        call = _call(body, n)
        if call is not None:
            calls.append(call)
    if calls:
        return _TAGGED.sub("", text).strip(), calls
    bare = text.strip().removeprefix("<|python_tag|>").strip()
    if bare.startswith("```"):
        bare = re.sub(r"^```(?:json)?\s*|\s*```$", "", bare)
    if bare.startswith("{") and bare.endswith("}"):
        call = _call(bare, 0)
        if call is not None:
            return "", [call]
    return text, []


def _call(body: str, n: int) -> ToolCall | None:
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return None
    args = data.get("arguments", data.get("parameters", {}))
    arguments = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
    return ToolCall(id=f"call_local_{n}", name=data["name"], arguments=arguments)


def held(chunks: Generator[Chunk, None, R]) -> Generator[Chunk, None, R]:
    """The stream with its text held to the end, then split into text and tool calls."""
    parts: list[str] = []
    while True:
        try:
            chunk = next(chunks)
        except StopIteration as stop:
            result: R = stop.value
            break
        if chunk.text:
            parts.append(chunk.text)
        if chunk.finish_reason or chunk.usage or chunk.tool_calls:
            yield Chunk(finish_reason=chunk.finish_reason, usage=chunk.usage, model=chunk.model)
    text, calls = parse_calls("".join(parts))
    if text:
        yield Chunk(text=text)
    if calls:
        yield Chunk(tool_calls=calls, finish_reason="tool_calls")
    return result
