"""Streaming output: rendered Markdown on a terminal, raw text otherwise.

On a pipe every piece is written as it arrives, nothing else touches stdout.
On a terminal the answer is rendered as Markdown in linear time: a block is
rendered for good once it is finished (a blank line outside a code fence, or
a closing fence), and only the block still growing is live, redrawn at most a
few times a second by rich's Live. The growing block is parsed only when it is
drawn, never per token, so a long answer never re-renders what is done.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Protocol, TextIO


class Renderer(Protocol):
    def write(self, text: str) -> None: ...
    def finish(self) -> None: ...


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

    def write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()
        self._last = text[-1]

    def finish(self) -> None:
        if self._last != "\n":
            self.out.write("\n")
        self.out.flush()


class _LazyMarkdown:
    """A renderable that parses its text only when Live draws it."""

    def __init__(self, text: str, height: int) -> None:
        self.text = text
        self.height = height

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.markdown import Markdown
        from rich.text import Text

        lines = self.text.count("\n")
        if lines > self.height - 3:
            tail = "\n".join(self.text.splitlines()[-(self.height - 3):])
            yield Text(tail)
        else:
            yield Markdown(self.text)


class MarkdownRenderer:
    """Markdown on a terminal; finished blocks are printed once, in order."""

    def __init__(self, spinner_text: str = "thinking…") -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.spinner import Spinner

        self.console = Console(highlight=False)
        self._scan = 0          # chars of self._buf already scanned for boundaries
        self._buf = ""          # the block still growing (finished ones are printed)
        self._in_fence = False
        self._fence = ""
        self._live = Live(
            Spinner("dots", text=spinner_text, style="dim"),
            console=self.console,
            refresh_per_second=8,
            transient=True,
        )
        self._live.start()
        self._tail = _LazyMarkdown("", self.console.size.height)
        self._started = False

    def write(self, text: str) -> None:
        if not self._started:
            self._started = True
            self._live.update(self._tail, refresh=False)
        self._buf += text
        boundary = self._find_boundary()
        if boundary:
            self._print_block(self._buf[:boundary])
            self._buf = self._buf[boundary:]
            self._scan -= boundary
        self._tail.text = self._buf

    def _find_boundary(self) -> int:
        """Scan new complete lines; return the end of the last finished block."""
        boundary = 0
        buf = self._buf
        while True:
            nl = buf.find("\n", self._scan)
            if nl < 0:
                return boundary
            line = buf[self._scan:nl].strip()
            self._scan = nl + 1
            if line.startswith(("```", "~~~")):
                if not self._in_fence:
                    self._in_fence, self._fence = True, line[:3]
                elif line.startswith(self._fence) and line.strip(self._fence[0]) == "":
                    self._in_fence = False
                    boundary = self._scan
            elif not line and not self._in_fence:
                boundary = self._scan

    def _print_block(self, block: str) -> None:
        from rich.markdown import Markdown

        if block.strip():
            self._live.console.print(Markdown(block))

    def finish(self) -> None:
        self._live.stop()
        rest, self._buf, self._scan = self._buf, "", 0
        self._print_block(rest)


def make_renderer(markdown: bool | None = None) -> Renderer:
    """Markdown renderer on a terminal (unless disabled), plain text otherwise."""
    if markdown is None:
        markdown = stdout_is_terminal() and os.environ.get("TERM") != "dumb"
    return MarkdownRenderer() if markdown else PlainRenderer()
