"""Playing audio: the first player found, or the one configured (`speech.player`).

The player is a subprocess, so Ctrl-C or SIGTERM ends it with us; a player
that exits with an error is reported in one line.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess

from aigc_cli.errors import ConfigError

PLAYERS = (
    ["ffplay", "-nodisp", "-autoexit", "-loglevel", "error"],
    ["mpv", "--no-video", "--really-quiet"],
    ["paplay"],
    ["aplay", "-q"],
    ["afplay"],
)


def find(configured: str | None = None) -> list[str] | None:
    """The command to play a file with (the file's path is appended), or None."""
    if configured:
        return shlex.split(configured)
    for cmd in PLAYERS:
        if shutil.which(cmd[0]):
            return list(cmd)
    return None


def play(path: str, player: list[str]) -> subprocess.Popen[bytes]:
    """Start playing ``path``; the caller waits (or stops it on Ctrl-C)."""
    try:
        return subprocess.Popen(
            [*player, path], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
    except OSError as exc:
        raise ConfigError(f"cannot start the player {player[0]}: {exc.strerror or exc}") from None


def wait(proc: subprocess.Popen[bytes]) -> None:
    """Wait for a player; one line if it failed."""
    _, err = proc.communicate()
    if proc.returncode not in (0, None) and proc.returncode > 0:
        line = err.decode("utf-8", "replace").strip().splitlines()
        name = proc.args[0] if isinstance(proc.args, list | tuple) else proc.args  # what player_command built
        raise ConfigError(
            f"the player {name!s} failed (exit {proc.returncode})" + (f": {line[-1]}" if line else ""),
            hint="save the audio instead with -o FILE",
        )
