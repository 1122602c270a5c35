"""Text into speakable pieces: at sentence ends (Chinese 。！？ too), within an engine's limit.

Pure functions. ``split`` is used for long text (each piece one request to the
engine, joined afterwards); ``SentenceBuffer`` for `--speak`, which hands out
each sentence as soon as a streamed answer has finished it.
"""

from __future__ import annotations

import re

# a sentence ends at . ! ? … (followed by space or the end) or at 。！？；, or at a blank line
_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|(?<=[。！？；])[”’」』）]*|\n\s*\n")
_FENCE = re.compile(r"^```.*?^```\s*$", re.S | re.M)
_MARKUP = re.compile(r"[*_`#>|]+")


def speakable(text: str) -> str:
    """Markdown made fit to read aloud: code blocks and markup characters left out."""
    text = _FENCE.sub(" ", text)
    return _MARKUP.sub("", text)


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, each with its closing punctuation, stripped, none empty."""
    out, start = [], 0
    for m in _END.finditer(text):
        piece = text[start : m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def split(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, cut between sentences (inside a sentence
    longer than ``limit`` only at a space or, for Chinese, anywhere)."""
    pieces: list[str] = []
    current = ""
    for sentence in sentences(text):
        for part in _hard_cut(sentence, limit):
            joined = f"{current} {part}" if current else part
            if len(joined) <= limit:
                current = joined
            else:
                pieces.append(current)
                current = part
    if current:
        pieces.append(current)
    return pieces


def _hard_cut(sentence: str, limit: int) -> list[str]:
    out = []
    while len(sentence) > limit:
        cut = sentence.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
        out.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    if sentence:
        out.append(sentence)
    return out


class SentenceBuffer:
    """Collects streamed text; ``feed`` returns the sentences it completed."""

    def __init__(self) -> None:
        self._text = ""

    def feed(self, piece: str) -> list[str]:
        self._text += piece
        done: list[str] = []
        last = 0
        for m in _END.finditer(self._text):
            done.append(self._text[last : m.end()])
            last = m.end()
        self._text = self._text[last:]
        return [s for s in (speakable(x).strip() for x in done) if s]

    def rest(self) -> str:
        text, self._text = speakable(self._text).strip(), ""
        return text
