"""Text -> passages that follow the document's structure and fit a token budget.

A new passage starts at every heading (so a passage belongs to one section
and carries its heading path, ``Install > Linux``); inside a section,
paragraphs and code blocks are packed together up to ``MAX_TOKENS``. A block
larger than that is cut at sentence ends (English ``.!?`` and Chinese
``。！？``), a sentence larger than that by characters. When a section spills
over into a second passage, the last small piece of the first is repeated
(``OVERLAP_TOKENS``) so that a fact on the boundary is found whole.

Tokens are estimated, not counted: a CJK character is about one token and
four other characters are about one, close enough for a budget and free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TOKENS = 320
OVERLAP_TOKENS = 48
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+")
STRUCTURED = {"markdown", "html", "pdf"}


@dataclass(slots=True)
class Chunk:
    """One passage: its text, heading path and 1-based inclusive line range in the text."""

    text: str
    heading: str
    start_line: int
    end_line: int


@dataclass(slots=True)
class _Piece:
    text: str
    start: int
    end: int
    tokens: int
    sep: str = "\n\n"  # what joins it to the piece before it in the same passage


def estimate_tokens(text: str) -> int:
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk) // 4 + 1


def _blocks(lines: list[str], structured: bool):
    """Yield ("heading", level, title, line) or ("block", text, start, end) in order."""
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        m = _HEADING.match(line) if structured else None
        if m:
            yield ("heading", len(m.group(1)), m.group(2), i + 1)
            i += 1
            continue
        fence = _FENCE.match(line) if structured else None
        start = i
        if fence:
            mark = fence.group(1)
            i += 1
            while i < n and not lines[i].lstrip().startswith(mark):
                i += 1
            i = min(i + 1, n)
        else:
            while (
                i < n and lines[i].strip() and not (structured and (_HEADING.match(lines[i]) or _FENCE.match(lines[i])))
            ):
                i += 1
        yield ("block", "\n".join(lines[start:i]), start + 1, i)


def _split_large(text: str, start: int) -> list[_Piece]:
    """A block over budget as sentence pieces (each under budget), with their lines."""
    pieces: list[_Piece] = []
    pos = 0
    code = bool(_FENCE.match(text))
    for part in text.split("\n") if code else _SENTENCE_END.split(text):
        if not part:
            continue
        at = text.find(part, pos)
        pos = at + len(part) if at >= 0 else pos
        line = start + text.count("\n", 0, max(at, 0))
        for cut in _hard_cut(part):
            sep = "\n" if code else ("" if not pieces or pieces[-1].text[-1:] in "。！？" else " ")
            pieces.append(_Piece(cut, line, line + cut.count("\n"), estimate_tokens(cut), sep))
    if pieces:
        pieces[0].sep = "\n\n"
    return pieces


def _hard_cut(text: str) -> list[str]:
    if estimate_tokens(text) <= MAX_TOKENS:
        return [text]
    cjk = len(_CJK.findall(text)) > len(text) // 3
    step = MAX_TOKENS if cjk else MAX_TOKENS * 4
    return [text[i : i + step] for i in range(0, len(text), step)]


class _Packer:
    def __init__(self) -> None:
        self.out: list[Chunk] = []
        self.cur: list[_Piece] = []
        self.tokens = 0
        self.heading = ""

    def add(self, piece: _Piece) -> None:
        if self.cur and self.tokens + piece.tokens > MAX_TOKENS:
            tail = self.cur[-1]
            self.flush()
            if tail.tokens <= OVERLAP_TOKENS and tail.tokens + piece.tokens <= MAX_TOKENS:
                self.cur, self.tokens = [tail], tail.tokens
        self.cur.append(piece)
        self.tokens += piece.tokens

    def flush(self) -> None:
        if self.cur:
            text = self.cur[0].text + "".join(p.sep + p.text for p in self.cur[1:])
            self.out.append(Chunk(text, self.heading, self.cur[0].start, max(p.end for p in self.cur)))
        self.cur, self.tokens = [], 0


def chunk_text(text: str, kind: str = "markdown") -> list[Chunk]:
    """The passages of one file's extracted text, in order.

    A heading with nothing under it (a file holding only ``# Ideas``, or a
    section left empty) is a passage of its own, its title as the text, so
    that it can still be found; a heading whose subsections have text is
    already in their heading path.
    """
    lines = text.splitlines()
    packer = _Packer()
    stack: list[tuple[int, str]] = []
    empty: tuple[int, str, int] | None = None  # (level, title, line) of a heading with no text yet
    for item in _blocks(lines, kind in STRUCTURED):
        if item[0] == "heading":
            _, level, title, line = item
            packer.flush()
            if empty is not None and level <= empty[0]:
                packer.out.append(Chunk(empty[1], packer.heading, empty[2], empty[2]))
            stack = [(lv, t) for lv, t in stack if lv < level] + [(level, title)]
            packer.heading = " > ".join(t for _, t in stack)
            empty = (level, title, line) if title.strip() else None
            continue
        empty = None
        _, block, start, end = item
        tokens = estimate_tokens(block)
        if tokens <= MAX_TOKENS:
            packer.add(_Piece(block, start, end, tokens))
        else:
            for piece in _split_large(block, start):
                packer.add(piece)
    packer.flush()
    if empty is not None:
        packer.out.append(Chunk(empty[1], packer.heading, empty[2], empty[2]))
    return packer.out
