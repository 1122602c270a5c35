"""One-line notices from the core, which never prints (docs/ARCHITECTURE.md, layering).

Something the user should hear about that is neither an error nor part of an
answer (a load setting changed after a crash probe, say) is sent with
``notify``; it goes through the ``aigc_cli`` logger, so an embedder decides
where it lands, and the CLI (``to_stderr``, installed by cli/main.py) prints
it as ``aigc: ...`` on stderr. With no handler at all, Python's last-resort
handler still shows it on stderr.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

LOGGER = logging.getLogger("aigc_cli")


def notify(text: str) -> None:
    """Tell the user ``text`` (one line) without printing from the core."""
    LOGGER.warning(text)


def to_stderr() -> None:
    """The CLI's sink: each notice as one ``aigc: ...`` line on stderr (installed once)."""
    if any(getattr(h, "_aigc", False) for h in LOGGER.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("aigc: %(message)s"))
    handler._aigc = True  # type: ignore[attr-defined]  # marks our own handler, so it is installed once
    LOGGER.addHandler(handler)
    LOGGER.propagate = False


_AFTER: dict[str, str | None] = {}  # text -> the key that makes it said once ever (or None)


def _said_file(key: str) -> "Path":
    from aigc_cli import paths

    return paths.data_dir() / "said" / key


def after_answer(text: str, once: str | None = None) -> None:
    """Tell the user ``text`` after the answer now being generated (the turn's notices).

    For what would interrupt an answer if said at once: the bundled model's
    welcome, noted while the model loads, reads best under its first answer.
    With ``once``, it is said once on this machine: remembered in the data dir
    when it is taken to be shown, so a command that shows no answer keeps it.
    """
    if once is not None and _said_file(once).exists():
        return
    _AFTER.setdefault(text, once)


def take_after_answer() -> list[str]:
    """The notes waiting for the end of this answer, emptied (and remembered as said)."""
    taken = list(_AFTER.items())
    _AFTER.clear()
    for _, key in taken:
        if key is not None:
            try:
                _said_file(key).parent.mkdir(parents=True, exist_ok=True)
                _said_file(key).touch()
            except OSError:  # a read-only data dir: said again next time, nothing lost
                pass
    return [text for text, _ in taken]
