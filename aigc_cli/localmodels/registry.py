"""Local model names -> GGUF files, across everything aigc can use in place.

The order is the order of trust: what aigc pulled and verified first, then
Ollama, LM Studio and the Hugging Face cache. Every listed model has a name
no other listed model has (a later duplicate falls back on a fuller name,
``publisher/name``), so ``-m NAME`` always means what ``models list`` shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from aigc_cli.errors import ConfigError
from aigc_cli.localmodels import discover, pulled
from aigc_cli.localmodels.entry import SOURCE_LABEL, LocalModel

NOT_FOUND_HINT = (
    "`aigc models list` shows the local models; `aigc models pull REPO_ID` gets one "
    "from the Hugging Face Hub; or give a file: --model-path FILE.gguf"
)


def pulled_models() -> list[LocalModel]:
    """aigc's own pulls, each checked against its record with a stat."""
    try:
        records = pulled.load()
    except ConfigError as exc:
        return [
            LocalModel(
                name="(pull record)",
                source="pulled",
                origin=str(pulled.record_file()),
                usable=False,
                reason=exc.message,
            )
        ]
    found = []
    for m in records:
        problem = m.problem()
        found.append(
            LocalModel(
                name=m.name,
                source="pulled",
                path=str(m.path()) if problem is None else None,
                origin=f"hf.co/{m.repo_id}@{m.revision[:8]}",
                size=m.size(),
                usable=problem is None,
                reason=problem,
            )
        )
    return found


def _unique(models: Iterable[LocalModel]) -> Iterator[LocalModel]:
    """Each model with a name no earlier one has (its first free alias, else ``#2``...).

    A generator: a model's final name depends only on those before it, so a
    lookup can stop at the first hit without reading the later sources.
    """
    taken: set[str] = set()
    for m in models:
        candidates = [m.name, *m.aliases]
        name = next((c for c in candidates if c not in taken), None)
        if name is None:
            n = 2
            while f"{candidates[-1]}#{n}" in taken:
                n += 1
            name = f"{candidates[-1]}#{n}"
        taken.add(name)
        yield m if name == m.name else m.model_copy(update={"name": name})


def _everything() -> Iterator[LocalModel]:
    yield from pulled_models()
    yield from discover.iter_found()


def all_models() -> list[LocalModel]:
    """Every local model, pulled first, each with a name of its own."""
    return list(_unique(_everything()))


def find(name: str) -> LocalModel | None:
    """The model called ``name``; an Ollama name without a tag means ``:latest``.

    An exact name stops the scan at its source; the ``:latest`` and
    any-case fallbacks look at everything.
    """
    seen = []
    for m in _unique(_everything()):
        if m.name == name:
            return m
        seen.append(m)
    if ":" not in name:
        hit = next((m for m in seen if m.name == f"{name}:latest"), None)
        if hit is not None:
            return hit
    low = name.lower()
    return next((m for m in seen if m.name.lower() == low), None)


_RESOLVED: dict[str, Path] = {}  # this process's hits: the backend asks several times per turn


def resolve(name: str) -> Path:
    """The GGUF file llama.cpp should open for ``-m NAME``, or a ConfigError saying why not.

    A hit is remembered while its file exists (the backend resolves the same
    name for loading, counting and the state cache); a miss is never
    remembered, so a model pulled meanwhile is found by a long chat.
    """
    hit = _RESOLVED.get(name)
    if hit is not None and hit.is_file():
        return hit
    model = find(name)
    if model is None:
        raise ConfigError(f"unknown local model {name!r}", hint=NOT_FOUND_HINT)
    if not model.usable or model.path is None:
        raise ConfigError(
            f"the local model {model.name} ({SOURCE_LABEL[model.source]}) cannot be used: {model.reason}",
            hint=NOT_FOUND_HINT,
        )
    _RESOLVED[name] = Path(model.path)
    return _RESOLVED[name]
