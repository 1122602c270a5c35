"""Loading a task's attachments (``-a``) before its prompt is built (issue #22).

Attachments are loaded here, before the recipe is rendered, because their
text (a PDF's pages, a web page, a transcript) is part of the input the recipe
sees; their pictures travel on the TurnRequest to the turn's attachment stage.
Audio is transcribed by the backend the flags and config choose.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from aigc_cli.session.options import TaskOptions

if TYPE_CHECKING:
    from aigc_cli.attachments.model import Loaded
    from aigc_cli.backends.base import Transcript
    from aigc_cli.config import Settings
    from aigc_cli.session.mapreduce import Source
    from aigc_cli.session.request import TurnRequest


def load_for(opts: TaskOptions, settings: "Settings") -> "Loaded | None":
    """The attachments of a task, loaded and checked (None when there are none)."""
    if not opts.attach:
        return None
    return load_specs(
        opts.attach, settings, original=opts.attach_original, backend=opts.backend, model_path=opts.model_path
    )


def load_specs(
    specs: list[str],
    settings: "Settings",
    *,
    original: bool = False,
    backend: str | None = None,
    model_path: str | None = None,
) -> "Loaded":
    """``PATH|URL|-`` specs as attachments (chat's /attach uses this too)."""
    from aigc_cli.attachments.load import load
    from aigc_cli.session.choose import pick_backend

    def transcribe(data: bytes, filename: str) -> str:
        chosen = pick_backend(settings, backend, model_path, None)
        return chosen.transcribe(data, filename, settings.audio.transcribe_model).text

    stdin = sys.stdin.buffer if "-" in specs and sys.stdin is not None and not sys.stdin.isatty() else None
    return load(specs, original=original, stdin=stdin, transcribe=transcribe, url_timeout=settings.attach.url_timeout)


def attach_to(req: "TurnRequest", loaded: "Loaded | None") -> None:
    """Put loaded attachments on a request. What they carry came from outside (a file,
    a web page, a transcript), so the turn starts tainted for tools (tools/policy.py)."""
    if loaded is None:
        return
    req.attached = loaded
    req.outside_input = True


def run_transcribe(
    paths: list[str],
    settings: "Settings",
    *,
    backend: str | None = None,
    language: str | None = None,
    timestamps: bool = False,
    model: str | None = None,
) -> list[tuple[str, "Transcript"]]:
    """`aigc transcribe`: each audio file (``-`` is stdin) as a Transcript, in order.

    Every file is read and checked before the first is sent, so a bad one
    among several costs nothing.
    """
    from aigc_cli.attachments.detect import AUDIO, sniff
    from aigc_cli.attachments.load import MAX_AUDIO_BYTES, read_path
    from aigc_cli.errors import BadFile
    from aigc_cli.session.choose import pick_backend

    audio: list[tuple[str, bytes, str]] = []
    for path in paths:
        data = sys.stdin.buffer.read(MAX_AUDIO_BYTES + 1) if path == "-" else read_path(path)
        name = "stdin" if path == "-" else path
        kind = sniff(data[:2048])
        if kind not in AUDIO:
            raise BadFile(f"{name}: not audio (MP3, WAV, M4A, OGG, FLAC or WebM)" if data else f"{name}: empty")
        if len(data) > MAX_AUDIO_BYTES:
            raise BadFile(f"{name}: over the cap of {MAX_AUDIO_BYTES // 1_000_000} MB of audio")
        filename = name.rsplit("/", 1)[-1]
        audio.append((name, data, filename if "." in filename else f"{filename}.{kind}"))
    chosen = pick_backend(settings, backend, None, None)
    use = model or settings.audio.transcribe_model
    return [(name, chosen.transcribe(data, filename, use, language, timestamps)) for name, data, filename in audio]


def for_summary(
    opts: TaskOptions, settings: "Settings", sources: list["Source"]
) -> tuple[TaskOptions, list["Source"], "Loaded | None"]:
    """`summarize -a`: each attachment's text becomes one more source (so a long PDF or
    page is summarized map-reduce style like a long file); what remains to attach
    (pictures, and the record of every attachment) comes back for the final turn."""
    import dataclasses
    import io

    from aigc_cli.session.mapreduce import Source

    loaded = load_for(opts, settings)
    if loaded is None:
        return opts, sources, None
    extra = [Source(a.name, io.BytesIO(a.text.encode("utf-8"))) for a in loaded.items if a.text]
    rest = loaded.model_copy(update={"items": [a.model_copy(update={"text": None}) for a in loaded.items]})
    return dataclasses.replace(opts, attach=None), [*sources, *extra], rest
