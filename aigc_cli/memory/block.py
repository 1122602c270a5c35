"""The "About the user" block: memories added to a task's system prompt, within a budget.

This is the one place memories reach a request. The block goes after the
recipe's (or ``-s``) system prompt, in the same system message, so the
context fitting counts it like the rest of the system prompt and never drops
it. Memory text is inserted as it is, never read as a template, and never
goes into the user's message.

The budget (``memory.budget_tokens``) keeps pinned memories always and then
the newest ones; the rest is left out with one notice saying how many. The
count is the model's tiktoken count (an estimate for non-OpenAI models,
which is enough for a budget); a block that fits easily by its size (UTF-8
bound, or a character estimate with a 50% margin) is not counted at all, so
a short request with a few memories still loads no tokenizer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from aigc_cli.memory.store import Memory

if TYPE_CHECKING:
    from aigc_cli.config import Settings
    from aigc_cli.store.db import Store

HEADER = "## About the user\n(Things the user asked you to remember about them. Use them when they are relevant.)"
# bytes -> at most this many tokens for any tokenizer we count with (see tokens.upper_bound)
_BOUND_FACTOR = 1.25
_ESTIMATE_MARGIN = 1.5


class Injected(NamedTuple):
    """A system prompt with the memory block, which memories it holds, and a notice (or None)."""

    system: str | None
    used: list[Memory]
    notice: str | None


def line(memory: Memory) -> str:
    return f"- {memory.text}"


def render(memories: Sequence[Memory]) -> str:
    """The block for these memories (assumed non-empty), oldest first."""
    return "\n".join([HEADER, *(line(m) for m in sorted(memories, key=lambda m: m.id))])


def as_preface(memories: Sequence[Memory]) -> str | None:
    """The memories for a base model's completion framing (no system prompt there):
    a short paragraph the document starts with, stated as facts, since instructions
    like HEADER's are what a base model echoes."""
    if not memories:
        return None
    facts = "\n".join(line(m) for m in sorted(memories, key=lambda m: m.id))
    return f"About the reader:\n{facts}"


def select(memories: Sequence[Memory], budget: int, count: Callable[[str], int]) -> tuple[list[Memory], int]:
    """(memories kept, how many left out): pinned always, then newest first while they fit.

    Once an unpinned memory does not fit, every older one is left out too, so
    what goes is always the oldest, never a random middle.
    """
    pinned = [m for m in memories if m.pinned]
    rest = sorted((m for m in memories if not m.pinned), key=lambda m: m.id, reverse=True)
    used = count(HEADER) + sum(count(line(m)) + 1 for m in pinned)
    kept = list(pinned)
    for i, m in enumerate(rest):
        cost = count(line(m)) + 1  # + the newline joining it
        if used + cost > budget:
            return kept, len(rest) - i
        used += cost
        kept.append(m)
    return kept, 0


def _bound(text: str) -> int:
    """Never below the real count (byte-level BPE: at least a byte per token)."""
    return math.ceil(len(text.encode("utf-8")) * _BOUND_FACTOR)


def _estimate(text: str) -> int:
    """About what BPE tokenizers make of text: ~4 ASCII characters a token, and up to
    1.5 tokens for each other character (CJK), times a margin of a half.

    Not a bound (a run of punctuation costs more), so it only decides "all of it
    fits easily"; anything close to the budget is counted exactly.
    """
    ascii_chars = sum(1 for ch in text if ord(ch) < 128)
    return math.ceil((ascii_chars / 4 + (len(text) - ascii_chars) * 1.5) * _ESTIMATE_MARGIN) + 1


def _counter(memories: Sequence[Memory], budget: int, model: str | None) -> Callable[[str], int]:
    """A cheap measure when everything fits by it, else the model's tokenizer.

    Loading a BPE table costs ~0.2 s, more than the rest of a short `ask`; a
    few memories under the default budget never need it.
    """
    for cheap in (_bound, _estimate):
        if cheap(HEADER) + sum(cheap(line(m)) + 1 for m in memories) <= budget:
            return cheap
    from aigc_cli import tokens

    return lambda text: tokens.count_text(text, model)


def with_block(system: str | None, memories: Sequence[Memory], budget: int, model: str | None) -> Injected:
    """``system`` followed by the block of the memories that fit ``budget``."""
    if not memories:
        return Injected(system, [], None)
    kept, left_out = select(memories, budget, _counter(memories, budget, model))
    notice = None
    if left_out:
        notice = (
            f"left out the {left_out} oldest of {len(memories)} memories to fit memory.budget_tokens"
            f" ({budget:,}); `aigc memory pin ID` keeps one always"
        )
    if not kept:
        return Injected(system, [], notice)
    block = render(kept)
    return Injected(f"{system.rstrip()}\n\n{block}" if system and system.strip() else block, kept, notice)


def system_with_memories(
    system: str | None,
    settings: "Settings",
    store: "Store | None" = None,
    *,
    enabled: bool = True,
    model: str | None = None,
) -> Injected:
    """The system prompt to send: ``system`` plus the "About the user" block.

    ``enabled`` is False with ``--no-memory``; ``memory.enabled = false``
    turns it off everywhere. ``store`` is the turn's open store if it has
    one; otherwise the store is opened here only if it exists already.
    """
    if not enabled or not settings.memory.enabled:
        return Injected(system, [], None)
    from aigc_cli.memory.store import all_memories

    if store is not None:
        memories = all_memories(store)
    else:
        from aigc_cli.errors import StoreError
        from aigc_cli.store.db import Store

        try:
            opened = Store.open(create=False)
        except StoreError as exc:  # a --no-log turn still answers; the store stays untouched
            return Injected(system, [], f"memories left out: {exc.message}")
        if opened is None:
            return Injected(system, [], None)
        with opened:
            memories = all_memories(opened)
    return with_block(system, memories, settings.memory.budget_tokens, model)
