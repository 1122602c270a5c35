"""The error hierarchy.

Every error a user can cause or meet carries the exit code documented in
docs/ARCHITECTURE.md, so the CLI maps errors to exit codes in exactly one place and the
core never calls ``sys.exit``.
"""

from __future__ import annotations


class AigcError(Exception):
    """Base class: a message meant for the user, plus the exit code to use."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(AigcError):
    """The command line or its input cannot be acted on (exit 2)."""

    exit_code = 2


class ConfigError(AigcError):
    """Settings, keys, recipes or model files are missing or broken (exit 3)."""

    exit_code = 3


class BadFile(ConfigError):
    """A file given to import is missing, unreadable or malformed (exit 3).

    The message names the file and the problem, on one line.
    """


class AuthError(ConfigError):
    """The backend refused our credentials (exit 3)."""


class BackendUnreachable(AigcError):
    """The backend could not be reached or timed out (exit 4)."""

    exit_code = 4


class BadServerAnswer(BackendUnreachable):
    """The server answered, but not with an answer (exit 4, like a failing server).

    An HTML page or ``{"foo": 1}`` where a chat completion belongs, a malformed
    event, a stream that ends without ``[DONE]`` or a finish reason: whatever
    arrived before is kept, marked interrupted.
    """


class RateLimited(AigcError):
    """The backend says: too many requests, or no quota left (exit 5).

    ``retry_after`` (seconds, when the server said) and ``quota`` (no quota left:
    waiting will not help) let a batch back off or stop instead of hammering.
    """

    exit_code = 5
    retry_after: float | None = None
    quota: bool = False


class InputTooLarge(AigcError):
    """The input does not fit the model's context window (exit 6)."""

    exit_code = 6


class BackendError(AigcError):
    """Any other failure reported by the backend (exit 1)."""

    exit_code = 1


class UnusableAnswer(AigcError):
    """The model answered, but not with what was asked (exit 7): no command in it
    (`aigc cmd`), or a plan or a recipe's JSON still invalid after its one repair.

    Not a fault of the server (4) nor of aigc (1): trying again, rephrasing
    or another model may help. Nothing was run and nothing printed.
    """

    exit_code = 7


class StoreError(AigcError):
    """The conversation store cannot be opened, written (full disk, read-only) or is damaged (exit 3)."""

    exit_code = 3


class StorageFull(AigcError):
    """The disk or quota is full: nothing is damaged, there is no room (exit 3)."""

    exit_code = 3


class StorageReadOnly(AigcError):
    """A file or its folder cannot be written: read-only mount or permissions (exit 3)."""

    exit_code = 3


class ReaderGone(Exception):
    """Whoever read our stdout went away (``aigc ask ... | head``).

    Not an error of ours and not worth a message: the CLI stops quietly with
    exit 0. A separate type because the CLI framework would otherwise turn
    the BrokenPipeError into a silent exit 1.
    """


EXIT_INTERRUPTED = 130


class Terminated(SystemExit):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C, then exit 128 + the signal.

    A SystemExit (not an AigcError) so it passes every ``except Exception`` on
    the way out, as KeyboardInterrupt does: the session stores the partial
    answer as interrupted and open transactions roll back.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum
