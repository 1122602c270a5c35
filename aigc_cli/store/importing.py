"""`aigc history import`: read a file, tell its format by shape, store it all or nothing.

Two formats are read: our own ``aigc history export --format json`` (an
object with ``aigc_export``) and ChatGPT's (a list of conversations, or one
conversation object with a ``mapping``). Everything is read, parsed and
checked before the store is touched, and the writing is one transaction, so
a bad file imports nothing and a good one imports everything. Every problem
with the file (missing, unreadable, empty, not UTF-8, not JSON, the wrong
shape, text SQLite cannot hold) is one ``BadFile`` line naming the file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from collections import Counter
from typing import Any

from aigc_cli.errors import BadFile
from aigc_cli.store.rows import ImportBatch, Imported, ImportedMessage


def read_import(path: str | Path, now: float | None = None) -> ImportBatch:
    """Every conversation in an import file; ``now`` dates those with no time at all."""
    where = "stdin" if str(path) == "-" else str(path)
    data = _load_json(_read_bytes(str(path)), where)
    if isinstance(data, dict) and "aigc_export" in data:
        from aigc_cli.store.jsonimport import parse_export as parse_aigc

        batch = parse_aigc(data, where)
    elif isinstance(data, list) or (isinstance(data, dict) and "mapping" in data):
        from aigc_cli.store.chatgpt import parse_export as parse_chatgpt

        batch = parse_chatgpt(data, where, time.time() if now is None else now)
    else:
        raise BadFile(
            f"{where} is neither a ChatGPT export nor an aigc export"
            f" (top level: {_shape(data)}; expected a list of conversations or an aigc_export object)"
        )
    for n, item in enumerate(batch.items, 1):
        _check_text(item, where, n)
    return batch


def _shape(data: Any) -> str:
    if isinstance(data, dict):
        keys = ", ".join(sorted(map(str, data))[:5])
        return f"an object with {keys}" if keys else "an empty object"
    return {str: "a string", bool: "a boolean", type(None): "null"}.get(type(data), "a number")


def _read_bytes(where: str) -> bytes | bytearray:
    """The file (or stdin), read in blocks up to ``limits.import_bytes`` (InputTooLarge, exit 6)."""
    from aigc_cli.errors import UsageError
    from aigc_cli.inputs import limits, read_bounded

    limit = limits().import_bytes
    try:
        if where == "-":  # `aigc history import - < export.json`
            import sys

            return read_bounded(sys.stdin.buffer, "stdin", limit, "limits.import_bytes")
        with open(where, "rb") as fh:
            return read_bounded(fh, where, limit, "limits.import_bytes")
    except UsageError as exc:  # NUL bytes: no JSON holds them
        raise BadFile(exc.message) from None
    except FileNotFoundError:
        raise BadFile(f"{where}: no such file") from None
    except IsADirectoryError:
        raise BadFile(f"{where} is a directory, not a file") from None
    except OSError as exc:
        raise BadFile(f"cannot read {where}: {exc.strerror or exc}") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _load_json(data: bytes | bytearray, where: str) -> Any:
    """The file's JSON data; BadFile for anything that is not UTF-8 JSON."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise BadFile(f"{where} is not valid UTF-8 (bad byte at offset {exc.start})") from None
    if not text.strip():
        raise BadFile(f"{where} is empty")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise BadFile(f"{where} is not JSON (line {exc.lineno} column {exc.colno}: {exc.msg})") from None
    except ValueError as exc:  # NaN/Infinity, integers too long to parse
        raise BadFile(f"{where} is not JSON ({exc})") from None
    except RecursionError:
        raise BadFile(f"{where} is nested too deeply to read") from None


def _check_text(item: Imported, where: str, n: int) -> None:
    """Text SQLite can store: JSON may spell lone surrogates (\\ud800) that UTF-8 cannot."""
    texts = [item.title, item.system, item.model, item.source, item.id, item.backend, item.recipe]
    if item.summary is not None:
        texts += [item.summary.text, item.summary.model]
    for m in (ImportedMessage(*m) for m in item.messages):
        texts += [m.content, m.model, *(m.command[:2] if m.command else ())]
    for text in texts:
        if isinstance(text, str):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise BadFile(
                    f"{where}: conversation {n} holds text that is not valid Unicode"
                    f" ({exc.object[exc.start]!r} is a lone surrogate)"
                ) from None


def import_report(added: int, skipped: int, left_out: Counter[str]) -> str:
    """'imported 3 conversations (1 already imported); skipped 12 tool messages, 2 images'.

    What was left out is counted only for the conversations added now, so a
    second import of the same file says it added nothing and skipped nothing.
    """
    line = f"imported {added} conversation{'s' * (added != 1)}"
    if skipped:
        line += f" ({skipped} already imported)"
    kinds = [(kind, n) for kind, n in sorted(left_out.items()) if n > 0]
    if kinds:
        line += "; skipped " + ", ".join(f"{n} {_singular(kind, n)}" for kind, n in kinds)
    return line


def _singular(kind: str, n: int) -> str:
    """'tool messages' -> 'tool message' for one; 'conversations without text' likewise."""
    if n != 1:
        return kind
    head, _, tail = kind.partition(" without ")
    head = head[:-1] if head.endswith("s") else head
    return f"{head} without {tail}" if tail else head
