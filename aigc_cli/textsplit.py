"""Splitting text by tokens, losslessly: shared by summarize's map step and the
running summary of long conversations (context/summary.py).

Counting is injected (``count``: text -> tokens), so any backend's tokenizer
works and this module stays pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

SEGMENT = 2000  # characters counted at a time
CountTokens = Callable[[str], int]


def segments(blocks: Iterable[str], size: int = SEGMENT) -> Iterator[str]:
    """Re-cut text into pieces of about ``size`` characters, at line ends where possible.

    Walks each block with an index rather than re-slicing the rest of it, so
    a 1 MB block costs one pass, not a copy per piece.
    """
    carry = ""
    for block in blocks:
        buf = carry + block if carry else block
        start = 0
        while len(buf) - start >= size:
            end = start + size
            cut = buf.rfind("\n", start + size // 2, end) + 1 or buf.rfind(" ", start + size // 2, end) + 1 or end
            yield buf[start:cut]
            start = cut
        carry = buf[start:]
    if carry:
        yield carry


def split_by_tokens(blocks: Iterable[str], budget: int, count: CountTokens) -> Iterator[str]:
    """Lossless chunks of at most ``budget`` tokens each (joined, they are the input)."""
    parts: list[str] = []
    used = 0
    for seg in segments(blocks, min(SEGMENT, max(budget, 16))):
        for piece, n in _fit_segment(seg, budget, count):
            if used + n > budget and parts:
                yield "".join(parts)
                parts, used = [], 0
            parts.append(piece)
            used += n
    if parts:
        yield "".join(parts)


def _fit_segment(seg: str, budget: int, count: CountTokens) -> Iterator[tuple[str, int]]:
    """A segment with its token count, halved until each piece fits the budget."""
    n = count(seg)
    if n <= budget or len(seg) <= 1:
        yield seg, n
        return
    mid = len(seg) // 2
    yield from _fit_segment(seg[:mid], budget, count)
    yield from _fit_segment(seg[mid:], budget, count)
