"""Dates and ages typed on the command line (`--since 7d`, `--until 2024-05-31`, `prune --older-than 30d`).

Shared by the history and memory commands, so neither command module imports
the other (docs/ARCHITECTURE.md: no command module imports another).
"""

from __future__ import annotations

import re
import time

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_age(text: str) -> float:
    """'30d', '12h', '2w', '90m', '45s' -> seconds."""
    m = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", text)
    if not m:
        from aigc_cli.errors import UsageError

        raise UsageError(f"bad age or date {text!r}", hint="use a date (2024-05-31) or an age: 30d, 12h, 2w, 90m")
    return int(m.group(1)) * _UNITS[m.group(2)]


def parse_when(text: str) -> float:
    """A date (YYYY-MM-DD, local time) or an age ago ('7d') -> a Unix time."""
    from datetime import datetime

    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").timestamp()
    except ValueError:
        return time.time() - parse_age(text)
