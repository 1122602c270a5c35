"""Message text inside a Markdown export (issue #26, item 12).

A conversation exported as Markdown (and shown by `history show` on a
terminal) has one ``## User`` / ``## Assistant`` heading per turn, so:

- the user's text is shown as typed: a fenced ``text`` block (unless it is
  one line Markdown shows unchanged), so a pasted three-line message keeps
  its lines and a ``#`` or ``*`` stays a character;
- an answer's own headings are nested below the turn's heading (``#`` becomes
  ``###``), so its ``## Heading`` no longer sits at the level of the turns.
"""

from __future__ import annotations

import re

_ATX = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_NOT_PARAGRAPH = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|>|\|)")  # list, quote, table: `---` there is a rule


_PLAIN = re.compile(r"[^\\`*_#<>\[\]|~&!]*")  # one line with none of these renders as it reads
_MARKER = re.compile(r"^\s*(?:[-+=]|\d+[.)])")


def as_typed(text: str) -> str:
    """``text`` as it was typed: plain when Markdown would show it the same (one line,
    nothing special), else in a fence longer than any backtick run inside it."""
    body = text.strip("\n")
    if "\n" not in body and _PLAIN.fullmatch(body) and not _MARKER.match(body):
        return body.strip()
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{body}\n{fence}"


def nest_headings(text: str, levels: int = 2) -> str:
    """Every heading of ``text`` ``levels`` deeper (at most 6), code blocks left alone."""
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if m and (fence is None or m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)):
            fence = None if fence else m.group(1)
        elif fence is None:
            atx = _ATX.match(line)
            if atx:
                line = atx.group(1) + "#" * min(6, len(atx.group(2)) + levels) + line[atx.end() :]
            elif (
                _SETEXT.match(line)
                and out
                and out[-1].strip()
                and not _ATX.match(out[-1])
                and not _NOT_PARAGRAPH.match(out[-1])
            ):
                level = 1 if line.strip()[0] == "=" else 2
                out[-1] = "#" * min(6, level + levels) + " " + out[-1].strip()
                continue
        out.append(line)
    return "\n".join(out)
