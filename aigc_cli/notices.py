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
