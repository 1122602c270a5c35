"""A model's answer reduced to the bare command: no fences, no prose, no prompts.

Models asked for "only the command" still wrap it in a Markdown fence, put
"Here is the command:" above it, prefix it with ``$ `` or explain it after.
What is left must be exactly what would be typed, because it is what runs,
what ``aigc cmd | sh`` pipes and what the shell key binding puts on the line.
Several lines stay together as one script.
"""

from __future__ import annotations

import re
import textwrap

# an opening fence (``` or ~~~, optional language), its body, and the same fence closing it
_FENCE = re.compile(r"^[ \t]{0,3}(?P<fence>`{3,}|~{3,})[^\n`]*\n(?P<body>.*?)^[ \t]{0,3}(?P=fence)[`~]*[ \t]*$", re.S | re.M)
_OPEN_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[^\n`]*\n", re.M)
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_PROMPT = re.compile(r"^(\$|%|PS [^>]*>|>>>)\s")


def extract_command(answer: str) -> str:
    """The command in ``answer`` (empty when there is none)."""
    text = answer.replace("\r\n", "\n").strip()
    fenced = _FENCE.search(text)
    if fenced:
        body = fenced.group("body")
    elif _OPEN_FENCE.search(text):  # cut off before the closing fence
        body = text[_OPEN_FENCE.search(text).end() :]  # type: ignore[union-attr]
    else:
        body = _unfenced(text)
    return _tidy(body)


def _unfenced(text: str) -> str:
    """No fence: one inline code span inside a sentence, or the lines minus any lead-in."""
    if len(text) > 1 and text[0] == text[-1] == "`" and "`" not in text[1:-1]:
        return text[1:-1]
    spans = _INLINE.findall(text)
    if "\n" not in text and len(spans) == 1 and _is_prose(_INLINE.sub("", text)):
        return spans[0]
    lines = text.split("\n")
    while len(lines) > 1 and lines[0].rstrip().endswith(":") and _is_prose(lines[0]):
        lines.pop(0)  # "Here is the command:"
    return "\n".join(lines)


def _is_prose(text: str) -> bool:
    """Words of a sentence rather than a command line (three words, no shell operators)."""
    words = re.findall(r"[^\W\d_]{2,}", text)
    return len(words) >= 3 and not re.search(r"[|;&<>$]", text)


def _tidy(body: str) -> str:
    """Drop shell prompts (``$ ls``) and the output lines shown after them; trim."""
    lines = [line.rstrip() for line in body.split("\n")]
    if lines and _PROMPT.match(lines[0].lstrip()):
        kept = []
        for line in lines:
            m = _PROMPT.match(line.lstrip())
            if m:
                kept.append(line.lstrip()[m.end() :])
            elif kept and kept[-1].endswith("\\"):
                kept.append(line)  # a continued command line
        lines = kept
    return textwrap.dedent("\n".join(lines)).strip("\n").strip()
