"""`aigc transcribe FILE...`: audio to text on stdout, a pipeline primitive (issue #22)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from aigc_cli.cli import options as opt
from aigc_cli.cli.complete_values import complete_models


def register(app: typer.Typer) -> None:
    app.command("transcribe", help="Audio to text on stdout (the backend's /v1/audio/transcriptions).")(transcribe)


def transcribe(
    files: Annotated[
        list[str], typer.Argument(metavar="FILE...", help="Audio files (MP3, WAV, M4A, OGG, FLAC, WebM); '-' is stdin.")
    ],
    lang: Annotated[
        Optional[str], typer.Option("--lang", metavar="CODE", help="The spoken language (ISO 639-1, e.g. en, de, zh).")
    ] = None,
    timestamps: Annotated[
        bool, typer.Option("--timestamps", help="One line per segment, with its start and end.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list: file, text, language, duration, segments.")
    ] = False,
    backend: opt.BackendName = None,
    model: Annotated[
        Optional[str],
        typer.Option(
            "--model",
            "-m",
            help="Transcription model (default: audio.transcribe_model).",
            autocompletion=complete_models,
        ),
    ] = None,
) -> None:
    import sys

    from aigc_cli.cli.common import print_json
    from aigc_cli.config import load_settings
    from aigc_cli.session.attach import run_transcribe

    results = run_transcribe(
        files, load_settings(), backend=backend, language=lang, timestamps=timestamps or as_json, model=model
    )
    if as_json:
        print_json([{"file": name, **t.model_dump()} for name, t in results])
        return
    for i, (name, t) in enumerate(results):
        if len(results) > 1:
            sys.stdout.write(("\n" if i else "") + f"==> {name} <==\n")
        if timestamps and t.segments is not None:
            sys.stdout.write("".join(f"[{_clock(s.start)} → {_clock(s.end)}] {s.text.strip()}\n" for s in t.segments))
        else:
            sys.stdout.write(t.text.rstrip() + "\n")
    sys.stdout.flush()


def _clock(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return (f"{hours}:" if hours else "") + f"{minutes:02d}:{secs:04.1f}"
