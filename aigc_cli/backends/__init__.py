"""Backend registry: built-ins plus the ``aigc_cli.backends`` entry points.

A backend factory is a callable ``(settings) -> Backend``. Modules are
imported only when their backend is used, so choosing ``local`` never
imports ``openai`` and vice versa.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from aigc_cli.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings

BUILTIN = {
    "openai": "aigc_cli.backends.openai:OpenAIBackend",
    "local": "aigc_cli.backends.local:LocalBackend",
}

_cache: dict[str, "Backend"] = {}


def _entry_points() -> dict[str, object]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group="aigc_cli.backends")}


def available() -> list[str]:
    """Names of every backend that could be chosen."""
    return sorted(set(BUILTIN) | set(_entry_points()))


def _load_factory(name: str) -> Callable[["Settings"], "Backend"]:
    if name in BUILTIN:
        module, _, attr = BUILTIN[name].partition(":")
        return getattr(importlib.import_module(module), attr)
    ep = _entry_points().get(name)
    if ep is None:
        raise UsageError(
            f"unknown backend {name!r}", hint=f"choose one of: {', '.join(available())}"
        )
    return ep.load()  # type: ignore[attr-defined]


def choose_backend_name(settings: "Settings", flag: str | None = None) -> str:
    """flag > config/env `backend` > an OpenAI key present -> openai > local."""
    if flag:
        return flag
    if settings.backend:
        return settings.backend
    if settings.openai_key() or os.environ.get("OPENAI_API_KEY"):
        return "openai"
    return "local"


def get_backend(name: str, settings: "Settings") -> "Backend":
    """The backend called ``name``, made once per process."""
    if name not in _cache:
        factory = _load_factory(name)
        try:
            _cache[name] = factory(settings)
        except ImportError as exc:
            raise ConfigError(f"backend {name!r} cannot start: {exc}") from exc
    return _cache[name]
