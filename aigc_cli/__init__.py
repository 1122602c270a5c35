"""aigc: a personal AI assistant for the terminal.

The public API for plugins and embedders is ``__all__`` below: the Backend
contract and the types that cross it, and the errors (each with its exit
code). Anything else under ``aigc_cli`` is internal and may change. The names
are imported on first use (module ``__getattr__``), so ``import aigc_cli``
(and so ``aigc --help``) stays as cheap as it was; tests/test_public_api.py
pins the list.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# public name -> the module that defines it
_PUBLIC = {
    "Backend": "aigc_cli.backends.base",
    "ModelInfo": "aigc_cli.backends.base",
    "Price": "aigc_cli.backends.base",
    "FREE": "aigc_cli.backends.base",
    "Message": "aigc_cli.messages",
    "GenOptions": "aigc_cli.messages",
    "Chunk": "aigc_cli.messages",
    "Usage": "aigc_cli.messages",
    "provide": "aigc_cli.backends",
    "AigcError": "aigc_cli.errors",
    "UsageError": "aigc_cli.errors",
    "ConfigError": "aigc_cli.errors",
    "BadFile": "aigc_cli.errors",
    "AuthError": "aigc_cli.errors",
    "BackendUnreachable": "aigc_cli.errors",
    "BadServerAnswer": "aigc_cli.errors",
    "RateLimited": "aigc_cli.errors",
    "InputTooLarge": "aigc_cli.errors",
    "BackendError": "aigc_cli.errors",
    "StoreError": "aigc_cli.errors",
    "StorageFull": "aigc_cli.errors",
    "StorageReadOnly": "aigc_cli.errors",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'aigc_cli' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
