"""Bounds on a streamed answer, for every backend: its size and the time without new text.

A server (or a model stuck in a loop) can send an answer of any length, or
trickle bytes so slowly that the read timeout never fires. ``guarded`` wraps
a backend's chunk iterator wherever one is read (the turn, the map steps of
``summarize``, the summaries context fitting asks for), so the same bounds hold
for every backend and every request: ``limits.answer_bytes`` (the text is cut at the bound) and
``limits.token_timeout`` (seconds without new text). Either ends the answer as
interrupted, with what arrived kept; the error carries its exit code (6, 4).

The timeout is a SIGALRM timer in the main thread: its handler raises inside
whatever the backend is blocked in (a socket read, a llama.cpp call that
returns to Python), just as SIGTERM does. Outside the main thread (the map
workers of ``summarize``) only the size bound applies.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

from aigc_cli.errors import AigcError, BackendUnreachable
from aigc_cli.messages import Chunk


class AnswerTooLarge(AigcError):
    """The answer passed ``limits.answer_bytes``: cut there, kept, marked interrupted (exit 6)."""

    exit_code = 6


class NoTokens(BackendUnreachable):
    """No new text for ``limits.token_timeout`` seconds (exit 4, a timeout)."""


class _Stalled(BaseException):
    """Raised by the alarm; a BaseException so no ``except Exception`` in an SDK swallows it."""


def _alarm(signum: int, frame: Any) -> None:
    raise _Stalled


class _Timer:
    """A one-shot SIGALRM timer, armed around each wait for the next chunk (main thread only)."""

    def __init__(self) -> None:
        self.usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        self.previous: Any = None

    def __enter__(self) -> "_Timer":
        if self.usable:
            self.previous = signal.signal(signal.SIGALRM, _alarm)
        return self

    def arm(self, seconds: float) -> None:
        if self.usable:
            signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))

    def disarm(self) -> None:
        if self.usable:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def __exit__(self, *exc: object) -> None:
        if self.usable:
            self.disarm()
            signal.signal(signal.SIGALRM, self.previous if self.previous is not None else signal.SIG_DFL)


def _cut(text: str, room: int) -> str:
    """The longest start of ``text`` within ``room`` UTF-8 bytes (never half a character)."""
    return text.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")


def guarded(chunks: Iterator[Chunk], answer_bytes: int, token_timeout: float) -> Iterator[Chunk]:
    """``chunks``, ending with AnswerTooLarge or NoTokens when a bound is passed."""
    try:
        with _Timer() as timer:
            yield from _bounded(chunks, timer, answer_bytes, token_timeout)
    except _Stalled:
        raise NoTokens(
            f"no new text from the model for {token_timeout:g} s (limits.token_timeout); the answer so far is kept",
            hint="raise it with `aigc config set limits.token_timeout SECONDS`",
        ) from None
    finally:
        close = getattr(chunks, "close", None)  # a generator: let the backend release its response
        if close is not None:
            close()


def _bounded(chunks: Iterator[Chunk], timer: _Timer, answer_bytes: int, token_timeout: float) -> Iterator[Chunk]:
    size = 0
    last_text = time.monotonic()
    while True:
        timer.arm(last_text + token_timeout - time.monotonic())
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        finally:
            timer.disarm()
        if chunk.text:
            last_text = time.monotonic()
            n = len(chunk.text.encode("utf-8", "surrogatepass"))
            if size + n > answer_bytes:
                yield Chunk(text=_cut(chunk.text, answer_bytes - size))
                raise AnswerTooLarge(
                    f"the answer passed {answer_bytes:,} bytes (limits.answer_bytes) and was cut there",
                    hint="raise it with `aigc config set limits.answer_bytes BYTES`",
                )
            size += n
        yield chunk
