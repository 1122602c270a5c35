"""One turn: messages -> backend -> answer, with interruption kept.

The session is the only place that drives a backend's stream. It hands
each piece of text to a sink (the renderer) as it arrives and folds it into an
``Answer``, so that an answer cut off by Ctrl-C or a lost connection is still
whole up to the point where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from aigc_cli.messages import Answer, Chunk, GenOptions, Message

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend

TextSink = Callable[[str], None]


def build_messages(system: str | None, history: Sequence[Message], user: str) -> list[Message]:
    """System prompt (if any), earlier turns, then the new user message."""
    out: list[Message] = []
    if system:
        out.append(Message(role="system", content=system))
    out.extend(history)
    out.append(Message(role="user", content=user))
    return out


def generate(
    backend: "Backend",
    messages: Sequence[Message],
    options: GenOptions,
    sink: TextSink | None = None,
    stream: bool = True,
) -> Answer:
    """Run one request; on interruption the partial answer rides on the exception.

    A ``KeyboardInterrupt`` or backend error raised mid-stream gets the partial
    ``Answer`` attached as ``exc.partial_answer`` (marked interrupted), so the
    caller can store and show what arrived before re-raising.
    """
    answer = Answer(backend=backend.name, model=options.model or backend.default_model)
    try:
        if stream or not hasattr(backend, "complete"):
            for chunk in backend.stream(messages, options):
                answer.add(chunk)
                if chunk.text and sink is not None:
                    sink(chunk.text)
        else:
            chunk: Chunk = backend.complete(messages, options)  # type: ignore[attr-defined]
            answer.add(chunk)
            if chunk.text and sink is not None:
                sink(chunk.text)
    except BaseException as exc:
        answer.interrupted = True
        exc.partial_answer = answer  # type: ignore[attr-defined]
        raise
    return answer
