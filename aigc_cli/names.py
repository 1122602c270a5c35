"""The one rule for names the user gives things that become files or keys: recipes,
knowledge bases, MCP servers.

A plain name (letters, digits, '-', '_', '.', up to 64, not starting with a
punctuation mark) can never be a path (``../config``), a hidden file or an
option, so every feature checks it the same way and says so in the same words.
"""

from __future__ import annotations

import re

NAME_RE = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
HINT = "letters, digits, '-', '_' and '.', up to 64"


def is_plain(name: str) -> bool:
    return re.fullmatch(NAME_RE, name) is not None


def check(name: str, what: str) -> str:
    """``name`` if it is plain, else the UsageError ``bad WHAT name 'NAME'`` (exit 2)."""
    if not is_plain(name):
        from aigc_cli.errors import UsageError

        raise UsageError(f"bad {what} name {name!r}", hint=HINT)
    return name
