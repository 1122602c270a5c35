"""Writing a batch's results: one file per item, or one JSONL, always atomically.

An output file appears whole or not at all (temp file, fsync, rename), so a
SIGKILL mid-write never leaves half an answer where a finished one is expected.
The JSONL is rewritten from the store (the record of truth) at the end of each
run, so it always lists every item in input order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aigc_cli.batch.job import Prepared
    from aigc_cli.store.batch import ItemRow


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write a user's output file whole or not at all (``fileio.atomic_write``); it is the
    user's file in the user's folder, so it gets the usual 0644, not the store's 0600."""
    from aigc_cli.fileio import atomic_write as write

    write(path, data, 0o644, private_parent=False)


def write_item(prep: "Prepared", path: str, text: str) -> None:
    atomic_write(path, text.encode("utf-8") if text.endswith("\n") else (text + "\n").encode("utf-8"))


def record(prep: "Prepared", row: "ItemRow") -> dict[str, Any]:
    """One JSONL line: input, output, usage, cost, status (and the error of a failed item)."""
    out: dict[str, Any] = {
        "input": prep.items[row.idx].key if row.idx < len(prep.items) else row.key,
        "output": row.output,
        "usage": None
        if row.prompt_tokens is None
        else {"prompt_tokens": row.prompt_tokens, "completion_tokens": row.completion_tokens or 0},
        "cost": row.cost,
        "status": row.status,
    }
    if row.error:
        out["error"] = row.error
    if row.output_path:
        out["output_path"] = row.output_path
    return out


def write_jsonl(prep: "Prepared", rows: list["ItemRow"]) -> None:
    """The whole results file, from the store's rows (pending items left out)."""
    assert prep.spec.jsonl_out
    lines = [json.dumps(record(prep, r), ensure_ascii=False) for r in rows if r.status != "pending"]
    atomic_write(prep.spec.jsonl_out, ("\n".join(lines) + "\n" if lines else "").encode("utf-8"))
