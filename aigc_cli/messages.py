"""Data that crosses the boundary between the CLI, the session and backends.

Messages and options are pydantic models because they are validated, stored
and sent over the wire. ``Chunk`` is a plain slotted dataclass: one is made
per streamed token, and on that hot path pydantic validation would cost more
than the rest of the client together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr

Role = Literal["system", "user", "assistant", "tool"]


class ToolCall(BaseModel):
    """One tool call the model asked for: ``arguments`` is the JSON text as the
    model wrote it (it may not parse; the tool loop answers that as an error)."""

    id: str
    name: str
    arguments: str = "{}"


class ImagePart(BaseModel):
    """An image sent with a message (attachments, issue #22): a ``data:`` URL of
    bytes aigc prepared (metadata stripped, sized for the model) or an http(s)
    URL; ``width``/``height`` let context fitting count its tokens without decoding."""

    url: str
    detail: Literal["auto", "low", "high"] = "auto"
    width: int = 0
    height: int = 0


class Message(BaseModel):
    """One chat message, in the shape every backend understands.

    An assistant message may carry ``tool_calls`` (its text may then be empty);
    a ``tool`` message is one call's result, tied to it by ``tool_call_id``.
    """

    role: Role
    content: str
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    images: list[ImagePart] = Field(default_factory=list)  # a user message's attached images


class GenOptions(BaseModel):
    """How to generate: the model and sampling settings for one request.

    ``None`` means "the backend's default", so a backend can tell an explicit
    setting from an absent one.
    """

    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    stop: list[str] | None = None
    json_schema: dict[str, Any] | None = None
    seed: int | None = None
    # the request is a text to continue (Backend.prompt_style == "completion"):
    # the messages' contents are sent as one plain text, with no chat framing
    completion: bool = False
    # tools offered to the model, as JSON-schema function specs
    # ({"name", "description", "parameters"}); None = no tools (aigc_cli/tools)
    tools: list[dict[str, Any]] | None = None


class Usage(BaseModel):
    """Token usage of one request, as reported by the backend or counted."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(slots=True)
class Chunk:
    """A piece of a streamed answer: text, and at the end usage/finish reason.

    ``tool_calls`` holds whole calls: a backend assembles streamed call deltas
    (backends/openai_tools.py) and hands them over once, with the finish.
    """

    text: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None
    model: str | None = None
    tool_calls: list[ToolCall] | None = None


class Answer(BaseModel):
    """A whole answer, assembled from its chunks.

    Text arrives in many small pieces; they are kept in a list and joined on
    demand (``text``) so that a long answer costs linear time, not quadratic.
    """

    backend: str
    model: str
    finish_reason: str | None = None
    usage: Usage | None = None
    interrupted: bool = False
    tool_calls: list[ToolCall] = Field(default_factory=list)
    _parts: list[str] = PrivateAttr(default_factory=list)

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def add(self, chunk: Chunk) -> None:
        """Fold one streamed chunk into the answer."""
        if chunk.text:
            self._parts.append(chunk.text)
        if chunk.finish_reason:
            self.finish_reason = chunk.finish_reason
        if chunk.usage is not None:
            self.usage = chunk.usage
        if chunk.model:
            self.model = chunk.model
        if chunk.tool_calls:
            self.tool_calls.extend(chunk.tool_calls)

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` shape: answer, backend, model, usage, finish reason."""
        return {
            "answer": self.text,
            "backend": self.backend,
            "model": self.model,
            "usage": self.usage.model_dump() if self.usage else None,
            "finish_reason": self.finish_reason,
            "interrupted": self.interrupted,
        }
