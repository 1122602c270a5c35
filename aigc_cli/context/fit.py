"""Fitting a request into the model's context window.

Every request must fit ``window - reserved output`` by the backend's own
counter. The system prompt(s) and the newest message always stay. Older turns
go oldest first: dropped (``context.strategy = "drop"``), or condensed into a
running summary (``"summarize"``) that is stored with the conversation and
reused until more turns have to go. A newest message that alone does not fit
is an ``InputTooLarge`` error with the numbers, unless the caller asked to
truncate it (``--truncate``), which cuts its middle: instructions come after
piped content (see inputs.compose), so head and tail are what matter.

Counting is injected (``count``: messages -> tokens), so this module is pure
and works with any backend's tokenizer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aigc_cli.errors import InputTooLarge
from aigc_cli.messages import Message

if TYPE_CHECKING:
    from aigc_cli.messages import Usage

Count = Callable[[Sequence[Message]], int]
# (previous summary or None, messages to condense, target tokens) -> new summary
Summarizer = Callable[[str | None, Sequence[Message], int], str]

SUMMARY_HEADER = "Summary of the earlier part of this conversation:\n"
CUT_MARK = "\n\n[... {n} tokens cut to fit the context window ...]\n\n"
# when condensing, keep recent turns in at most this share of the free room, so
# the next few turns fit without another summarizing call
KEEP_SHARE_AFTER_SUMMARY = 0.5


@dataclass
class Summary:
    """A running summary of a conversation's first ``covered`` history messages."""

    text: str
    covered: int


@dataclass
class Fitted:
    """What was sent and what was done to make it fit."""

    messages: list[Message]
    prompt_tokens: int
    budget: int
    window: int
    dropped: int = 0
    condensed: int = 0
    cut_tokens: int = 0
    summary: Summary | None = None
    summary_changed: bool = False
    summary_usage: "Usage | None" = None  # what the summarizing requests used
    summary_cost: float | None = None
    notices: list[str] = field(default_factory=list)


def budget_for(window: int, reserve: int) -> int:
    """Tokens available for the prompt once the answer's room is set aside."""
    return window - reserve


def _split(messages: Sequence[Message]) -> tuple[list[Message], list[Message], Message]:
    """Leading system messages, the history between, and the newest message."""
    if not messages:
        raise ValueError("fit_messages needs at least one message")
    n = 0
    while n < len(messages) - 1 and messages[n].role == "system":
        n += 1
    return list(messages[:n]), list(messages[n:-1]), messages[-1]


def _cost_each(history: Sequence[Message], count: Count) -> list[int]:
    """Each message's share of a request (the counter is additive per message).

    Some chat templates refuse a lone message or an empty list; then the
    share is estimated with tiktoken, and the callers' final check with the
    real counter drops more turns if the estimate was low.
    """
    try:
        base = count([])
        return [count([m]) - base for m in history]
    except Exception:  # noqa: BLE001 - any template error: fall back to the estimate
        from aigc_cli import tokens

        return [tokens.count_text(m.content) + tokens.message_overhead() for m in history]


def _keep_from(history: Sequence[Message], costs: Sequence[int], room: int) -> int:
    """Index of the oldest message kept so the newest ones fit ``room``.

    The kept part starts at a user message, so the model never sees an
    answer without its question.
    """
    used = 0
    start = len(history)
    for i in range(len(history) - 1, -1, -1):
        if used + costs[i] > room:
            break
        used += costs[i]
        start = i
    while start < len(history) and history[start].role != "user":
        start += 1
    return start


def summary_message(summary: Summary) -> Message:
    return Message(role="system", content=SUMMARY_HEADER + summary.text)


def cut_middle(text: str, limit: int, count_text: Callable[[str], int]) -> tuple[str, int]:
    """``text`` cut in the middle to at most ``limit`` tokens; returns (text, tokens cut)."""
    total = count_text(text)
    if total <= limit:
        return text, 0
    mark_cost = count_text(CUT_MARK.format(n=total))
    keep_tokens = max(limit - mark_cost, 0)
    ratio = len(text) / max(total, 1)  # characters per token, for this text
    keep_chars = int(keep_tokens * ratio)
    while True:
        head = text[: keep_chars - keep_chars // 2] if keep_chars else ""
        tail = text[len(text) - keep_chars // 2 :] if keep_chars // 2 else ""
        cut = total - count_text(head) - count_text(tail)
        out = head + CUT_MARK.format(n=cut) + tail
        if count_text(out) <= limit or keep_chars == 0:
            return out, cut
        keep_chars = int(keep_chars * 0.9)


def _too_large(fixed: int, budget: int, window: int, model: str) -> InputTooLarge:
    reserve = window - budget
    return InputTooLarge(
        f"the prompt is {fixed:,} tokens, but {model}'s window is {window:,} tokens "
        f"with {reserve:,} kept for the answer ({max(budget, 0):,} left for the prompt)",
        hint="shorten the input, add --truncate to cut its middle, use a model with a "
        "larger window (-m), or `aigc summarize` it",
    )


def _fit_newest(
    head: list[Message],
    last: Message,
    budget: int,
    window: int,
    model: str,
    count: Count,
    truncate: bool,
) -> tuple[Message, int]:
    """The newest message, cut to fit if allowed; (message, tokens cut)."""
    fixed = count([*head, last])
    if fixed <= budget:
        return last, 0
    empty = count([*head, Message(role=last.role, content="")])
    if not truncate or empty >= budget:
        raise _too_large(fixed, budget, window, model)
    text_room = budget - empty

    def count_text(t: str) -> int:
        return count([Message(role="user", content=t)]) - count([Message(role="user", content="")])

    content, cut = cut_middle(last.content, text_room, count_text)
    return Message(role=last.role, content=content), cut


def fit_messages(
    messages: Sequence[Message],
    *,
    window: int,
    reserve: int,
    count: Count,
    model: str = "the model",
    strategy: str = "drop",
    summary: Summary | None = None,
    summarizer: Summarizer | None = None,
    truncate: bool = False,
) -> Fitted:
    """Fit ``messages`` (system..., history..., newest) into ``window - reserve`` tokens."""
    budget = budget_for(window, reserve)
    head, history, last = _split(messages)
    last, cut = _fit_newest(head, last, budget, window, model, count, truncate)
    notices = [f"cut {cut:,} tokens from the middle of the newest message (--truncate)"] if cut else []
    if strategy == "summarize" and summarizer is not None:
        fitted = _fit_summarize(head, history, last, budget, count, summary, summarizer)
    else:
        fitted = _fit_drop(head, history, last, budget, count)
    fitted.window, fitted.cut_tokens = window, cut
    fitted.notices = notices + fitted.notices
    _describe(fitted, model)
    return fitted


def _fit_drop(head: list[Message], history: list[Message], last: Message, budget: int, count: Count) -> Fitted:
    room = budget - count([*head, last])
    start = _keep_from(history, _cost_each(history, count), room)
    kept, out, total = _trim(head, [], history[start:], last, count, budget)
    return Fitted(messages=out, prompt_tokens=total, budget=budget, window=0, dropped=len(history) - len(kept))


def _trim(
    head: list[Message], extra: list[Message], kept: list[Message], last: Message, count: Count, budget: int
) -> tuple[list[Message], list[Message], int]:
    """Check the whole request with the real counter; drop more old turns while it is over.

    Shares are measured per message, and a template may not be quite additive:
    this is what guarantees no request exceeds the budget by its own counter.
    """
    out = [*head, *extra, *kept, last]
    total = count(out)
    while total > budget and kept:
        kept = kept[1:]
        while kept and kept[0].role != "user":
            kept = kept[1:]
        out = [*head, *extra, *kept, last]
        total = count(out)
    return kept, out, total


def _fit_summarize(
    head: list[Message],
    history: list[Message],
    last: Message,
    budget: int,
    count: Count,
    summary: Summary | None,
    summarizer: Summarizer,
) -> Fitted:
    if summary is not None and summary.covered > len(history):
        summary = None  # the conversation was edited under it: start over
    covered = summary.covered if summary else 0
    rest = history[covered:]
    costs = _cost_each(rest, count)
    fixed = count([*head, *([summary_message(summary)] if summary else []), last])
    if fixed + sum(costs) <= budget:
        return _summarized(head, history, rest, last, count, budget, summary, changed=False)
    summary_room = max(min(budget // 4, 2000), 64)
    free = budget - count([*head, last]) - summary_room
    start = _keep_from(rest, costs, int(free * KEEP_SHARE_AFTER_SUMMARY))
    if start == 0:  # not even the oldest new turn can go: nothing to condense
        return _summarized(head, history, rest, last, count, budget, summary, changed=False)
    text = summarizer(summary.text if summary else None, rest[:start], summary_room)
    text = _clip(text, summary_room, count)
    new = Summary(text=text, covered=covered + start)
    return _summarized(head, history, rest[start:], last, count, budget, new, changed=True)


def _clip(text: str, limit: int, count: Count) -> str:
    """A summary that came back longer than asked is cut to its room."""

    def count_text(t: str) -> int:
        return count([Message(role="system", content=SUMMARY_HEADER + t)]) - count(
            [Message(role="system", content=SUMMARY_HEADER)]
        )

    return cut_middle(text, limit, count_text)[0]


def _summarized(
    head: list[Message],
    history: list[Message],
    kept: list[Message],
    last: Message,
    count: Count,
    budget: int,
    summary: Summary | None,
    changed: bool,
) -> Fitted:
    extra = [summary_message(summary)] if summary else []
    kept, out, total = _trim(head, extra, kept, last, count, budget)
    if total > budget:  # a stored summary too big for this (smaller) window: leave it out
        summary, changed = None, False
        kept, out, total = _trim(head, [], kept, last, count, budget)
    condensed = summary.covered if summary else 0
    dropped = len(history) - condensed - len(kept)
    return Fitted(
        messages=out,
        prompt_tokens=total,
        budget=budget,
        window=0,
        dropped=dropped,
        condensed=condensed,
        summary=summary,
        summary_changed=changed,
    )


def _describe(fitted: Fitted, model: str) -> None:
    """The one line the user sees about what was cut, left out or condensed."""
    where = f"{model}'s {fitted.window:,}-token window"
    parts = list(fitted.notices)
    if fitted.condensed:
        fresh = " (summary updated)" if fitted.summary_changed else ""
        parts.append(f"{fitted.condensed} earlier messages condensed into a summary{fresh}")
    if fitted.dropped:
        parts.append(f"left out the {fitted.dropped} oldest messages")
    if parts:
        fitted.notices = ["; ".join(parts) + f" to fit {where}"]
