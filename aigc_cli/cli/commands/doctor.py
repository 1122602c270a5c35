"""`aigc doctor`: which settings won and why, and a live check of the backend."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer

from aigc_cli.cli import options as opt


def register(app: typer.Typer) -> None:
    app.command(help="Explain the settings in force and check the backend live.")(doctor)


def doctor(
    backend: opt.BackendName = None,
    offline: Annotated[bool, typer.Option("--offline", help="Skip the live check of the backend.")] = False,
    model_path: opt.ModelPath = None,
) -> None:
    from aigc_cli import __version__, config, paths
    from aigc_cli.backends import choose_backend, get_backend
    from aigc_cli.errors import AigcError
    from aigc_cli.session.choose import backend_flag, with_model_path

    settings = config.load_settings()
    settings = with_model_path(settings, model_path)
    backend = backend_flag(backend, model_path)
    print(f"aigc {__version__} on Python {sys.version.split()[0]}")
    print(f"config file : {paths.config_file()}{'' if paths.config_file().exists() else ' (not created yet)'}")
    print(f"secrets file: {paths.secrets_file()}{'' if paths.secrets_file().exists() else ' (none)'}")
    print(f"data dir    : {paths.data_dir()}")
    name, reason = choose_backend(settings, backend)
    print(f"backend     : {name}  (chosen by {reason})")
    _local_model(settings)
    from aigc_cli.speech import engines_found

    for label, value in engines_found(settings.speech.player):
        print(f"{label:<12}: {value}")
    for key, source in sorted(settings.sources.items()):
        shown = config.mask(settings.openai_key() or "") if key in config.SECRET_KEYS else _value(settings, key)
        if key.endswith("base_url") and isinstance(shown, str):
            shown = config.mask_url(shown)  # http://user:secret@host: the password is a secret too
        print(f"  {key} = {shown}  <- {source}")
    try:
        be = get_backend(name, settings)
    except AigcError as exc:
        if not offline:
            raise
        print(f"              not usable here: {exc.message}")
        return
    from aigc_cli.session import checkup

    model, why = checkup.model_in_force(settings, be)  # the rule `ask` uses
    print(f"model       : {model}  (chosen by {why})")
    for label, value in be.diagnostics(live=not offline):
        print(f"{label:<12}: {value}")
    if offline:
        return
    start = time.perf_counter()
    print(f"              {checkup.live_check(be, model)}")
    print(f"live check  : ok in {time.perf_counter() - start:.2f} s")


def _local_model(settings) -> None:
    """The model `-b local` uses without -m, and where its file lives (never loads it)."""
    from aigc_cli.backends.local import BUNDLED_NAME
    from aigc_cli.localmodels import manage

    from aigc_cli.localmodels import best

    found = best.found_default(settings)
    if found is not None:
        print(f"local model : {found.name}  (found in place, the best instruct model here: {found.origin})")
        print(f"              {found.path}")
        return
    info = manage.in_force(settings, BUNDLED_NAME)
    print(f"local model : {info.name}  ({info.where})")
    if info.path:
        print(f"              {info.path}")
    if info.problem:
        print(f"              NOT USABLE: {info.problem}")
    if info.name == BUNDLED_NAME:
        from aigc_cli.backends.gguf import WELCOME

        print(f"              note: {WELCOME}")


def _value(settings, dotted: str) -> object:
    """The setting as a person reads it: a model entry as `context_window=128000, ...`, not a repr."""
    from pydantic import BaseModel

    node: object = settings
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
    if isinstance(node, BaseModel):
        return ", ".join(f"{k}={v}" for k, v in node.model_dump(exclude_defaults=True).items()) or "(defaults)"
    if isinstance(node, dict):
        return "; ".join(f"{k}: {_value({k: v}, k)}" for k, v in node.items()) or "(none)"
    return node
