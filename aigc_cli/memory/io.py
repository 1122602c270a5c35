"""Memories as JSON: `aigc memory export`/`import`, and the part of `history export --all`.

The export is ``{"aigc_memories": 1, "memories": [...]}``; import also takes
a ``history export --all --format json`` file (its ``memories`` key) or a
plain list of texts. A file that does not parse is one clear error (exit 3)
and imports nothing; memories already kept (same text) are skipped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aigc_cli.errors import ConfigError
from aigc_cli.memory.store import Memory

EXPORT_VERSION = 1


def iso(ts: float) -> str:
    """Local ISO 8601 with offset, to the second (as the history export writes times)."""
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def memory_json(m: Memory) -> dict[str, Any]:
    return {"id": m.id, "text": m.text, "created": iso(m.created), "source": m.source, "pinned": m.pinned}


def export_text(memories: Sequence[Memory]) -> str:
    data = {"aigc_memories": EXPORT_VERSION, "memories": [memory_json(m) for m in memories]}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _when(value: Any, where: str) -> float:
    if value is None:
        return time.time()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            pass
    raise ConfigError(f"{where}: bad 'created' time {value!r}", hint="use ISO 8601, e.g. 2026-05-31T12:00:00+02:00")


def _item(entry: Any, where: str) -> tuple[str, float, bool]:
    if isinstance(entry, str):
        return entry, time.time(), False
    if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
        raise ConfigError(f"{where}: each memory needs a 'text' string", hint="see `aigc memory export`")
    return entry["text"], _when(entry.get("created"), where), bool(entry.get("pinned", False))


def parse(text: str, name: str) -> list[tuple[str, float, bool]]:
    """(text, created, pinned) for each memory in an export; ConfigError if malformed."""
    from aigc_cli.errors import UsageError
    from aigc_cli.memory.store import check, max_chars

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name}: not JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise ConfigError(f"{name}: nested too deeply to read") from None
    entries = data.get("memories") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise ConfigError(f"{name}: no list of memories found", hint='expected {"memories": [...]} or a list')
    items = [_item(e, f"{name}: memory {i + 1}") for i, e in enumerate(entries)]
    limit = max_chars()
    for i, (text, _, _) in enumerate(items, 1):
        try:
            check(text, limit, f"{name}: memory {i}")
        except UsageError as exc:  # a bad file: exit 3, and nothing of it is imported
            raise ConfigError(exc.message) from None
    return items
