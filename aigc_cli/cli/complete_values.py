"""The values Tab completes that live in the user's data (cli/commands/completion.py's scripts).

Each ``complete_*`` function is a typer ``autocompletion=`` callback (typer's
public API), named on the option or argument it completes: ``-m/--model``,
``--cid``, ``--kb``, ``--recipe``, ``-b/--backend`` in cli/options.py and the
commands that declare their own, and the first argument of ``run``,
``recipes show|edit|rm|path``, ``models default|use|rm`` and
``history show|rm|title|export``. Each source reads files or the store
(store/peek.py: read-only, never creating or migrating it); nothing heavy is
imported until the shell asks for completions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Values = Iterable[tuple[str, str]]  # (value, help)
Completer = Callable[[str], list[str | tuple[str, str]]]


def _completer(source: Callable[[], Values]) -> Completer:
    """``source`` as a typer callback: the values starting with what was typed, help where there is some."""

    def complete(incomplete: str) -> list[str | tuple[str, str]]:
        import sqlite3

        try:
            values = list(source())
        except (OSError, sqlite3.Error):
            return []  # a missing or busy store completes nothing rather than failing the shell
        return [(v, h) if h else v for v, h in values if v.startswith(incomplete)]

    complete.__doc__ = source.__doc__
    return complete


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


complete_recipes = _completer(recipes)
complete_models = _completer(models)
complete_local_models = _completer(local_models)
complete_conversations = _completer(conversations)
complete_knowledge_bases = _completer(knowledge_bases)
complete_backends = _completer(backends)
