"""The one module that uses typer's private API: shell completion of values from the user's data.

Completing ``--model``, ``--cid``, recipe names... from the store and the
recipe folder means subclassing typer's completion classes and resolving the
click context the way typer does; typer exposes neither publicly (its
vendored click lives in ``typer._click``). Everything private is reached here
and only here, so a typer upgrade that moves it breaks one module, and
tests/test_typer_private.py fails loudly naming it. At run time a moved API
makes completion fall back to typer's own (commands and options still
complete; the user's values do not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CompletionAPI:
    """typer's private pieces completion needs."""

    add_completion_class: Callable[..., Any]
    shell_classes: tuple[type, ...]  # bash, zsh, fish
    completion_item: Callable[..., Any]
    resolve_context: Callable[..., Any]
    resolve_incomplete: Callable[..., Any]


def completion_api() -> CompletionAPI | None:
    """The private API, or None when this typer no longer has it where we look."""
    try:
        from typer._click.shell_completion import (
            CompletionItem,
            _resolve_context,
            _resolve_incomplete,
            add_completion_class,
        )
        from typer._completion_classes import BashComplete, FishComplete, ZshComplete
    except ImportError:
        return None
    return CompletionAPI(add_completion_class, (BashComplete, ZshComplete, FishComplete),
                         CompletionItem, _resolve_context, _resolve_incomplete)
