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
    from aigc_cli.config import Settings
    from aigc_cli.session.request import TurnRequest


def load_for(opts: TaskOptions, settings: "Settings") -> "Loaded | None":
    """The attachments of a task, loaded and checked (None when there are none)."""
    if not opts.attach:
        return None
    return load_specs(opts.attach, settings, original=opts.attach_original, backend=opts.backend,
                      model_path=opts.model_path)


def load_specs(specs: list[str], settings: "Settings", *, original: bool = False, backend: str | None = None,
               model_path: str | None = None) -> "Loaded":
    """``PATH|URL|-`` specs as attachments (chat's /attach uses this too)."""
    from aigc_cli.attachments.load import load
    from aigc_cli.session.choose import pick_backend

    def transcribe(data: bytes, filename: str) -> str:
        chosen = pick_backend(settings, backend, model_path, None)
        return chosen.transcribe(data, filename, settings.audio.transcribe_model).text

    stdin = sys.stdin.buffer if "-" in specs and sys.stdin is not None and not sys.stdin.isatty() else None
    return load(specs, original=original, stdin=stdin, transcribe=transcribe)


def attach_to(req: "TurnRequest", loaded: "Loaded | None") -> None:
    """Put loaded attachments on a request. What they carry came from outside (a file,
    a web page, a transcript), so the turn starts tainted for tools (tools/policy.py)."""
    if loaded is None:
        return
    req.attached = loaded
    req.outside_input = True
