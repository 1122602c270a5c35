"""Opening a file in the user's editor ($VISUAL, else $EDITOR, else vi): one rule for every command.

`recipes new -e`, `recipes edit` and `memory edit` all hand a file to the
editor; the choice of editor, how its command line is split and what a
failure means are the same everywhere, so they live here once.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path


def editor_command() -> str:
    """The editor the user asked for: $VISUAL, then $EDITOR, then vi."""
    return os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"


def edit(path: Path, on_failure: str) -> None:
    """Run the editor on ``path`` and wait; UsageError if it cannot start or exits non-zero.

    ``on_failure`` says what became of the user's work (e.g. "no memory was
    changed"), appended to the error about a failing editor.
    """
    from aigc_cli.errors import UsageError

    editor = editor_command()
    try:
        code = subprocess.call([*shlex.split(editor), str(path)])
    except FileNotFoundError:
        raise UsageError(f"cannot start the editor {editor!r}", hint="set EDITOR, e.g. export EDITOR=nano") from None
    if code != 0:
        raise UsageError(f"the editor exited with status {code}; {on_failure}")
