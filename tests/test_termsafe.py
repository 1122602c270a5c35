"""Untrusted text never reaches a terminal raw (issue #25 §2): the sanitizer, in-process.

Each sequence the issue names (OSC 52 writes the clipboard, OSC 0 the
window title, ESC[2J clears the screen, OSC 8 makes a disguised link) is
made visible; a pipe keeps the bytes. The renderers that stream an answer
are checked on a console that believes it is a terminal.
"""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aigc_cli import termsafe
from aigc_cli.render import MarkdownRenderer, PlainRenderer

OSC52 = "\x1b]52;c;cm0gLXJmIH4K\x07"
OSC0 = "\x1b]0;pwned title\x07"
CLEAR = "\x1b[2J\x1b[H"
OSC8 = "\x1b]8;;http://evil.example/\x1b\\google.com\x1b]8;;\x1b\\"
HOSTILE = f"Hello{OSC52} world{OSC0}\n\nsee {OSC8} now{CLEAR}\n\nend\n"
SEQUENCES = {"osc52": OSC52, "osc0": OSC0, "clear": CLEAR, "osc8": OSC8}
# what a terminal would act on: ESC, BEL, a C1 control (CSI/OSC/ST as one character), a lone CR
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize("seq", list(SEQUENCES.values()), ids=list(SEQUENCES))
def test_each_sequence_is_made_visible(seq):
    shown = termsafe.visible(f"a{seq}b")
    assert not ACTIVE.search(shown)
    assert shown.startswith("a␛") and shown.endswith("b")


def test_visible_keeps_newline_tab_and_text_and_turns_crlf_into_lf():
    assert termsafe.visible("a\tb\nc") == "a\tb\nc"
    assert termsafe.visible("line\r\nnext") == "line\nnext"
    assert termsafe.visible("shown\rhidden") == "shown␍hidden"
    assert termsafe.visible("中文 emoji 👩‍👩‍👧 ok") == "中文 emoji 👩‍👩‍👧 ok"  # ZWJ builds emoji: kept in prose
    assert termsafe.visible("abc\u202edcba") == "abc<U+202E>dcba"
    assert termsafe.visible("csi\x9b2J") == "csi<U+009B>2J"


def test_for_terminal_leaves_a_pipe_byte_exact():
    assert termsafe.for_terminal(HOSTILE, terminal=False) == HOSTILE
    assert termsafe.for_terminal(HOSTILE, terminal=True) == termsafe.visible(HOSTILE)


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.characters(max_codepoint=0x2100).map(str) | st.sampled_from(["\x1b", "\r", "\r\n", "\x9b", "\u202e"])
    ).map("".join),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
)
def test_streamed_in_any_pieces_the_result_is_the_same_and_never_active(text, cuts):
    safe = termsafe.StreamSanitizer()
    points = sorted({c % (len(text) + 1) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)])]
    out = "".join(safe.feed(p) for p in pieces) + safe.flush()
    assert out == termsafe.visible(text)
    assert not ACTIVE.search(out)


def _terminal_console(buf: io.StringIO):
    from rich.console import Console

    return Console(file=buf, force_terminal=True, width=100, color_system="standard")


def test_the_markdown_renderer_prints_no_sequence_from_the_answer():
    buf = io.StringIO()
    r = MarkdownRenderer(console=_terminal_console(buf))
    for i in range(0, len(HOSTILE), 3):  # split inside every sequence
        r.write(HOSTILE[i : i + 3])
    r.finish()
    out = buf.getvalue()
    for seq in ("\x1b]52", "\x1b]0;", "\x1b[2J", "\x1b]8;"):
        assert seq not in out
    assert "␛]52;c;cm0gLXJmIH4K␇" in out and "␛[2J" in out and "␛]8;;http://evil.example/" in out


def test_a_markdown_link_shows_where_it_goes():
    buf = io.StringIO()
    r = MarkdownRenderer(console=_terminal_console(buf))
    r.write("see [google.com](http://evil.example/x)\n")
    r.finish()
    assert "\x1b]8;" not in buf.getvalue() and "http://evil.example/x" in buf.getvalue()


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_plain_renderer_is_exact_in_a_pipe_and_visible_on_a_terminal():
    pipe, tty = io.StringIO(), _Tty()
    for out in (pipe, tty):
        r = PlainRenderer(out)
        for i in range(0, len(HOSTILE), 2):
            r.write(HOSTILE[i : i + 2])
        r.finish()
    assert pipe.getvalue() == HOSTILE
    assert tty.getvalue() == termsafe.visible(HOSTILE)


def test_a_tool_call_is_shown_with_hidden_characters_made_visible():
    """The shell tool's approval shows what runs: a bidi override in its arguments cannot reorder it."""
    from aigc_cli.cli.tools_term import _shown
    from aigc_cli.tools.base import CallView

    call = CallView(
        tool="shell",
        arguments={"command": "ls \u202e fr- mr\x9b"},
        side_effects=True,
        source="built-in",
        reason=f"policy{OSC0}",
    )
    shown = _shown(call)
    assert "\u202e" not in shown and "\x9b" not in shown and "\x1b" not in shown
    assert "<U+202E>" in shown and "<U+009B>" in shown
