"""`models use`, `models rm` and the local model in force (`doctor`).

Kept out of the CLI so each command is one call: these decide which
settings change and which files may be deleted (only what aigc pulled).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aigc_cli import paths
from aigc_cli.errors import ConfigError, UsageError
from aigc_cli.localmodels import pulled, registry
from aigc_cli.localmodels.entry import SOURCE_LABEL, LocalModel

if TYPE_CHECKING:
    from aigc_cli.config import Settings


@dataclass
class Change:
    """What a command did, and notes worth a line on stderr."""

    model: LocalModel
    notes: list[str] = field(default_factory=list)


def use(name: str, settings: "Settings", bundled_name: str) -> Change:
    """Make ``name`` the local default (``local.model``), if it resolves to a usable file.

    ``local.model_path`` outranks ``local.model``, so a path set in the
    config file is removed; one set elsewhere (environment) is reported.
    """
    from aigc_cli import config

    if name == bundled_name:
        model = LocalModel(name=name, source="pulled", origin="bundled with aigc")
    else:
        found = registry.find(name)
        if found is None:
            raise UsageError(f"unknown local model {name!r}", hint=registry.NOT_FOUND_HINT)
        if not found.usable:
            raise ConfigError(
                f"the local model {found.name} ({SOURCE_LABEL[found.source]}) cannot be used: {found.reason}"
            )
        model = found
    notes = []
    config.set_value("local.model", model.name)
    if settings.local.model_path:
        source = settings.sources.get("local.model_path", "")
        if source.startswith("config file") and config.unset_value("local.model_path"):
            notes.append(f"removed local.model_path = {settings.local.model_path} (it outranks local.model)")
        else:
            notes.append(f"local.model_path = {settings.local.model_path} ({source}) still outranks local.model")
    if settings.model and settings.model != model.name:
        notes.append(
            f"`model = {settings.model}` ({settings.sources.get('model', 'config')}) still outranks "
            "local.model; `aigc config set model " + model.name + "` to change it"
        )
    return Change(model, notes)


def remove(name: str, settings: "Settings") -> Change:
    """Delete a model aigc pulled (files and record); anything else is refused."""
    gone = pulled.remove(name)
    if gone is None:
        other = registry.find(name)
        if other is not None and other.source != "pulled":
            raise UsageError(
                f"{other.name} belongs to {SOURCE_LABEL[other.source]} ({other.origin}); "
                "aigc removes only models it pulled",
                hint="remove it with the tool that downloaded it",
            )
        raise UsageError(f"no model called {name!r} was pulled by aigc", hint="`aigc models list` shows them")
    model = LocalModel(
        name=gone.name,
        source="pulled",
        path=str(gone.path()),
        origin=f"hf.co/{gone.repo_id}@{gone.revision[:8]}",
        size=gone.size(),
    )
    notes = []
    if settings.local.model == gone.name:
        notes.append(f"local.model still names {gone.name}; choose another: `aigc models use NAME`")
    return Change(model, notes)


@dataclass
class InForce:
    """The model ``-b local`` uses with no ``-m``, and where it lives."""

    name: str
    where: str
    path: str | None
    problem: str | None = None


def in_force(settings: "Settings", bundled_name: str) -> InForce:
    cfg = settings.local
    if cfg.model_path:
        source = settings.sources.get("local.model_path", "settings")
        path = Path(cfg.model_path).expanduser()
        problem = None if path.is_file() else f"file missing: {path}"
        return InForce(path.name, f"local.model_path ({source})", str(path), problem)
    if cfg.model == bundled_name:
        return InForce(
            cfg.model, "bundled with aigc, assembled into the model cache on first use", str(paths.model_cache_dir())
        )
    found = registry.find(cfg.model)
    if found is None:
        return InForce(cfg.model, "local.model", None, "no local model has this name (`aigc models list`)")
    where = f"{SOURCE_LABEL[found.source]}: {found.origin}"
    return InForce(found.name, where, found.path, found.reason)
