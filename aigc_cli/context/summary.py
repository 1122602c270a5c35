"""Condensing conversation turns into a running summary (context.strategy = "summarize").

The summary requests must fit the window themselves: the turns are cut into
pieces that leave room for the instructions, the summary so far and the new
summary, and folded in one piece at a time, so even a single message larger
than the window gets condensed. Generation is injected (``Ask``), so this is
testable with any callable and runs on whatever backend the turn uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from aigc_cli.context.fit import Count, Summarizer
from aigc_cli.textsplit import split_by_tokens
from aigc_cli.messages import Message

if TYPE_CHECKING:
    pass

SUMMARY_SYSTEM = (
    "You condense conversations. Update the running summary so that it also covers "
    "the new part of the conversation. Keep facts, decisions, names, numbers, code "
    "identifiers, open questions and the user's stated preferences; drop small talk. "
    "Write in the language the conversation uses. Reply with the summary only."
)

Ask = Callable[[list[Message], int], str]


def transcript(messages: Sequence[Message]) -> list[str]:
    """Messages as transcript paragraphs ("User: ...", "Assistant: ...")."""
    return [f"{m.role.capitalize()}: {m.content}" for m in messages]


def _prompt(previous: str | None, part: str, target: int) -> list[Message]:
    user = (
        f"<summary_so_far>\n{previous or '(none yet)'}\n</summary_so_far>\n\n"
        f"<conversation>\n{part}\n</conversation>\n\n"
        f"Write the updated summary, at most about {max(target * 3 // 4, 20)} words."
    )
    return [Message(role="system", content=SUMMARY_SYSTEM), Message(role="user", content=user)]


def pieces(paragraphs: Sequence[str], room: int, count_text: Callable[[str], int]) -> list[str]:
    """Paragraphs packed into pieces of at most ``room`` tokens; a huge one is split."""
    out: list[str] = []
    buf: list[str] = []
    used = 0
    for para in paragraphs:
        for part in _split_text(para, room, count_text):
            cost = count_text(part) + 1
            if buf and used + cost > room:
                out.append("\n\n".join(buf))
                buf, used = [], 0
            buf.append(part)
            used += cost
    if buf:
        out.append("\n\n".join(buf))
    return out


def _split_text(text: str, room: int, count_text: Callable[[str], int]) -> list[str]:
    """``text`` in consecutive parts of at most ``room`` tokens each."""
    return list(split_by_tokens([text], room, count_text))


def make_summarizer(ask: Ask, window: int, count: Count) -> Summarizer:
    """A summarizer that folds messages into the summary piece by piece.

    Each request it makes fits the window too: the messages are cut into
    pieces that leave room for the instructions, the summary so far and the
    new summary, so even one message bigger than the window is condensed.
    """

    def count_text(text: str) -> int:
        return count([Message(role="user", content=text)]) - count([Message(role="user", content="")])

    def summarize(previous: str | None, messages: Sequence[Message], target: int) -> str:
        overhead = count(_prompt(None, "", target)) + 2 * target  # instructions, old + new summary
        room = max(window - overhead, 64)
        text = previous
        for part in pieces(transcript(messages), room, count_text):
            text = ask(_prompt(text, part, target), target).strip() or text
        return text or ""

    return summarize
