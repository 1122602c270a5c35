"""Checking what an OpenAI-compatible server sent before trusting its shape.

A server (or a proxy in front of it) can answer 200 with an HTML page,
``{"foo": 1}``, ``[]``, an integer where text belongs, or end a stream
without ``[DONE]`` or a finish reason. Each is a fault of the server, not of
aigc: one line naming the server and what was wrong, exit 4
(:class:`BadServerAnswer`), and whatever text arrived before is kept, marked
interrupted (issue #25 §5). The checks are on plain JSON (dicts and lists),
as the streaming path parses events itself.
"""

from __future__ import annotations

from typing import Any

from aigc_cli.errors import BadServerAnswer

HINT = "the server (or a proxy in front of it) is misbehaving; check OPENAI_BASE_URL and try again"


def _bad(where: str, what: str) -> BadServerAnswer:
    return BadServerAnswer(f"{where} sent {what}", hint=HINT)


def _describe(value: Any) -> str:
    """A short one-line rendering of what the server sent (an SDK object as its JSON)."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        try:
            value = to_dict()
        except Exception:  # noqa: BLE001 - a half-built SDK object: fall back to repr
            pass
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:59] + "…"


def checked_event(event: Any, where: str) -> dict[str, Any]:
    """A streamed chat.completion.chunk as a dict whose choices and content have the right types."""
    if not isinstance(event, dict):
        raise _bad(where, f"an event that is not an object: {_describe(event)}")
    choices = event.get("choices")
    if choices is None:
        return event
    if not isinstance(choices, list):
        raise _bad(where, f"an event whose choices are not a list: {_describe(choices)}")
    for choice in choices:
        if not isinstance(choice, dict):
            raise _bad(where, f"an event with a malformed choice: {_describe(choice)}")
        delta = choice.get("delta")
        if delta is not None and not isinstance(delta, dict):
            raise _bad(where, f"an event with a malformed delta: {_describe(delta)}")
        content = (delta or {}).get("content")
        if content is not None and not isinstance(content, str):
            raise _bad(where, f"an event whose content is not text: {_describe(content)}")
        finish = choice.get("finish_reason")
        if finish is not None and not isinstance(finish, str):
            raise _bad(where, f"an event with a malformed finish_reason: {_describe(finish)}")
    return event


class StreamEnd:
    """What a stream showed of its end: ``[DONE]``, a finish reason, any event at all.

    A stream that stops without either was cut (a proxy timeout, a crashed
    worker); before, it was stored as a complete answer with exit 0.
    """

    def __init__(self, where: str) -> None:
        self.where = where
        self.done = False
        self.finished = False
        self.events = 0
        self.other: list[str] = []

    def saw_line(self, line: str) -> None:
        """A line that was not an event: kept (a few) to describe a non-stream answer."""
        if line.strip() and len(self.other) < 3:
            self.other.append(line.strip())

    def saw_event(self, event: dict[str, Any]) -> None:
        self.events += 1
        for choice in event.get("choices") or []:
            if choice.get("finish_reason"):
                self.finished = True

    def check(self, content_type: str | None) -> None:
        """Raise BadServerAnswer if the stream did not end as a complete answer."""
        if self.done or self.finished:
            return
        if not self.events:
            kind = (content_type or "no content type").split(";")[0].strip()
            body = f": {_describe(' '.join(self.other))}" if self.other else ""
            raise _bad(self.where, f"no event stream ({kind}){body}")
        raise BadServerAnswer(
            f"the answer from {self.where} ended before it was complete (no [DONE], no finish reason)",
            hint="the text above is incomplete; ask again",
        )


def checked_completion(resp: Any, where: str) -> tuple[str, str | None]:
    """The text and finish reason of a non-streamed answer, or BadServerAnswer.

    ``resp`` is what the SDK returned: a ChatCompletion built without
    validation (fields may be missing or of any type), or a plain str/list
    when the body was not a JSON object.
    """
    choices = getattr(resp, "choices", None) if not isinstance(resp, str | bytes | list | dict) else None
    if not isinstance(choices, list):
        raise _bad(where, f"something that is not a chat completion: {_describe(resp)}")
    if not choices:
        return "", None
    message = getattr(choices[0], "message", None)
    content = getattr(message, "content", None)
    finish = getattr(choices[0], "finish_reason", None)
    if message is None or (content is not None and not isinstance(content, str)):
        raise _bad(where, f"a chat completion whose message is not text: {_describe(message)}")
    return content or "", finish if isinstance(finish, str) else None


def checked_model_ids(page: Any, where: str) -> list[str]:
    """The model names of a /models answer, or BadServerAnswer."""
    data = getattr(page, "data", None)
    if not isinstance(data, list):
        raise _bad(where, f"a model list that is not a list: {_describe(page)}")
    ids = [getattr(m, "id", None) if not isinstance(m, dict) else m.get("id") for m in data]
    if not all(isinstance(i, str) for i in ids):
        raise _bad(where, f"a model list with malformed entries: {_describe(data[:3])}")
    return sorted(ids)  # type: ignore[arg-type]


def refused_on_loopback(host: str, exc: BaseException) -> bool:
    """A connection refused by this very machine: no server listens there, so a retry
    a moment later cannot succeed (a remote refusal may be a restarting balancer)."""
    import ipaddress

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
    seen: BaseException | None = exc
    for _ in range(8):  # the cause chain: httpx -> httpcore -> OSError
        if seen is None:
            break
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return loopback
        seen = seen.__cause__ or seen.__context__
    return False
