"""A streamed answer's events are bounded as they arrive, before the SDK holds them.

The SDK's SSE decoder gathers a line until its line break: a server that sends
one 40 MB ``data:`` line (broken, or hostile) has it assembled whole, in a few
copies, before the answer guard (backends/guard.py) sees a single character.
So the byte stream of every ``text/event-stream`` response is wrapped, in the
client's response hook, by one that counts the bytes since the last line break
and stops reading past ``MAX_LINE_BYTES``: a chat event is a few hundred bytes,
a tool call's arguments arrive in many small deltas.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2  # the SDK's HTTP library (loaded with it); only backends/openai*.py import this module

from aigc_cli.errors import BadServerAnswer

MAX_LINE_BYTES = 4 << 20


def bound_event_stream(response: Any) -> None:
    """The client's response hook: a streamed (SSE) body gets the line bound."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        response.stream = BoundedLines(response.stream, MAX_LINE_BYTES)


class BoundedLines(httpx2.SyncByteStream):
    """A sync byte stream that raises once a line passes ``limit`` bytes."""

    def __init__(self, inner: Any, limit: int) -> None:
        self.inner, self.limit = inner, limit

    def __iter__(self) -> Iterator[bytes]:
        run = 0
        for chunk in self.inner:
            brk = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
            run = len(chunk) - brk - 1 if brk >= 0 else run + len(chunk)
            if run > self.limit:
                raise BadServerAnswer(
                    f"the server sent a line of more than {self.limit >> 20} MiB in its answer stream; stopped reading",
                    hint="check the server (openai.base_url): a chat event is a few hundred bytes",
                )
            yield chunk

    def close(self) -> None:
        self.inner.close()
