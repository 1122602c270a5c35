"""A scripted in-process backend for tests of the core (as httpx ships MockTransport).

``FakeBackend`` answers from a queue of replies, records every request, counts
tokens as words (+4 per message) and can fail mid-answer, so the session,
context fitting, store and chat logic can be tested in-process without a
server. ``backends.provide(fake)`` makes it choosable as ``-b fake`` in this
process. End-to-end tests still use real servers (tests/fixtures).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from aigc_cli.backends.base import Backend, Price
from aigc_cli.messages import Chunk, GenOptions, Message, ToolCall, Usage


@dataclass
class FakeReply:
    """One scripted answer: its text, and optionally an error raised after ``fail_after``
    words, or tool calls handed over with the finish (as a real backend assembles them)."""

    text: str = "ok"
    error: BaseException | None = None
    fail_after: int = 0
    tool_calls: list[ToolCall] | None = None


@dataclass
class FakeRequest:
    """What the backend was asked."""

    messages: list[Message]
    options: GenOptions


@dataclass
class FakeBackend(Backend):
    """Scripted replies (str or FakeReply), recorded requests, word-count tokens."""

    replies: Iterable[str | FakeReply] = ()
    window: int = 4096
    cost: Price | None = None
    model: str = "fake-1"
    name: str = "fake"
    style: Literal["chat", "completion"] = "chat"  # "completion" plays a base model
    tools: bool = False  # what supports_tools answers (tests of the tools stage)
    vision: bool = False  # what supports_vision answers (tests of attachments)
    requests: list[FakeRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._queue: deque[str | FakeReply] = deque(self.replies)

    def push(self, *replies: str | FakeReply) -> None:
        self._queue.extend(replies)

    @property
    def default_model(self) -> str:
        return self.model

    def stream(self, messages: Sequence[Message], options: GenOptions) -> Iterator[Chunk]:
        self.requests.append(FakeRequest(list(messages), options))
        reply = self._queue.popleft() if self._queue else FakeReply()
        reply = FakeReply(reply) if isinstance(reply, str) else reply
        words = reply.text.split(" ")
        for i, word in enumerate(words):
            if reply.error is not None and i == reply.fail_after:
                raise reply.error
            yield Chunk(text=word if i == len(words) - 1 else word + " ")
        if reply.error is not None:
            raise reply.error
        usage = Usage(prompt_tokens=self.count_tokens(messages), completion_tokens=len(words))
        finish = "tool_calls" if reply.tool_calls else "stop"
        yield Chunk(finish_reason=finish, usage=usage, model=options.model or self.model, tool_calls=reply.tool_calls)

    def count_tokens(self, messages: Sequence[Message], model: str | None = None) -> int:
        from aigc_cli.tokens import image_tokens  # images by OpenAI's tile rule (attachments)

        return sum(
            len(m.content.split()) + 4 + sum(image_tokens(i.width, i.height, i.detail) for i in m.images)
            for m in messages
        )

    def context_window(self, model: str | None = None) -> int:
        return self.window

    def prompt_style(self, model: str | None = None) -> Literal["chat", "completion"]:
        return self.style

    def price(self, model: str | None = None) -> Price | None:
        return self.cost

    def supports_tools(self, model: str) -> bool:
        return self.tools

    def supports_vision(self, model: str) -> bool:
        return self.vision
