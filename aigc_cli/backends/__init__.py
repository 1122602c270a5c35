"""Backend registry: built-ins plus the ``aigc_cli.backends`` entry points.

A backend factory is a callable ``(settings) -> Backend``. Modules are
imported only when their backend is used, so choosing ``local`` never
imports ``openai`` and vice versa. A third-party package registers one with

    [project.entry-points."aigc_cli.backends"]
    mine = "my_pkg.module:MyBackend"

and is then chosen like a built-in: ``-b mine`` or ``backend = "mine"``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aigc_cli.errors import AigcError, ConfigError, UsageError

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings

GROUP = "aigc_cli.backends"

BUILTIN = {
    "openai": "aigc_cli.backends.openai:OpenAIBackend",
    "local": "aigc_cli.backends.local:LocalBackend",
}

# one line that tells a user with neither backend exactly how to get each
GET_A_BACKEND = (
    "export OPENAI_API_KEY=sk-... (plus OPENAI_BASE_URL=http://host/v1 for any "
    "OpenAI-compatible server), or install the offline backend: pip install 'aigc-cli[local]'"
)

# made backends, keyed by name and the settings they were made with
_cache: dict[tuple[str, str], "Backend"] = {}
# backends handed in ready-made (provide()), by name: they win over any other of that name
_provided: dict[str, "Backend"] = {}


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, Any]:
    """Plugins, read once per process (it scans every installed distribution)."""
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=GROUP)}


def available() -> list[str]:
    """Names of every backend that could be chosen."""
    return sorted(set(BUILTIN) | set(_entry_points()) | set(_provided))


def is_known(name: str) -> bool:
    return name in BUILTIN or name in _entry_points() or name in _provided


class Provided:
    """What ``provide()`` returns: calling it (or leaving its ``with`` block) takes the backend back.

    Whatever was provided under that name before comes back, so nested or
    overlapping provides (tests, embedders) undo cleanly in reverse order.
    """

    def __init__(self, backend: "Backend", previous: "Backend | None") -> None:
        self.backend = backend
        self.previous = previous

    def __call__(self) -> None:
        if _provided.get(self.backend.name) is not self.backend:
            return  # already undone, or replaced since: leave the newer one
        if self.previous is None:
            del _provided[self.backend.name]
        else:
            _provided[self.backend.name] = self.previous

    def __enter__(self) -> "Backend":
        return self.backend

    def __exit__(self, *exc: object) -> None:
        self()


def provide(backend: "Backend") -> Provided:
    """Make an already-built backend choosable by its name in this process, until undone.

    For embedding aigc and for in-process tests (``backends.fake.FakeBackend``);
    it wins over any other backend of that name. ``with provide(fake): ...`` or
    ``undo = provide(fake); ...; undo()`` takes it back.
    """
    previous = _provided.get(backend.name)
    _provided[backend.name] = backend
    return Provided(backend, previous)


def _settings_key(settings: "Settings") -> str:
    """The settings a backend was made with, as a cache key (secrets included, hashed)."""
    import hashlib

    text = settings.model_dump_json() + "\0" + (settings.openai_key() or "")
    return hashlib.sha256(text.encode()).hexdigest()


def _unknown(name: str, source: str | None) -> Exception:
    hint = f"choose one of: {', '.join(available())}"
    if source is None:  # it came from the command line
        return UsageError(f"unknown backend {name!r}", hint=hint)
    return ConfigError(f"unknown backend {name!r} (set by {source})", hint=hint)


def choose_backend_name(settings: "Settings", flag: str | None = None) -> str:
    """flag > config/env `backend` > an OpenAI key present -> openai > local."""
    return choose_backend(settings, flag)[0]


def choose_backend(settings: "Settings", flag: str | None = None) -> tuple[str, str]:
    """The backend and why it won (`aigc doctor` says it): the one precedence rule.

    An unknown name is a usage error when typed on the command line and a
    configuration error when it comes from the config file or environment.
    """
    if flag:
        if not is_known(flag):
            raise _unknown(flag, None)
        return flag, "the -b/--backend flag"
    if settings.backend:
        if not is_known(settings.backend):
            raise _unknown(settings.backend, settings.sources.get("backend", "the config"))
        return settings.backend, f"`backend` from {settings.sources.get('backend', 'settings')}"
    if settings.openai_key() or os.environ.get("OPENAI_API_KEY"):
        return "openai", f"an OpenAI API key is set ({settings.sources.get('openai.api_key', 'environment')})"
    return "local", "no backend configured and no API key: the bundled local model"


def backend_for_model(settings: "Settings", model: str) -> str | None:
    """The backend a bare ``-m NAME`` is counted by (`aigc tokens`), or None for the configured one.

    A GGUF file is local's; a model-table entry names its backend; an unknown
    name goes to the configured backend, else to openai, whose tokenizer
    estimates any model offline.
    """
    from aigc_cli import modeltable

    if model.endswith(".gguf"):
        return "local"
    entry = modeltable.lookup(model, settings)
    if entry is not None:
        return entry.backend
    return None if settings.backend else "openai"


def runs_in_process(name: str) -> bool:
    """A backend whose models are GGUF files on this machine (localmodels lists them; they cost nothing)."""
    return name == "local"


def model_setting(name: str) -> str | None:
    """The config key holding a built-in backend's default model (`aigc models default`); None for plugins."""
    return f"{name}.model" if name in BUILTIN else None


def is_plugin(name: str) -> bool:
    """A backend that is neither built in nor provided in-process: the model table knows nothing of it."""
    return name not in BUILTIN and name not in _provided


# built-ins whose model facts (count, window, price, capabilities) need neither SDK nor network
DESCRIBE = {"openai": "aigc_cli.backends.openai_models:OpenAIModels"}


def describe(name: str, settings: "Settings") -> "Backend":
    """A backend that answers the contract's questions about models, for `tokens` and `models`.

    For openai that is its SDK-free half (no ``import openai``, no client);
    for every other backend it is the backend itself.
    """
    if name in DESCRIBE and name not in _provided:
        module, _, attr = DESCRIBE[name].partition(":")
        return getattr(importlib.import_module(module), attr)(settings)
    return get_backend(name, settings)


def _load_factory(name: str) -> Callable[["Settings"], "Backend"]:
    if name in BUILTIN:
        module, _, attr = BUILTIN[name].partition(":")
        return getattr(importlib.import_module(module), attr)
    ep = _entry_points().get(name)
    if ep is None:
        raise _unknown(name, None)
    try:
        return ep.load()
    except ImportError:
        raise
    except Exception as exc:  # a broken plugin must not look like an aigc crash
        raise ConfigError(
            f"backend plugin {name!r} ({ep.value}) failed to load: {type(exc).__name__}: {exc}",
            hint=f"fix or uninstall the package that provides it (entry-point group {GROUP})",
        ) from exc


REQUIRED = ("name", "default_model", "stream", "count_tokens", "context_window")


def get_backend(name: str, settings: "Settings") -> "Backend":
    """The backend called ``name`` for these settings, made once per process and settings.

    A plugin's factory is called with the whole ``Settings``; its own
    ``[backends.NAME]`` table is ``settings.backend_settings(NAME)``.
    """
    if name in _provided:
        return _provided[name]
    key = (name, _settings_key(settings))
    if key not in _cache:
        try:
            factory = _load_factory(name)
            backend = factory(settings)
        except ImportError as exc:
            raise _cannot_import(name, settings, exc) from exc
        except AigcError:
            raise
        except Exception as exc:
            if name in BUILTIN:
                raise
            raise ConfigError(
                f"backend plugin {name!r} failed to start: {type(exc).__name__}: {exc}",
                hint="fix its settings, or fix or uninstall the package that provides it",
            ) from exc
        if name not in BUILTIN:
            backend = _adopt_plugin(name, backend)
        _cache[key] = backend
    return _cache[key]


def _adopt_plugin(name: str, backend: Any) -> "Backend":
    """A plugin as a full Backend: checked here, by name, not mid-answer.

    A plugin that subclasses ``Backend`` is used as it is; an older one that
    implements only the protocol members is wrapped so it gets the defaults.
    """
    from aigc_cli.backends.base import Backend, PluginBackend

    missing = [attr for attr in REQUIRED if not hasattr(backend, attr)]
    if missing:
        raise ConfigError(
            f"backend plugin {name!r} does not implement {', '.join(missing)}",
            hint="see the Backend contract in aigc_cli/backends/base.py",
        )
    return backend if isinstance(backend, Backend) else PluginBackend(backend)


def _cannot_import(name: str, settings: "Settings", exc: ImportError) -> ConfigError:
    """A backend whose library is missing: say how to install it, or what else works."""
    if name == "local":
        if settings.openai_key():
            return ConfigError(
                "the local backend is not installed (llama-cpp-python cannot be imported)",
                hint="pip install 'aigc-cli[local]', or use the OpenAI backend: -b openai",
            )
        return ConfigError(
            "no backend available: no OpenAI API key is set and the local backend is not installed",
            hint=GET_A_BACKEND,
        )
    return ConfigError(
        f"backend {name!r} cannot start: {exc}",
        hint="install the package it needs, or choose another backend with -b",
    )
