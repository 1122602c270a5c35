"""Prompts for base models: chat messages rendered as a plain transcript.

A base model (a GGUF with no ``tokenizer.chat_template``, like the bundled
Gemma 3 270M) was never taught a chat format; llama.cpp's chat formats make it
produce junk. What it has seen plenty of is dialogue written out as text, so a
conversation becomes::

    <system prompt, or a one-line description of the assistant>

    User: <example question>
    Assistant: <example answer>

    User: <question>
    Assistant:

The few-shot examples (one English, one Chinese) show the turn format and
that answers follow the question's language. Generation stops at the next
``\\nUser:`` line, which is where a base model starts to invent the user's
next turn. This module has no llama.cpp import so it is unit-testable.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Sequence
from typing import Any

from aigc_cli.messages import Chunk, Message

USER = "User:"
ASSISTANT = "Assistant:"

DEFAULT_PREAMBLE = (
    "A conversation between a user and a helpful, knowledgeable assistant. "
    "The assistant answers accurately and briefly, in the language of the question."
)

FEW_SHOT: tuple[tuple[str, str], ...] = (
    ("How many days are in a week?", "A week has seven days."),
    ("日本的首都是哪里？", "日本的首都是东京。"),
)

# A base model continues the dialogue on its own; these lines end our turn.
STOP_SEQUENCES: tuple[str, ...] = ("\nUser:", "\nAssistant:", "\nSystem:")


def _turn(role: str, content: str) -> str:
    label = USER if role == "user" else ASSISTANT
    return f"{label} {content.strip()}"


def preamble(messages: Sequence[Message]) -> str:
    """System messages, joined, or the default description of the assistant."""
    system = "\n\n".join(m.content.strip() for m in messages if m.role == "system" and m.content.strip())
    return system or DEFAULT_PREAMBLE


def build_prompt(messages: Sequence[Message], few_shot: bool = True) -> str:
    """The transcript prompt for ``messages``, ending with ``Assistant:``.

    The prompt ends without a trailing space so the model's first token is
    its usual space-prefixed word; callers strip the answer's leading space.
    Turns are separated by a blank line, so a stored answer (stripped)
    re-renders to the same text in the next turn and the prompt prefix, and
    with it llama.cpp's saved state, stays reusable.
    """
    parts = [preamble(messages)]
    if few_shot:
        for question, answer in FEW_SHOT:
            parts.append(f"{_turn('user', question)}\n{_turn('assistant', answer)}")
    turns = [m for m in messages if m.role != "system"]
    block: list[str] = []
    for msg in turns:
        if msg.role == "user" and block:
            parts.append("\n".join(block))
            block = []
        block.append(_turn(msg.role, msg.content))
    block.append(ASSISTANT)
    parts.append("\n".join(block))
    return "\n\n".join(parts)


def _held_tail(text: str, stops: Sequence[str]) -> int:
    """Length of the end of ``text`` to hold back: whitespace, or the start of a stop sequence."""
    n = len(text) - len(text.rstrip())
    for stop in stops:
        for k in range(min(len(stop) - 1, len(text)), n, -1):
            if text.endswith(stop[:k]):
                n = k
                break
    return n


def tidy_stream(events: Iterable[dict[str, Any]], stops: Sequence[str] = ()) -> Generator[Chunk, None, str]:
    """Chunks without the answer's leading and trailing whitespace; returns the finish reason.

    Leading whitespace is dropped (the transcript's ``Assistant:`` is followed
    by a space-prefixed token). The end of the text so far is held back while
    it is whitespace or could be the start of a stop sequence: the newline
    before ``User:`` never reaches the user, and an answer cut by max_tokens
    in the middle of ``\nUser:`` does not end in a dangling ``\nUser``.
    """
    held = ""
    started = False
    finish: str | None = None
    for event in events:
        choice = event["choices"][0]
        finish = choice.get("finish_reason") or finish
        text = held + (choice.get("text") or "")
        if not started:
            text = text.lstrip()
            started = bool(text)
        keep = _held_tail(text, stops)
        if len(text) > keep:
            yield Chunk(text=text[: len(text) - keep])
        held = text[len(text) - keep :]
    finish = finish or "stop"
    if finish != "length" and held.rstrip():
        yield Chunk(text=held.rstrip())
    return finish
