"""Running the chosen command through the user's shell, with the terminal attached.

The command gets the terminal (stdin, stdout, stderr) exactly as if typed,
so interactive tools, colours and Ctrl-C behave as usual. While it runs,
aigc itself lets Ctrl-C pass to the command (which decides what it means)
and waits; the command's exit status becomes aigc's.
"""

from __future__ import annotations

import signal
import subprocess
from typing import IO

from aigc_cli.errors import ConfigError
from aigc_cli.shellcmd.shells import Shell


def exit_status(returncode: int) -> int:
    """A shell-style status: a command killed by signal N is 128 + N."""
    return 128 - returncode if returncode < 0 else returncode


def run(script: str, shell: Shell, stdin: IO[bytes] | int | None = None) -> int:
    """Run ``script`` with ``shell`` in the current directory; its exit status.

    ``stdin`` replaces ours when ours was a pipe (the piped context was
    already read): the command then reads from the terminal instead.
    """
    # a do-nothing handler rather than SIG_IGN: an ignored signal would stay
    # ignored in the child across exec, and its Ctrl-C would do nothing
    previous = signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        proc = subprocess.Popen(shell.argv(script), stdin=stdin)
    except OSError as exc:
        signal.signal(signal.SIGINT, previous)
        raise ConfigError(
            f"cannot run the command with {shell.path}: {exc.strerror or exc}",
            hint="set $SHELL, or pass --shell bash|zsh|fish|sh",
        ) from None
    try:
        return exit_status(proc.wait())
    finally:
        signal.signal(signal.SIGINT, previous)
