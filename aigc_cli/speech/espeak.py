"""Offline speech through espeak-ng (a Debian/Homebrew package), as WAV.

The voice follows the text's language when none is given (Mandarin for mostly
Chinese text, English otherwise); ``speed`` scales espeak's default 175 words a
minute. espeak-ng is a subprocess, so Ctrl-C stops it with us.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from aigc_cli.errors import ConfigError, UsageError

WPM = 175


def available() -> str | None:
    """The espeak-ng (or espeak) program, if installed."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


def default_voice(text: str) -> str:
    from aigc_cli.recipes.fill import mostly_chinese

    return "cmn" if mostly_chinese(text) else "en"


def synthesize(text: str, voice: str | None = None, speed: float = 1.0) -> bytes:
    """``text`` spoken, as WAV bytes."""
    program = available()
    if program is None:
        raise ConfigError(
            "offline speech needs espeak-ng, which is not installed",
            hint="apt-get install espeak-ng (or brew install espeak-ng), or use an API backend (-b openai)",
        )
    fd, path = tempfile.mkstemp(suffix=".wav", prefix="aigc-speech-")
    os.close(fd)
    try:
        args = [
            program,
            "-v",
            voice or default_voice(text),
            "-s",
            str(max(80, min(500, int(WPM * speed)))),
            "-w",
            path,
            "--",
            text,
        ]
        proc = subprocess.run(args, capture_output=True, timeout=600, check=False)
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            if voice and any("voice" in line.lower() for line in err):
                raise UsageError(f"espeak-ng has no voice {voice!r}", hint="list them with: espeak-ng --voices")
            raise ConfigError(f"espeak-ng failed: {err[-1] if err else proc.returncode}")
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)
