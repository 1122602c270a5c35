"""The `aigc chat` loop and its prompt: read a message, stream the answer, repeat.

Imported only when `chat` runs (prompt_toolkit costs ~100 ms to import).
Enter sends; Alt-Enter or Esc Enter adds a line; a line starting with
``\"\"\"`` opens a block that Enter keeps extending until a closing
``\"\"\"``. Bracketed paste is prompt_toolkit's own: pasted newlines stay in
the buffer and the whole paste becomes one message. Input history lives in
the data dir and is shared by every chat session.

Reading happens in prompt_toolkit (raw mode, so Ctrl-C there is a key that
clears the line); answering happens with the terminal back in normal mode,
so Ctrl-C is a real SIGINT that stops the stream where it is. The partial
answer stays on screen and is stored marked interrupted by the turn pipeline.
Backend errors are shown and the chat goes on; ``/retry`` resends.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.filters import is_searching
from prompt_toolkit.formatted_text import HTML
from prompt_toolkit.history import FileHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from rich.console import Console
from rich.markup import escape

from aigc_cli import inputs, paths
from aigc_cli.chat import commands as repl_commands
from aigc_cli.chat import state as rs
from aigc_cli.errors import AigcError, UsageError
from aigc_cli.messages import Answer, Message
from aigc_cli.render import Renderer
from aigc_cli.termsafe import visible

if TYPE_CHECKING:
    from aigc_cli.session.request import TurnResult

PREVIEW_TURNS = 6  # how many earlier messages a resumed chat shows
PREVIEW_CHARS = 300


# ---------------------------------------------------------------- the prompt

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
    return stripped[len(FENCE) : -len(FENCE)].strip("\n")


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
    """backend · model · recipe · context used / window, cheap enough for every redraw."""
    window = state.context_window()
    ctx = f"{_k(state.context_used)}/{_k(window)}" if window else _k(state.context_used)
    recipe = f" · recipe {state.recipe}" if state.recipe else ""
    return f" {state.backend_name} · {state.model_name()}{recipe} · context {ctx} · /help"


def _k(n: int) -> str:
    """A token count, short: 950, 12.3k, 1.0M (never 1047.6k)."""
    if n >= 999_950:
        return f"{n / 1_000_000:.1f}M"
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
        tty: IO[str] = open("/dev/tty")  # noqa: SIM115 - lives as long as the chat
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
        try:
            termios.tcsetattr(fd, termios.TCSANOW, old)
        except (termios.error, OSError):  # the terminal closed (SIGHUP): nothing to restore, exit 129 stands
            pass


def make_session(state: rs.ChatState) -> "PromptSession[str]":
    """The prompt session: history file, bindings, completer, bottom toolbar."""
    if not sys.stdout.isatty():
        raise UsageError("aigc chat needs a terminal for its output", hint="use `aigc ask` in pipelines")
    from aigc_cli.fileio import private_file

    hist = private_file(paths.input_history_file())  # all the user typed: 0600
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


# ------------------------------------------------------------------ the loop


@dataclass
class Chat:
    """One running chat: its state, its prompt and its console."""

    state: rs.ChatState
    console: Console
    tty_fd: int | None = None

    def run(self, resumed: bool = False) -> int:

        session = make_session(self.state)
        self.tty_fd = session.input.fileno()
        self.banner(resumed)
        while True:
            try:
                text = session.prompt()
            except KeyboardInterrupt:  # clears the line; on an empty one, say how to leave
                if not session.default_buffer.text:
                    self.console.print("[dim]Ctrl-D or /exit leaves.[/dim]")
                continue
            except EOFError:
                break
            try:
                if not self.handle(text):
                    break
            except KeyboardInterrupt:  # Ctrl-C outside a stream (a command, a store write)
                self.console.print("[yellow]⏹ cancelled[/yellow]")
            except AigcError as exc:  # e.g. a store or recipe problem in a command
                self.console.print(f"[red]✗ {escape(exc.message)}[/red]")
            except Exception as exc:  # noqa: BLE001 - a bug must not cost the session
                if os.environ.get("AIGC_DEBUG") == "1":
                    raise
                self.console.print(f"[red]✗ unexpected {type(exc).__name__}: {escape(str(exc))}[/red]")
        self.console.print("[dim]Bye.[/dim]")
        return 0

    # ----------------------------------------------------------------- input

    def handle(self, text: str) -> bool:
        """Act on one submitted input; False when the chat should end."""

        text = unwrap_block(text)
        if not text.strip():
            return True
        if repl_commands.is_command(text.strip()):
            return self.command(text.strip())
        self.turn(repl_commands.unescape(text))
        return True

    def command(self, line: str) -> bool:
        out = repl_commands.dispatch(self.state, line)
        style = "red" if out.error else "dim"
        for ln in out.lines:
            self.console.print(f"[{style}]{escape(visible(ln))}[/{style}]")  # may hold stored or model text
        if out.show:
            self.show_transcript(out.show)
        if out.send is not None:
            self.turn(out.send, retry=True)
        return not out.exit

    # ----------------------------------------------------------------- turns

    def turn(self, prompt: str, retry: bool = False) -> None:
        """Send one message and stream the answer; errors are shown, not fatal."""
        from aigc_cli.chat import speaking
        from aigc_cli.render import make_renderer
        from aigc_cli.speech.stream import tee

        state = self.state
        sent = prompt if retry else rs.compose_prompt(state, self.with_context(prompt))
        renderer = make_renderer()
        speaker = speaking.start(state, self.warn)
        sink = renderer.write if speaker is None else tee(renderer.write, speaker.feed)
        try:
            with no_echo(self.tty_fd):
                result = rs.send(state, sent, sink)
        except KeyboardInterrupt:  # before anything was sent (fitting, loading)
            speaking.finish(state, speaker, False, self.warn)
            self.finish(renderer)
            self.stopped(None)
        except AigcError as exc:
            speaking.finish(state, speaker, False, self.warn)
            self.finish(renderer)
            self.failed(sent, exc, None)
        else:
            self.finish(renderer)
            speaking.finish(state, speaker, result.error is None, self.warn)
            self.shown(sent, result)
        self.console.print()

    def warn(self, text: str) -> None:
        self.console.print(f"[red]{text}[/red]")

    def shown(self, sent: str, result: "TurnResult") -> None:
        """After the stream: what stopped it, or the notes of a complete answer."""
        state, answer, error = self.state, result.answer, result.error
        if isinstance(error, KeyboardInterrupt):
            self.stopped(result)
        elif isinstance(error, AigcError):
            self.failed(sent, error, answer)
        elif error is not None:
            raise error
        else:
            state.failed_prompt = None
            rs.after_turn(state, result)
            if not answer.text.strip():
                self.console.print(f"[dim](no answer text; finish reason: {answer.finish_reason or 'none'})[/dim]")
            for note in result.notices:
                self.console.print(f"[dim]{escape(note)}[/dim]")

    def stopped(self, result: "TurnResult | None") -> None:
        """Ctrl-C mid-answer: say so; the partial text is on screen and stored."""
        self.state.failed_prompt = None
        kept = "partial answer kept" if result is not None and result.answer.text else "nothing received"
        self.console.print(f"[yellow]⏹ stopped ({kept})[/yellow]")
        if result is not None:
            rs.after_turn(self.state, result)

    def failed(self, sent: str, exc: AigcError, partial: Answer | None) -> None:
        """A backend error: show it, keep the chat, remember the prompt for /retry."""
        self.state.failed_prompt = sent
        self.state.failed_partial = partial is not None and bool(partial.text)
        self.console.print(f"[red]✗ {escape(exc.message)}[/red]")
        hint = f"{exc.hint}; " if exc.hint else ""
        self.console.print(f"[dim]{escape(hint)}/retry sends it again.[/dim]")

    def with_context(self, prompt: str) -> str:
        """The first message carries piped stdin as delimited context, once."""
        ctx, self.state.pending_context = self.state.pending_context, None
        return inputs.compose(prompt, ctx) if ctx else prompt

    @staticmethod
    def finish(renderer: Renderer) -> None:
        """Stop the live area; a second Ctrl-C here must not lose the screen."""
        try:
            renderer.finish()
        except KeyboardInterrupt:
            renderer.finish()
        except OSError:  # the terminal is gone (EIO after SIGHUP): the answer is stored, exit 129 follows
            pass

    # ---------------------------------------------------------------- output

    def banner(self, resumed: bool) -> None:
        st = self.state
        self.console.print(
            f"[bold]aigc chat[/bold] [dim]· {st.backend_name} · {escape(st.model_name())}"
            + (f" · recipe {escape(st.recipe)}" if st.recipe else "")
            + " · /help for commands · Ctrl-D to leave[/dim]"
        )
        if st.pending_context:
            n = len(st.pending_context)
            self.console.print(f"[dim]Read {n:,} characters from stdin; they go with your first message.[/dim]")
        if resumed and st.cid:
            self.console.print(f"[dim]Resuming conversation {st.cid[:8]}; /new starts another.[/dim]")
            self.show_transcript(rs.transcript(st))

    def show_transcript(self, msgs: list[Message]) -> None:
        """Earlier turns, briefly: the last few messages, each cut short."""
        if not msgs:
            return
        skipped = len(msgs) - PREVIEW_TURNS
        if skipped > 0:
            self.console.print(f"[dim]… {skipped} earlier messages[/dim]")
        for m in msgs[-PREVIEW_TURNS:]:
            text = m.content.strip()
            if len(text) > PREVIEW_CHARS:
                text = text[:PREVIEW_CHARS] + " …"
            who = "[cyan]you[/cyan]" if m.role == "user" else "[green]aigc[/green]"
            self.console.print(f"{who} [dim]{escape(visible(text))}[/dim]")
        self.console.rule(style="dim")


def run_chat(state: rs.ChatState, resumed: bool = False) -> int:
    """Entry point used by `aigc chat`."""
    if hasattr(signal, "SIGHUP"):  # POSIX: a closed terminal window
        signal.signal(signal.SIGHUP, _hang_up)
    return Chat(state, Console(highlight=False)).run(resumed)


def _hang_up(signum: int, frame: object) -> None:
    """The terminal closed: unwind so a streaming answer is stored before exiting.

    SystemExit passes through the session like Ctrl-C does, so the partial
    answer is written (interrupted) on the way out instead of being lost.
    """
    raise SystemExit(128 + signum)
