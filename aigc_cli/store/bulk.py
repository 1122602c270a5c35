"""Long writes (imports) that a signal can stop, with a report that tells the truth.

A turn's short transaction holds Ctrl-C/SIGTERM until it commits
(``db._interrupts_held``): losing a partial answer would be worse than a short
wait. An import can take minutes, so holding signals that long makes Ctrl-C
look dead, and reporting "interrupted" after everything was committed is a
lie. Here a signal during the writing rolls everything back (nothing is
imported); once the COMMIT starts, the signal waits until the caller's
``on_commit`` has reported what was committed, and is delivered after it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from aigc_cli.store.db import _interrupts_held

if TYPE_CHECKING:
    from aigc_cli.store.db import Store

T = TypeVar("T")


def write_all(
    store: "Store", write: Callable[[sqlite3.Connection], T], on_commit: Callable[[T], None] | None = None
) -> T:
    """Run ``write`` in one transaction: all of it, or (on any exception or signal) none of it."""
    conn = store.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = write(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        with _interrupts_held():
            conn.execute("COMMIT")
            if on_commit is not None:
                on_commit(result)
    except sqlite3.DatabaseError as exc:
        raise store.error(exc) from exc
    return result
