"""The OpenAI backend in-process: the real SDK over an injected httpx2 MockTransport (fast tier).

No server and no subprocess: the transport answers like the API, so the
backend's request shape, streaming parser, usage, non-streamed path and
error mapping (exit codes) are checked in milliseconds. The loopback-server
and subprocess tests still cover the wire and the command line.
"""

from __future__ import annotations

import json

import httpx2
import pytest

from aigc_cli.backends.openai import OpenAIBackend
from aigc_cli.config import Settings
from aigc_cli.errors import AuthError, RateLimited
from aigc_cli.messages import GenOptions, Message

pytestmark = pytest.mark.fast

QUESTION = [Message(role="user", content="hi")]


def _sse(*events: dict) -> bytes:
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode() + b"data: [DONE]\n\n"


def _delta(text: str) -> dict:
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }


def _backend(handler, **openai) -> tuple[OpenAIBackend, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []

    def record(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return handler(request)

    settings = Settings(openai={"api_key": "sk-test", "max_retries": 0, **openai})
    return OpenAIBackend(settings, transport=httpx2.MockTransport(record)), seen


def test_a_streamed_answer_arrives_in_chunks_with_usage():
    done = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    usage = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "gpt-4o-mini",
        "choices": [],
        "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
    }
    body = _sse(_delta("Hel"), _delta("lo"), done, usage)
    be, seen = _backend(lambda r: httpx2.Response(200, content=body, headers={"content-type": "text/event-stream"}))
    chunks = list(be.stream(QUESTION, GenOptions(model="gpt-4o-mini", temperature=0.5)))
    assert "".join(c.text for c in chunks) == "Hello"
    assert chunks[-1].usage is not None and chunks[-1].usage.prompt_tokens == 7
    sent = json.loads(seen[0].content)
    assert sent["model"] == "gpt-4o-mini" and sent["stream"] is True and sent["temperature"] == 0.5
    assert sent["messages"][-1]["content"] == "hi"
    assert seen[0].headers["authorization"] == "Bearer sk-test"


def test_a_whole_answer_without_streaming():
    answer = {
        "id": "c1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
    }
    be, _ = _backend(lambda r: httpx2.Response(200, json=answer))
    chunk = be.complete(QUESTION, GenOptions())
    assert (chunk.text, chunk.finish_reason, chunk.usage.completion_tokens) == ("Paris", "stop", 1)


@pytest.mark.parametrize(("status", "error", "code"), [(401, AuthError, 3), (429, RateLimited, 5)])
def test_http_failures_map_to_aigc_errors_with_their_exit_codes(status, error, code):
    body = {"error": {"message": "nope", "type": "x", "code": "insufficient_quota" if status == 429 else None}}
    be, seen = _backend(lambda r: httpx2.Response(status, json=body))
    with pytest.raises(error) as caught:
        list(be.stream(QUESTION, GenOptions()))
    assert caught.value.exit_code == code
    assert len(seen) == 1  # max_retries 0: one request


def test_an_endless_line_in_the_stream_stops_the_reading_at_the_bound():
    """A 40 MB `data:` line is refused after 4 MiB, never assembled whole: the server's generator says how far it got."""
    from aigc_cli.backends.openai_sse import MAX_LINE_BYTES
    from aigc_cli.errors import BadServerAnswer

    sent = [0]

    def body():
        yield _sse(_delta("Hello"))[: -len(b"data: [DONE]\n\n")]
        yield b'data: {"id": "c1", "choices": [{"index": 0, "delta": {"content": "'
        for _ in range(40 * 16):  # 40 MiB in 64 KiB pieces, no line break
            sent[0] += 65536
            yield b"x" * 65536

    backend, _ = _backend(lambda r: httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body()))
    with pytest.raises(BadServerAnswer, match="more than 4 MiB"):
        list(backend.stream(QUESTION, GenOptions(model="gpt-4o-mini")))
    assert sent[0] <= MAX_LINE_BYTES + 2 * 65536


def test_ordinary_events_pass_the_line_bound_untouched():
    from aigc_cli.backends.openai_sse import BoundedLines

    class Pieces(httpx2.SyncByteStream):
        def __iter__(self):
            yield from [b"data: a\n", b"\ndata: " + b"b" * 90, b"\n\n", b"x" * 60 + b"\r", b"y" * 60]

    assert (
        b"".join(BoundedLines(Pieces(), 100))
        == b"data: a\n\ndata: " + b"b" * 90 + b"\n\n" + b"x" * 60 + b"\r" + b"y" * 60
    )
