"""The values Tab completes that live in the user's data, for cli/completion.py's scripts.

One table keyed by option name, one by command and first argument, so no
command module has to know about completion (``--kb`` is completed from
``aigc_cli.kb`` whenever that feature is installed). Each source reads
files or the store (store/peek.py: read-only, never creating or migrating it).
Imported only when the shell asks for completions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aigc_cli.cli.typer_private import CompletionAPI

Values = Iterable[tuple[str, str]]  # (value, help)


def with_values(base: type, api: "CompletionAPI") -> type:
    """``base`` (typer's class for one shell) completing our values where ``source_for`` knows them."""

    def get_completions(self: Any, args: list[str], incomplete: str) -> list[Any]:
        import sqlite3

        ctx = api.resolve_context(self.cli, self.ctx_args, self.prog_name, args)
        obj, incomplete = api.resolve_incomplete(ctx, args, incomplete)
        source = source_for(ctx, obj)
        if source is None:
            return obj.shell_complete(ctx, incomplete)
        try:
            values = list(source())
        except (OSError, sqlite3.Error):
            values = []  # a missing or busy store completes nothing rather than failing the shell
        return [api.completion_item(v, help=h or None) for v, h in values if v.startswith(incomplete)]

    return type(base.__name__, (base,), {"get_completions": get_completions})


def source_for(ctx: Any, param: Any) -> Callable[[], Values] | None:
    """Which of our value sources completes ``param`` in ``ctx`` (None: click's own)."""
    kind = getattr(param, "param_type_name", "")  # a command (completing a name) has none
    if kind == "option":
        for opt, source in _BY_OPTION.items():
            if opt in param.opts:
                return source
        return None
    if kind == "argument":
        words = ctx.command_path.split()[1:]
        first = param is next((p for p in ctx.command.params if p.param_type_name == "argument"), None)
        if first:
            return _BY_COMMAND.get(" ".join(words))
    return None


# ------------------------------------------------------------------ sources


def recipes() -> Values:
    """Built-in and user recipe names (file names: nothing is parsed or validated)."""
    from importlib.resources import files

    from aigc_cli import paths

    names = {p.name[:-5] for p in files("aigc_cli").joinpath("prompts").iterdir() if p.name.endswith(".toml")}
    folder = paths.recipes_dir()
    if folder.is_dir():
        names |= {p.stem for p in folder.glob("*.toml")}
    return [(n, "") for n in sorted(names)]


def models() -> Values:
    """The model table's names, the local GGUF models, then the models used in stored conversations."""
    from aigc_cli.modeltable import BUILTIN
    from aigc_cli.store import peek

    names: dict[str, str] = dict.fromkeys(BUILTIN, "")
    names.update((name, origin) for name, origin in local_models())
    for model in peek.used_models():
        names.setdefault(model, "")
    return list(names.items())


def local_models() -> Values:
    """Pulled, Ollama, LM Studio and Hugging Face cache models (names `-b local -m` resolves)."""
    try:
        from aigc_cli.localmodels.registry import all_models
    except ImportError:
        return []
    return [(m.name, m.origin) for m in all_models() if m.usable]


def conversations() -> Values:
    """The newest conversation ids, each with its title as the help text."""
    from aigc_cli.store import peek

    return peek.recent_conversations(50)


def knowledge_bases() -> Values:
    try:
        from aigc_cli.kb.index import names
    except ImportError:
        return []
    return [(n, "") for n in names()]


def backends() -> Values:
    from aigc_cli.backends import available

    return [(n, "") for n in available()]


_BY_OPTION: dict[str, Callable[[], Values]] = {
    "--model": models,
    "--cid": conversations,
    "--kb": knowledge_bases,
    "--recipe": recipes,
    "--backend": backends,
}
_BY_COMMAND: dict[str, Callable[[], Values]] = {
    "run": recipes,
    "recipes show": recipes,
    "recipes edit": recipes,
    "recipes rm": recipes,
    "recipes path": recipes,
    "models default": models,
    "models use": local_models,
    "models rm": local_models,
    "history show": conversations,
    "history rm": conversations,
    "history title": conversations,
    "history export": conversations,
}
