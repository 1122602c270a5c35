"""The prompt of `aigc chat`: prompt_toolkit session, keys, completion, toolbar.

Imported only when `chat` runs (prompt_toolkit costs ~100 ms to import).
Enter sends; Alt-Enter or Esc Enter adds a line; a line starting with
``\"\"\"`` opens a block that Enter keeps extending until a closing
``\"\"\"``. Bracketed paste is prompt_toolkit's own: pasted newlines stay in
the buffer and the whole paste becomes one message. Input history lives in
the data dir and is shared by every chat session.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.filters import is_searching
from prompt_toolkit.formatted_text import HTML
from prompt_toolkit.history import FileHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from aigc_cli import paths, repl_commands
from aigc_cli import repl_state as rs
from aigc_cli.errors import UsageError

FENCE = '"""'
PROMPT = "› "


def in_open_block(text: str) -> bool:
    """True while a \"\"\" block is open: it starts the input, and no line of
    its own (after the first) has closed it yet. A one-line \"\"\"text\"\"\" is closed."""
    lines = text.split("\n")
    first = lines[0].strip()
    if not first.startswith(FENCE):
        return False
    if len(lines) == 1:
        return not (len(first) >= 2 * len(FENCE) and first.endswith(FENCE))
    return lines[-1].strip() != FENCE


def unwrap_block(text: str) -> str:
    """The message inside a closed \"\"\" block (or the text itself if it is not one)."""
    stripped = text.strip()
    if not stripped.startswith(FENCE) or in_open_block(text):
        return text
    return stripped[len(FENCE):-len(FENCE)].strip("\n")


class SlashCompleter(Completer):
    """Completes slash commands and their arguments; plain text gets nothing."""

    def __init__(self, state: rs.ChatState) -> None:
        self.state = state

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        before = document.text_before_cursor
        if "\n" in before:
            return
        word = before.rpartition(" ")[2] if " " in before else before
        for text, meta in repl_commands.completions(before, self.state):
            yield Completion(text, start_position=-len(word), display_meta=meta)


def key_bindings() -> KeyBindings:
    kb = KeyBindings()

    @kb.add("enter", filter=~is_searching)
    def _enter(event: KeyPressEvent) -> None:
        buf = event.current_buffer
        buf.complete_state = None  # a completion chosen with Tab is already in the text
        if in_open_block(buf.text):
            buf.insert_text("\n")
        else:
            buf.validate_and_handle()

    @kb.add("escape", "enter", filter=~is_searching)
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    return kb


def toolbar_text(state: rs.ChatState) -> str:
    """backend · model · context used / window, cheap enough for every redraw."""
    window = state.context_window()
    ctx = f"{_k(state.context_used)}/{_k(window)}" if window else _k(state.context_used)
    return f" {state.backend_name} · {state.model_name()} · context {ctx} · /help"


def _k(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 1000 else str(n)


def open_terminal_input() -> Any:
    """prompt_toolkit input from the terminal, even when stdin is a pipe.

    ``cat notes.md | aigc chat`` consumes stdin as context; the keyboard is
    then read from /dev/tty. With no terminal at all it is a usage error.
    """
    from prompt_toolkit.input import create_input

    if sys.stdin is not None and sys.stdin.isatty():
        return create_input()
    try:
        tty: IO[str] = open("/dev/tty", "r")  # noqa: SIM115 - lives as long as the chat
    except OSError:
        raise UsageError(
            "aigc chat needs a terminal to read your messages",
            hint='for one-shot use: echo "question" | aigc ask',
        ) from None
    return create_input(stdin=tty)


def _tty_attrs(fd: int | None) -> tuple[Any, list[Any]] | None:
    """(termios, the terminal's attributes), or None off POSIX or off a terminal."""
    try:
        import termios
    except ImportError:
        return None
    if fd is None:
        return None
    try:
        return termios, termios.tcgetattr(fd)
    except (termios.error, OSError, ValueError):
        return None


@contextmanager
def no_echo(fd: int | None) -> Iterator[None]:
    """While an answer streams, keys are not echoed (Ctrl-C still interrupts).

    An echoed ``^C`` (or any typed key) would land inside the live area and
    shift it by a line, leaving a stale copy of the answer on screen; with
    echo off, keys typed meanwhile wait quietly for the next prompt.
    """
    found = _tty_attrs(fd)
    if found is None:
        yield
        return
    termios, old = found
    new = list(old)
    new[3] &= ~(termios.ECHO | termios.ECHOCTL)
    termios.tcsetattr(fd, termios.TCSANOW, new)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, old)


def make_session(state: rs.ChatState) -> "PromptSession[str]":
    """The prompt session: history file, bindings, completer, bottom toolbar."""
    if not sys.stdout.isatty():
        raise UsageError("aigc chat needs a terminal for its output", hint="use `aigc ask` in pipelines")
    hist = paths.input_history_file()
    hist.parent.mkdir(parents=True, exist_ok=True)
    toolbar: Callable[[], Any] = lambda: toolbar_text(state)  # noqa: E731
    return PromptSession(
        message=HTML(f"<b><ansicyan>{PROMPT}</ansicyan></b>"),
        multiline=True,
        prompt_continuation=lambda width, line, soft: "… ".rjust(width),
        history=FileHistory(str(hist)),
        completer=SlashCompleter(state),
        complete_while_typing=True,
        key_bindings=key_bindings(),
        bottom_toolbar=toolbar,
        enable_history_search=False,
        input=open_terminal_input(),
        mouse_support=False,
    )
