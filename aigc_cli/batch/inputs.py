"""What a batch runs over: one item per file, per line, or per JSONL record.

Inputs are named on the command line as files, folders (walked like `kb add`:
ignore files honoured, binaries skipped), globs, ``--lines FILE`` (one item per
non-empty line) and, with ``--field NAME``, ``.jsonl`` files (one item per
record, the text in that field). Every item gets a stable key, so the same
command run again finds the same job, and a relative path under the output
folder.

A file that cannot be read is found out when its item runs (an item failure);
a malformed JSONL line or a missing ``--field`` is a bad input file (exit 3)
before anything is sent.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from aigc_cli.errors import BadFile, UsageError

GLOB_CHARS = set("*?[")


@dataclass(slots=True, frozen=True)
class Item:
    """One input: its key (how it is named), its text (None: read the file when it runs)
    and where its output goes under ``-o DIR`` (without extension)."""

    key: str
    path: str | None
    text: str | None
    out_stem: str


def collect(paths: list[str], lines: list[str], field: str | None) -> list[Item]:
    """Every item named by the arguments, in order, each key once."""
    items: list[Item] = []
    for arg in paths:
        items.extend(_from_arg(arg, field))
    for name in lines:
        items.extend(_lines(name))
    seen: set[str] = set()
    out = []
    for it in items:
        if it.key not in seen:
            seen.add(it.key)
            out.append(it)
    if not out:
        raise UsageError("no inputs to run over", hint="name files, folders or globs, or --lines FILE")
    return out


def _from_arg(arg: str, field: str | None) -> Iterator[Item]:
    if field and arg.endswith(".jsonl") and os.path.isfile(arg):
        yield from _jsonl(arg, field)
        return
    if not os.path.exists(arg) and GLOB_CHARS & set(arg):
        found = sorted(glob.glob(os.path.expanduser(arg), recursive=True))
        if not found:
            raise UsageError(f"no file matches {arg!r}")
        for f in found:
            yield from _from_arg(f, field)
        return
    if os.path.isdir(arg):
        yield from _folder(arg)
        return
    if not os.path.exists(arg) and not os.path.islink(arg):
        raise UsageError(f"no such file or folder: {arg}")
    # a file, even an unreadable one: that is the item's failure, found when it runs
    yield Item(key=os.path.abspath(arg), path=arg, text=None, out_stem=Path(arg).with_suffix("").name)


def _folder(folder: str) -> Iterator[Item]:
    from aigc_cli.kb.files import known_binary, walk

    top = Path(folder).expanduser().resolve()
    for stat in walk(top):
        if known_binary(stat.path):
            continue
        rel = Path(stat.path).relative_to(top)
        yield Item(key=stat.path, path=stat.path, text=None, out_stem=str(rel.with_suffix("")))


def _lines(name: str) -> Iterator[Item]:
    text = _read_list(name)
    stem = Path(name).stem
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield Item(key=f"{os.path.abspath(name)}:{n}", path=None, text=line, out_stem=f"{stem}-{n:05d}")


def _jsonl(name: str, field: str) -> Iterator[Item]:
    text = _read_list(name)
    stem = Path(name).stem
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadFile(f"{name}: line {n} is not JSON ({exc.msg})") from None
        value = record.get(field) if isinstance(record, dict) else None
        if not isinstance(value, str):
            raise BadFile(f"{name}: line {n} has no text field {field!r}")
        yield Item(key=f"{os.path.abspath(name)}:{n}", path=None, text=value, out_stem=f"{stem}-{n:05d}")


def _read_list(name: str) -> str:
    from aigc_cli.inputs import read_file

    try:
        return read_file(name)
    except (OSError, UsageError) as exc:
        raise BadFile(f"cannot read {name}: {exc}") from None


def read_item(item: Item) -> str:
    """The item's text; raises (an item failure) when the file cannot be read or is not text."""
    if item.text is not None:
        return item.text
    from aigc_cli.inputs import read_file

    assert item.path is not None
    try:
        text = read_file(item.path)
    except OSError as exc:
        raise UsageError(f"cannot read {item.path}: {exc.strerror or exc}") from None
    if not text.strip():
        raise UsageError(f"{item.path} is empty")
    return text
