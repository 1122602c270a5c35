"""Streaming output: rendered Markdown on a terminal, raw text otherwise.

On a pipe every piece is written as it arrives and nothing else touches
stdout. On a terminal the answer is rendered as Markdown in linear time:

* text is split into top-level blocks at blank lines, fence openings and
  fence closings (never inside a code fence); a finished block is printed
  once, above the live area, and never looked at again;
* only the block still growing is live. rich's Live redraws it a few times a
  second from its *last screenful* of source lines, so a redraw costs at most
  one screen of work however long the block (a 2000-line code fence included);
* before the first token the live area is a spinner; Live is transient, so on
  finish (or Ctrl-C) the preview is replaced by the real, final rendering and
  everything received stays on screen.

The answer is untrusted text: on a terminal every control character in it
is made visible (``termsafe``) before rich sees it, so no escape sequence
(OSC 52 clipboard, OSC 0 title, ``ESC[2J``, OSC 8 links) reaches the
terminal; aigc's own styling is added after. A pipe gets the bytes exactly.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TextIO

from aigc_cli.termsafe import StreamSanitizer


class Renderer(Protocol):
    def write(self, text: str) -> None: ...
    def finish(self) -> None: ...


def _isatty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


class PlainRenderer:
    """Raw text for pipes and files, flushed per piece so pipelines stream."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._last = "\n"
        self._gone = False
        # on a terminal (TERM=dumb, or Markdown off) the answer's control characters are made visible
        self._safe = StreamSanitizer() if _isatty(self.out) else None

    def write(self, text: str) -> None:
        if self._safe is not None:
            text = self._safe.feed(text)
        if not text:
            return
        self._put(text)
        self._last = text[-1]

    def finish(self) -> None:
        if self._gone:
            return
        if self._safe is not None:
            self.write(self._safe.flush())
        if self._last != "\n":
            self._put("\n")
            self._last = "\n"

    def _put(self, text: str) -> None:
        try:
            self.out.write(text)
            self.out.flush()
        except BrokenPipeError:
            from aigc_cli.errors import ReaderGone

            self._gone = True
            raise ReaderGone() from None


_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


def _fence_run(line: str) -> tuple[str, int]:
    """(fence char, run length) if ``line`` starts a code fence, else ("", 0)."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or stripped[:1] not in ("`", "~"):
        return "", 0
    char = stripped[0]
    run = len(stripped) - len(stripped.lstrip(char))
    if run < 3 or (char == "`" and "`" in stripped[run:]):
        return "", 0  # a backtick fence's info string has no backticks: that is inline code
    return char, run


class BlockSplitter:
    """Cuts streamed Markdown into finished top-level blocks, in linear time.

    Lines are kept in a list (never one growing string, whose ``+=`` would copy
    the whole block per token); a fence is open until a line of the same
    character at least as long closes it, as CommonMark says.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []  # complete lines of the growing block
        self.partial: list[str] = []  # pieces of the line not yet ended
        self.fence: tuple[str, int] | None = None
        self.blank_pending = False  # a blank line seen; the block may be done

    def feed(self, text: str) -> list[str]:
        """Add text; return the blocks it finished (as source text)."""
        done: list[str] = []
        start = 0  # an index, not slicing: a whole answer at once (--no-stream) stays linear
        while True:
            nl = text.find("\n", start)
            if nl < 0:
                if start < len(text):
                    self.partial.append(text[start:])
                return done
            self.partial.append(text[start:nl])
            line, self.partial = "".join(self.partial), []
            start = nl + 1
            self._line(line, done)

    def _line(self, line: str, done: list[str]) -> None:
        char, run = _fence_run(line)
        if self.fence is not None:
            self.lines.append(line)
            closing = char == self.fence[0] and run >= self.fence[1] and not line.strip(" " + char)
            if closing:
                self.fence = None
                done.append(self._take())
            return
        if not line.strip():
            # a blank line ends the block, unless what follows continues a list
            self.blank_pending = bool(self.lines)
            return
        if self.blank_pending:
            self.blank_pending = False
            if self._continues_list(line):
                self.lines.append("")
            else:
                done.append(self._take())
        if run:
            if self.lines and not line.startswith(" "):
                done.append(self._take())  # a fence interrupts a paragraph
            self.fence = (char, run)
        self.lines.append(line)

    def _continues_list(self, line: str) -> bool:
        """A loose list (items apart by blank lines) is one block, as rich renders it."""
        return (
            bool(self.lines)
            and bool(_LIST_ITEM.match(self.lines[0]))
            and (bool(_LIST_ITEM.match(line)) or line.startswith(("  ", "\t")))
        )

    def _take(self) -> str:
        block, self.lines = self.lines, []
        self.blank_pending = False
        return "\n".join(block)

    def rest(self) -> str:
        """Whatever has not been returned as a finished block (for the end)."""
        tail = self._pending_lines()
        self.lines, self.partial, self.blank_pending = [], [], False
        return "\n".join(tail)

    def _pending_lines(self) -> list[str]:
        """The block's lines plus the unfinished one, after the blank line if one came."""
        partial = "".join(self.partial)
        if not partial:
            return list(self.lines)
        return self.lines + ([""] if self.blank_pending else []) + [partial]

    def preview(self, max_lines: int, max_chars: int) -> str:
        """The last ``max_lines`` source lines of the growing block, fence kept.

        Bounded work whatever the block's size: this is what makes a redraw
        cost one screen, not the whole block.
        """
        lines = self.lines  # a snapshot: the writer may swap in a new list meanwhile
        n = len(lines)
        keep = lines[max(0, n - max_lines) :]
        if self.fence is not None and n > max_lines and lines:
            keep = [lines[0]] + keep[1:]  # keep the opening fence so it still renders as code
        partial = "".join(self.partial)
        if partial:
            keep = keep + ([""] if self.blank_pending else []) + [partial]
        text = "\n".join(keep)
        if len(text) > max_chars:  # one enormous unbroken line
            text = text[-max_chars:]
        return text


def _is_rule(block: str) -> bool:
    """A block that is one thematic break (``---``, ``***``, ``___``)."""
    line = block.strip().replace(" ", "")
    return "\n" not in line and len(line) >= 3 and line in ("-" * len(line), "*" * len(line), "_" * len(line))


class _LivePreview:
    """A renderable that parses the growing block only when Live draws it."""

    def __init__(self, splitter: BlockSplitter, gap: bool) -> None:
        self.splitter = splitter
        self.gap = gap

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.markdown import Markdown
        from rich.segment import Segment

        height = max(3, console.size.height - 1)
        source = self.splitter.preview(height, height * max(20, options.max_width))
        if not source.strip():
            return
        rows = console.render_lines(Markdown(source, hyperlinks=False), options, pad=False)
        own_gap = bool(rows) and not "".join(seg.text for seg in rows[0])
        if self.gap and not own_gap:
            rows.insert(0, [])
        for row in rows[-height:]:
            yield from row
            yield Segment.line()


class MarkdownRenderer:
    """Markdown on a terminal; finished blocks are printed once, in order."""

    def __init__(self, spinner_text: str = "thinking…", console: Any = None) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.spinner import Spinner

        self.console = console or Console(highlight=False)
        self._split = BlockSplitter()
        self._printed = 0
        self._after_rule = False
        self._preview = _LivePreview(self._split, gap=False)
        self._live = Live(
            Spinner("dots", text=spinner_text, style="dim"),
            console=self.console,
            refresh_per_second=8,
            transient=True,
            vertical_overflow="crop",
            redirect_stderr=False,  # `2>log` must still get our stderr, not the terminal
        )
        self._started = False
        self._finished = False
        self._safe = StreamSanitizer()  # the answer is untrusted: no escape sequence reaches the terminal
        self._live.start()
        _ACTIVE.append(self)

    def write(self, text: str) -> None:
        text = self._safe.feed(text)
        if not text:
            return
        if not self._started:
            self._started = True
            self._live.update(self._preview, refresh=False)
        for block in self._split.feed(text):
            self._print_block(block)

    def _print_block(self, block: str) -> None:
        """Print one finished block exactly as rich would inside the whole answer.

        rich separates top-level elements by one blank line, which lists,
        tables and quotes emit themselves (a leading newline) and the others
        do not; a thematic break is followed by none.
        """
        from rich.markdown import Markdown
        from rich.segment import Segments

        if not block.strip():
            return
        segments = list(self.console.render(Markdown(block, hyperlinks=False)))  # a link shows where it goes
        own_gap = bool(segments) and segments[0].text == "\n"
        if self._printed and not own_gap and not self._after_rule:
            self.console.print()
        self.console.print(Segments(segments), end="")
        self._printed += 1
        self._after_rule = _is_rule(block)
        self._preview.gap = not self._after_rule

    def finish(self) -> None:
        """Stop the live area and print what is left; safe to call twice."""
        if self._finished:
            return
        self._finished = True
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        try:
            self._live.stop()
        finally:
            self._split.feed(self._safe.flush())
            self._print_block(self._split.rest())


_ACTIVE: list[MarkdownRenderer] = []


@contextmanager
def paused() -> Iterator[None]:
    """Hold the live area of the answer being rendered (if any) while something
    else uses the terminal: a tool's line, or a question to the user."""
    live = _ACTIVE[-1]._live if _ACTIVE else None
    running = live is not None and live.is_started
    if running:
        live.stop()  # type: ignore[union-attr]
    try:
        yield
    finally:
        if running and _ACTIVE and _ACTIVE[-1]._live is live:
            live.start()  # type: ignore[union-attr]


def wants_markdown() -> bool:
    """Rendered Markdown only for a real terminal that can show it."""
    return stdout_is_terminal() and os.environ.get("TERM") != "dumb"


def make_renderer(markdown: bool | None = None) -> Renderer:
    """Markdown renderer on a terminal (unless disabled), plain text otherwise."""
    if markdown is None:
        markdown = wants_markdown()
    return MarkdownRenderer() if markdown else PlainRenderer()
