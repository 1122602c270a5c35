"""`aigc speak [TEXT|-]`: text read aloud, to a file (-o) or through a player.

Parses flags, makes one call into the core (aigc_cli/speech/speak.py), then
writes the file atomically or plays it.
"""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer
from aigc_cli.cli.complete_values import complete_backends

FORMATS = ("mp3", "wav", "opus", "flac")


def register(app: typer.Typer) -> None:
    app.command("speak", help="Read text aloud (arguments or stdin), or save it as audio with -o FILE.")(speak)


def speak(
    text: Annotated[
        Optional[list[str]], typer.Argument(metavar="[TEXT]...", help="What to say ('-' or nothing: stdin).")
    ] = None,
    out: Annotated[
        Optional[str],
        typer.Option("-o", "--output", metavar="FILE", help="Write the audio to FILE instead of playing it."),
    ] = None,
    voice: Annotated[
        Optional[str],
        typer.Option(
            "--voice",
            metavar="NAME",
            help="Voice (OpenAI: alloy, nova...; offline: an espeak-ng voice such as en-us or cmn).",
        ),
    ] = None,
    fmt: Annotated[
        Optional[str],
        typer.Option("--format", metavar="FORMAT", help="mp3, wav, opus or flac (default: from -o's extension)."),
    ] = None,
    speed: Annotated[
        float, typer.Option("--speed", min=0.25, max=4.0, metavar="X", help="Speaking speed, 0.25 to 4.")
    ] = 1.0,
    backend: Annotated[
        Optional[str],
        typer.Option(
            "-b",
            "--backend",
            metavar="NAME",
            help="local (espeak-ng, offline) or openai.",
            autocompletion=complete_backends,
        ),
    ] = None,
) -> None:
    """Read text aloud, or save it with -o."""
    from pathlib import Path

    from aigc_cli import inputs
    from aigc_cli.config import load_settings
    from aigc_cli.errors import UsageError
    from aigc_cli.speech.speak import synthesize

    words = " ".join(text or [])
    said = inputs.read_stdin() or "" if words in ("", "-") else words
    if fmt is None and out:
        ext = Path(out).suffix.lower().lstrip(".")
        fmt = ext if ext in FORMATS else None
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    result = synthesize(said, load_settings(), backend=backend, voice=voice, fmt=fmt, speed=speed)
    if out:
        from aigc_cli.fileio import atomic_write

        atomic_write(out, result.audio, 0o644, make_parents=False)
        length = f", {result.seconds:.1f} s" if result.seconds is not None else ""
        print(f"aigc: wrote {out} ({result.fmt}{length})", file=sys.stderr)
        return
    _play(result.audio, result.fmt)


def _play(audio: bytes, fmt: str) -> None:
    import os
    import tempfile

    from aigc_cli.config import load_settings
    from aigc_cli.errors import ConfigError
    from aigc_cli.speech import play

    player = play.find(load_settings().speech.player)
    if player is None:
        raise ConfigError(
            "no audio player found (ffplay, mpv, paplay, aplay, afplay)",
            hint="save it instead: aigc speak -o speech.wav ...",
        )
    fd, path = tempfile.mkstemp(suffix=f".{fmt}", prefix="aigc-speak-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(audio)
    proc = play.play(path, player)
    try:
        play.wait(proc)
    except BaseException:
        proc.terminate()
        raise
    finally:
        os.unlink(path)
