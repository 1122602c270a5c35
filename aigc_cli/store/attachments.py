"""Attachments in the store (issue #22): content-addressed blobs and what each turn attached.

The bytes live in the ``blobs`` table, keyed by their sha256, so an image
attached to ten turns is stored once; ``message_attachments`` says what a user
message had attached (kind, name, size, and the blob of each picture sent).
Blobs are deleted when no message references them any more
(``drop_unused``, called whenever messages are deleted). What is stored is
exactly what was sent: prepared images carry no metadata.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol


class Store(Protocol):
    """What this module needs of ``store.db.Store`` (not imported: db calls ``drop_unused``)."""

    conn: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def error(self, exc: sqlite3.DatabaseError) -> Exception: ...


@dataclass(slots=True, frozen=True)
class AttachmentRow:
    """One row of ``message_attachments``, with its blob when it has one."""

    position: int
    part: int
    kind: str
    name: str
    size: int
    source: str | None = None
    label: str | None = None
    sha256: str | None = None
    mime: str | None = None
    width: int | None = None
    height: int | None = None
    data: bytes | None = None


def write(db: sqlite3.Connection, message_id: int, rows: Iterable[AttachmentRow]) -> None:
    """Store ``rows`` for a message (the caller holds the transaction); blobs once each."""
    now = time.time()
    for r in rows:
        if r.data is not None:
            sha = hashlib.sha256(r.data).hexdigest()
            db.execute(
                "INSERT OR IGNORE INTO blobs(sha256, mime, size, width, height, data, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (sha, r.mime or "application/octet-stream", len(r.data), r.width, r.height, r.data, now),
            )
        else:
            sha = None
        db.execute(
            "INSERT INTO message_attachments(message_id, position, part, kind, name, size, source, label, blob)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (message_id, r.position, r.part, r.kind, r.name, r.size, r.source, r.label, sha),
        )


def save(store: "Store", message_id: int, rows: Sequence[AttachmentRow]) -> None:
    """Store a turn's attachments, in one transaction."""
    if not rows:
        return
    try:
        with store.transaction() as db:
            write(db, message_id, rows)
    except sqlite3.DatabaseError as exc:
        raise store.error(exc) from None


def for_messages(store: "Store", ids: Sequence[int], *, with_data: bool = False) -> dict[int, list[AttachmentRow]]:
    """The attachments of these messages (by message id), in order; blob bytes if asked."""
    if not ids:
        return {}
    out: dict[int, list[AttachmentRow]] = {}
    data_col = "b.data" if with_data else "NULL"
    try:
        for chunk_start in range(0, len(ids), 500):
            chunk = list(ids[chunk_start : chunk_start + 500])
            marks = ",".join("?" * len(chunk))
            rows = store.conn.execute(
                "SELECT a.message_id, a.position, a.part, a.kind, a.name, a.size, a.source, a.label, a.blob,"
                f" b.mime, b.width, b.height, {data_col} FROM message_attachments a"
                f" LEFT JOIN blobs b ON b.sha256 = a.blob WHERE a.message_id IN ({marks})"
                " ORDER BY a.message_id, a.position, a.part",
                chunk,
            ).fetchall()
            for mid, *rest in rows:
                out.setdefault(mid, []).append(AttachmentRow(*rest))
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # a read-only store from before attachments
            return {}
        raise store.error(exc) from None
    return out


def drop_unused(db: sqlite3.Connection) -> int:
    """Delete blobs no message references (after messages were deleted); returns how many."""
    return db.execute(
        "DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM message_attachments a WHERE a.blob = blobs.sha256)"
    ).rowcount


def exported(rows: Sequence[AttachmentRow]) -> list[dict[str, Any]]:
    """Rows as the JSON export has them: every field, the bytes base64-encoded."""
    return [
        {
            "position": r.position,
            "part": r.part,
            "kind": r.kind,
            "name": r.name,
            "size": r.size,
            "source": r.source,
            "label": r.label,
            "sha256": r.sha256,
            "mime": r.mime,
            "width": r.width,
            "height": r.height,
            "data": base64.b64encode(r.data).decode("ascii") if r.data is not None else None,
        }
        for r in rows
    ]


def listed(rows: Sequence[AttachmentRow]) -> list[dict[str, Any]]:
    """One entry per attachment (kind, name, size, pictures sent), for `history show`."""
    seen: dict[int, dict[str, Any]] = {}
    for r in rows:
        entry = seen.setdefault(
            r.position, {"kind": r.kind, "name": r.name, "size": r.size, "source": r.source, "pictures": 0}
        )
        entry["pictures"] += r.sha256 is not None
    return list(seen.values())


def markdown_lines(rows: Sequence[AttachmentRow]) -> list[str]:
    """``- image cat.jpg (41.2 KB)`` per attachment (``+ 2 page images`` for a PDF's scans)."""
    out = []
    for a in listed(rows):
        extra = f", {a['pictures']} page image(s)" if a["kind"] == "pdf" and a["pictures"] else ""
        out.append(f"- {a['kind']} {a['name']} ({human_size(a['size'])}{extra})")
    return out


def human_size(n: int) -> str:
    """``812 B``, ``41.2 KB``, ``3.1 MB`` (powers of 1000, as file managers show)."""
    if n < 1000:
        return f"{n} B"
    for unit in ("KB", "MB", "GB"):
        n /= 1000  # type: ignore[assignment]
        if n < 1000 or unit == "GB":
            return f"{n:.1f} {unit}"
    return f"{n} B"
