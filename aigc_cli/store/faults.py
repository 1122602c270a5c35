"""Telling storage faults apart from damage, and opening a store that cannot be written.

A full disk or a read-only mount makes SQLite fail with SQLITE_FULL,
SQLITE_READONLY or, often, a bare "disk I/O error". Those files are healthy:
the user must hear what is wrong (no space, read-only), never that the store
is damaged and should be moved aside (issue #25 §7). A store that cannot be
written is opened read-only, so listing and searching still work.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from aigc_cli import fileio
from aigc_cli.errors import StoreError

_FULL = ("SQLITE_FULL",)
_READ_ONLY = ("SQLITE_READONLY",)
_MAYBE_STORAGE = ("SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")


def storage_fault(exc: BaseException, path: Path) -> str | None:
    """``"full"``, ``"read-only"`` or None (not a storage fault: maybe damage)."""
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return "full"
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return "read-only"
        return None
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    if name.startswith(_FULL) or "database or disk is full" in text:
        return "full"
    if name.startswith(_READ_ONLY) or "readonly database" in text:
        return "read-only"
    if name.startswith(_MAYBE_STORAGE) or "disk i/o error" in text or "unable to open" in text:
        if fileio.on_read_only_fs(path) or (path.exists() and not fileio.writable(path)):
            return "read-only"
        if fileio.nearly_full(path):
            return "full"
    return None


def store_error(exc: BaseException, path: Path, what: str = "the conversation store") -> StoreError:
    """The one-line StoreError for a failure on ``path``: busy, full, read-only or damaged."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StoreError(f"{what} {path} is busy (another aigc is writing)", hint="try again in a moment")
    fault = storage_fault(exc, path)
    if fault == "full":
        return StoreError(
            f"cannot write {what} {path}: no space left on the device",
            hint="free some space and try again; the store itself is fine",
        )
    if fault == "read-only":
        where = "the file system is read-only" if fileio.on_read_only_fs(path) else "it is not writable"
        return StoreError(
            f"cannot write {what} {path}: {where}",
            hint="reading it still works (history list, search, show); nothing was changed",
        )
    return StoreError(
        f"{what} {path} is unreadable: {text}",
        hint="the file was left untouched; move it aside to start a new store",
    )


def connect(path: Path, timeout: float, read_only: bool = False) -> tuple[sqlite3.Connection, bool]:
    """Open ``path`` (creating it private if writable); returns the connection and
    whether it is read-only. A store we cannot write (or ``read_only``) is opened
    ``mode=ro``; where SQLite cannot even make its WAL index there (a read-only
    mount, a full disk) ``immutable=1`` as well: nothing can change the file then."""
    read_only = read_only or (path.exists() and not fileio.writable(path))
    try:
        if not read_only:
            fileio.prepare_private_db(path)
            conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        else:
            conn = _read_only(path, timeout)
    except (OSError, sqlite3.DatabaseError) as exc:
        fault = storage_fault(exc, path)
        if fault:
            raise store_error(exc, path) from None
        raise StoreError(f"cannot open the conversation store {path}: {exc}") from None
    return conn, read_only


def _read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """A read-only connection that can really read (checked with one query):
    ``mode=ro`` first, then ``immutable=1`` where the WAL index cannot be made."""
    uri = path.resolve().as_uri()
    flags = ["mode=ro&immutable=1"] if fileio.on_read_only_fs(path) else ["mode=ro", "mode=ro&immutable=1"]
    last: sqlite3.DatabaseError | None = None
    for flag in flags:
        conn = sqlite3.connect(
            f"{uri}?{flag}", uri=True, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.DatabaseError as exc:
            conn.close()
            last = exc
    assert last is not None
    raise last
