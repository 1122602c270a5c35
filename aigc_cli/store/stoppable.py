"""Queries that Ctrl-C and SIGTERM stop at once.

While SQLite runs a statement, Python runs no signal handler: the handler
waits until the statement returns, however long that takes. So for the
duration of a block, SIGINT/SIGTERM/SIGHUP only set a flag, and SQLite's
progress handler (a Python callback every few thousand VM steps, where the
flag-setting handler gets to run) aborts the statement once the flag is set.
The signal is then delivered as usual (KeyboardInterrupt, errors.Terminated).
"""

from __future__ import annotations

import signal
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aigc_cli.store.db import _HELD

STEPS = 10_000  # SQLite VM steps between looks at the flag (well under a millisecond)


@contextmanager
def stoppable(conn: sqlite3.Connection) -> Iterator[None]:
    """Run the block's queries so that a signal stops them within milliseconds (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = [s for s in _HELD if signal.getsignal(s) is not None]  # None: set outside Python
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in held}
    conn.set_progress_handler(lambda: 1 if caught else 0, STEPS)
    try:
        yield
    except sqlite3.OperationalError:
        if not caught:  # a real failure, not our abort
            raise
    finally:
        conn.set_progress_handler(None, 0)
        for s, handler in previous.items():
            signal.signal(s, handler)
    if caught:
        _deliver(caught[0], previous[caught[0]])


def _deliver(signum: int, handler: Any) -> None:
    """What the signal would have done without us: the handler, Ctrl-C's exception, or the default."""
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL and signum == signal.SIGINT:
        raise KeyboardInterrupt
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signum)
