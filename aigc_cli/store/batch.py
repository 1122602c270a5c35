"""`aigc batch` jobs and their items in the store (issue #23).

A job is one command line (its spec, as JSON, keyed by a hash of it, so the same
command run again finds the same job); each input is an item row. An item is
written in its own short transaction the moment it finishes, so a SIGKILL at
any time loses nothing that finished and a resume never sends it again.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aigc_cli.store.db import Store

JOB_STATES = ("running", "done", "cancelled", "stopped")


@dataclass(slots=True)
class JobRow:
    id: str
    created: float
    updated: float
    recipe: str
    spec: dict[str, Any]
    state: str
    api: str
    remote_id: str | None
    total: int = 0
    done: int = 0
    failed: int = 0
    cost: float = 0.0


@dataclass(slots=True)
class ItemRow:
    idx: int
    key: str
    status: str
    output: str | None
    output_path: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost: float | None
    error: str | None
    attempts: int


_ITEM_COLS = "idx, key, status, output, output_path, prompt_tokens, completion_tokens, cost, error, attempts"


def _guard(store: "Store", exc: sqlite3.DatabaseError) -> Exception:
    return store.error(exc)


def find_job(store: "Store", job_id: str) -> JobRow | None:
    """The job whose id starts with ``job_id`` (a unique prefix), or None."""
    from aigc_cli.errors import UsageError

    prefix = job_id.strip().lower()
    if not prefix:
        raise UsageError("empty batch job id")
    try:
        rows = store.conn.execute(
            "SELECT id FROM batch_jobs WHERE id >= ? AND id < ? LIMIT 2", (prefix, prefix + "\uffff")
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise _guard(store, exc) from exc
    if len(rows) > 1:
        raise UsageError(f"batch job id {prefix!r} is ambiguous", hint="give more characters")
    return job(store, rows[0][0]) if rows else None


def job(store: "Store", job_id: str) -> JobRow | None:
    """One job with its item counts and spend so far."""
    try:
        row = store.conn.execute(
            "SELECT id, created, updated, recipe, spec, state, api, remote_id FROM batch_jobs WHERE id = ?",
            (job_id,),
        ).fetchone()
        if row is None:
            return None
        counts = store.conn.execute(
            "SELECT count(*), sum(status = 'done'), sum(status = 'failed'), coalesce(sum(cost), 0)"
            " FROM batch_items WHERE job_id = ?",
            (job_id,),
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise _guard(store, exc) from exc
    return JobRow(
        row[0],
        row[1],
        row[2],
        row[3],
        json.loads(row[4]),
        row[5],
        row[6],
        row[7],
        int(counts[0] or 0),
        int(counts[1] or 0),
        int(counts[2] or 0),
        float(counts[3] or 0.0),
    )


def jobs(store: "Store", limit: int = 20) -> list[JobRow]:
    """The most recent jobs first."""
    try:
        ids = [
            r[0]
            for r in store.conn.execute("SELECT id FROM batch_jobs ORDER BY updated DESC LIMIT ?", (limit,)).fetchall()
        ]
    except sqlite3.DatabaseError as exc:
        raise _guard(store, exc) from exc
    return [j for j in (job(store, i) for i in ids) if j is not None]


def create_job(store: "Store", job_id: str, recipe: str, spec: dict[str, Any], api: str, keys: Sequence[str]) -> None:
    """A new job with one pending item per key, all in one transaction."""
    now = time.time()
    try:
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO batch_jobs(id, created, updated, recipe, spec, state, api) VALUES (?, ?, ?, ?, ?, 'running', ?)",
                (job_id, now, now, recipe, json.dumps(spec, ensure_ascii=False), api),
            )
            conn.executemany(
                "INSERT INTO batch_items(job_id, idx, key, updated) VALUES (?, ?, ?, ?)",
                ((job_id, i, k, now) for i, k in enumerate(keys)),
            )
    except sqlite3.DatabaseError as exc:
        raise _guard(store, exc) from exc


def items(store: "Store", job_id: str, status: str | None = None) -> list[ItemRow]:
    """A job's items in input order, optionally only those with ``status``."""
    sql = f"SELECT {_ITEM_COLS} FROM batch_items WHERE job_id = ?"
    args: list[Any] = [job_id]
    if status is not None:
        sql += " AND status = ?"
        args.append(status)
    try:
        rows = store.conn.execute(sql + " ORDER BY idx", args).fetchall()
    except sqlite3.DatabaseError as exc:
        raise _guard(store, exc) from exc
    return [ItemRow(*r) for r in rows]


def finish_item(
    store: "Store",
    job_id: str,
    idx: int,
    *,
    output: str,
    output_path: str | None,
    prompt_tokens: int | None,
    completion_tokens: int | None,
    cost: float | None,
    conversation_id: str | None = None,
) -> None:
    """Record a finished item: committed before the next one is counted."""
    try:
        with store.transaction() as conn:
            conn.execute(
                "UPDATE batch_items SET status = 'done', output = ?, output_path = ?, prompt_tokens = ?,"
                " completion_tokens = ?, cost = ?, error = NULL, attempts = attempts + 1, conversation_id = ?,"
                " updated = ? WHERE job_id = ? AND idx = ?",
                (
                    output,
                    output_path,
                    prompt_tokens,
                    completion_tokens,
                    cost,
                    conversation_id,
                    time.time(),
                    job_id,
                    idx,
                ),
            )
            conn.execute("UPDATE batch_jobs SET updated = ? WHERE id = ?", (time.time(), job_id))
    except sqlite3.DatabaseError as exc:
        raise _guard(store, exc) from exc


def fail_item(store: "Store", job_id: str, idx: int, error: str, cost: float | None = None) -> None:
    """Record an item that failed for good (its error kept; a resume tries it again)."""
    try:
        with store.transaction() as conn:
            conn.execute(
                "UPDATE batch_items SET status = 'failed', error = ?, cost = coalesce(?, cost),"
                " attempts = attempts + 1, updated = ? WHERE job_id = ? AND idx = ?",
                (error, cost, time.time(), job_id, idx),
            )
    except sqlite3.DatabaseError as exc:
        raise _guard(store, exc) from exc


def retry_failed(store: "Store", job_id: str) -> int:
    """Failed items go back to pending (a resume retries them); returns how many."""
    try:
        with store.transaction() as conn:
            return conn.execute(
                "UPDATE batch_items SET status = 'pending' WHERE job_id = ? AND status = 'failed'", (job_id,)
            ).rowcount
    except sqlite3.DatabaseError as exc:
        raise _guard(store, exc) from exc


def set_state(store: "Store", job_id: str, state: str, remote_id: str | None = None) -> None:
    """Move a job to ``state`` (and remember a Batch API id when given)."""
    try:
        with store.transaction() as conn:
            conn.execute(
                "UPDATE batch_jobs SET state = ?, remote_id = coalesce(?, remote_id), updated = ? WHERE id = ?",
                (state, remote_id, time.time(), job_id),
            )
    except sqlite3.DatabaseError as exc:
        raise _guard(store, exc) from exc


def record_many(
    store: "Store",
    job_id: str,
    done: Iterable[tuple[int, str, int | None, int | None, float | None]],
    failed: Iterable[tuple[int, str]],
) -> None:
    """A Batch API result file, applied in one transaction: (idx, output, tokens in/out, cost), (idx, error)."""
    now = time.time()
    try:
        with store.transaction() as conn:
            conn.executemany(
                "UPDATE batch_items SET status = 'done', output = ?, prompt_tokens = ?, completion_tokens = ?,"
                " cost = ?, error = NULL, attempts = attempts + 1, updated = ? WHERE job_id = ? AND idx = ?",
                ((out, pt, ct, cost, now, job_id, idx) for idx, out, pt, ct, cost in done),
            )
            conn.executemany(
                "UPDATE batch_items SET status = 'failed', error = ?, attempts = attempts + 1, updated = ?"
                " WHERE job_id = ? AND idx = ?",
                ((err, now, job_id, idx) for idx, err in failed),
            )
            conn.execute("UPDATE batch_jobs SET updated = ? WHERE id = ?", (now, job_id))
    except sqlite3.DatabaseError as exc:
        raise _guard(store, exc) from exc


def set_output_path(store: "Store", job_id: str, idx: int, path: str) -> None:
    try:
        with store.transaction() as conn:
            conn.execute("UPDATE batch_items SET output_path = ? WHERE job_id = ? AND idx = ?", (path, job_id, idx))
    except sqlite3.DatabaseError as exc:
        raise _guard(store, exc) from exc
