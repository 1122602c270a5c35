"""Untrusted text made safe to print on a terminal: every control character made visible.

A model's answer, a stored message, a file's snippet or a recipe's text can
hold escape sequences that a terminal obeys rather than shows: OSC 52 writes
the clipboard, OSC 0 sets the window title, ``ESC[2J`` clears the screen,
OSC 8 makes a link whose target is not its text, a lone CR lets a later part
of a line hide an earlier one, and bidi overrides reorder what is read. On a
terminal every such character is replaced by a visible stand-in (``ESC`` ->
``␛``, BEL -> ``␇``, other C0 -> their control pictures, C1 and format
characters -> ``<U+XXXX>``), so no sequence can start, whatever it was and
however it is split across streamed pieces; the rest of the sequence stays as
plain text, showing what was there. Newline and tab are kept, CR LF becomes
LF. In a pipe nothing here is used: pipes are for programs and get the
bytes exactly.

Pure: no I/O, no imports beyond ``re``. Only text from outside goes through
here; aigc's own styling is added after.
"""

from __future__ import annotations

import re

# C0 except tab and newline, DEL, C1, and the bidi embeddings, overrides and
# isolates (they reorder what is shown): never printed raw on a terminal
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# for a command, also what hides or disguises characters: zero-width ones
# (ZWSP, ZWNJ, ZWJ, word joiner, invisible operators), bidi marks, the BOM,
# line and paragraph separators. Not in prose: ZWJ builds emoji, ZWNJ Persian
_UNSAFE_STRICT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u061c\u200b-\u200f\u2028\u2029\u2060-\u2064\ufeff]"
)


def _stand_in(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (ESC is ␛)
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def _replace(match: re.Match[str]) -> str:
    return _stand_in(match.group(0))


def has_unsafe(text: str, strict: bool = False) -> bool:
    """True when ``text`` holds a character a terminal could act on (``strict``: or that hides text)."""
    return (_UNSAFE_STRICT if strict else _UNSAFE).search(text) is not None


def visible(text: str, strict: bool = False) -> str:
    """``text`` with every control and bidi override made visible (``strict``: zero-width too).

    CR LF (a line ending from elsewhere) becomes LF; a lone CR, which would
    let the rest of a line overwrite its start, becomes ``␍``. ``strict`` is
    for a command, where CR LF is shown too: it is not what the shell runs.
    """
    pattern = _UNSAFE_STRICT if strict else _UNSAFE
    if pattern.search(text) is None:
        return text
    if not strict:
        text = text.replace("\r\n", "\n")
    return pattern.sub(_replace, text)


class StreamSanitizer:
    """``visible`` for text that arrives in pieces (a streamed answer).

    Every character is replaced on its own, so a sequence split across
    pieces is neutralised as well as a whole one; the only state is a CR at
    the end of a piece, held until the next piece says whether LF follows.
    """

    def __init__(self) -> None:
        self._cr = False

    def feed(self, text: str) -> str:
        if self._cr:
            text = "\r" + text
            self._cr = False
        if text.endswith("\r"):
            self._cr = True
            text = text[:-1]
        return visible(text)

    def flush(self) -> str:
        """What is still held (a final lone CR, made visible)."""
        if self._cr:
            self._cr = False
            return visible("\r")
        return ""


def for_terminal(text: str, terminal: bool) -> str:
    """``visible(text)`` on a terminal, ``text`` untouched otherwise (a pipe, a file)."""
    return visible(text) if terminal else text
