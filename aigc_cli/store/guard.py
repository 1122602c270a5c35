"""The store's one lock guard: a SQLite failure becomes the store's one-line StoreError.

Every store function that touches the database (``Store`` methods and the
feature modules beside it: memories, commands) is wrapped by ``guarded``, so a
busy, full, read-only or damaged file is reported the same way everywhere and
the file is left untouched. The first argument of the wrapped function is
the open ``Store`` (``self`` for methods).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _Store(Protocol):
    """What the guard needs of ``store.db.Store`` (named structurally: db.py imports this module)."""

    def error(self, exc: sqlite3.DatabaseError) -> Exception: ...


def guarded(fn: F) -> F:
    """``fn(store, ...)`` with SQLite failures raised as ``store.error(exc)``."""

    @functools.wraps(fn)
    def wrapper(store: _Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(store, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise store.error(exc) from exc

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature; mypy cannot see it
