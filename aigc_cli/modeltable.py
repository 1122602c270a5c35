"""The model table: context window, longest answer and price of each model.

Built-in entries cover current OpenAI models and the bundled local model.
``[models.NAME]`` in config.toml overrides or adds any model, e.g. one served
by Ollama or vLLM::

    [models."llama3.2"]
    context_window = 131072
    max_output = 4096

Prices are USD per million tokens (OpenAI's list prices when this table was
written; a config entry wins when they change). A dated snapshot such as
``gpt-4o-2024-08-06`` uses its family's entry (longest matching prefix). A
backend turns a row's prices into ``backends.base.Price`` (``Backend.price``),
whose ``cost`` is the one cost formula; ``session/cost.py`` applies it to a turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aigc_cli.config import Settings

# a model nobody told us about: assume a small window, so requests still fit
FALLBACK_WINDOW = 8192


@dataclass(frozen=True)
class ModelEntry:
    """One row of the table. ``source`` says where it came from (built-in or config)."""

    name: str
    context_window: int
    max_output: int | None = None
    input_price: float = 0.0
    output_price: float = 0.0
    backend: str = "openai"
    source: str = "built-in"
    vision: bool = False  # accepts images (Backend.supports_vision)

    @property
    def free(self) -> bool:
        return self.input_price == 0 and self.output_price == 0


def _e(
    name: str, window: int, out: int, inp: float, outp: float, backend: str = "openai", vision: bool = True
) -> ModelEntry:
    return ModelEntry(name, window, out, inp, outp, backend, vision=vision)


BUILTIN: dict[str, ModelEntry] = {
    e.name: e
    for e in [
        _e("gpt-5", 400_000, 128_000, 1.25, 10.00),
        _e("gpt-5-mini", 400_000, 128_000, 0.25, 2.00),
        _e("gpt-5-nano", 400_000, 128_000, 0.05, 0.40),
        _e("gpt-4.1", 1_047_576, 32_768, 2.00, 8.00),
        _e("gpt-4.1-mini", 1_047_576, 32_768, 0.40, 1.60),
        _e("gpt-4.1-nano", 1_047_576, 32_768, 0.10, 0.40),
        _e("gpt-4o", 128_000, 16_384, 2.50, 10.00),
        _e("gpt-4o-mini", 128_000, 16_384, 0.15, 0.60),
        _e("o1", 200_000, 100_000, 15.00, 60.00),
        _e("o3", 200_000, 100_000, 2.00, 8.00),
        _e("o3-mini", 200_000, 100_000, 1.10, 4.40, vision=False),
        _e("o4-mini", 200_000, 100_000, 1.10, 4.40),
        _e("gpt-4-turbo", 128_000, 4_096, 10.00, 30.00),
        _e("gpt-4", 8_192, 8_192, 30.00, 60.00, vision=False),
        _e("gpt-3.5-turbo", 16_385, 4_096, 0.50, 1.50, vision=False),
        # the bundled local model: its trained window; the local backend uses
        # min(this, local.n_ctx), since n_ctx is what llama.cpp allocates
        _e("gemma-3-270m", 32_768, 8_192, 0.0, 0.0, backend="local", vision=False),
    ]
}


def _from_config(name: str, settings: "Settings") -> ModelEntry | None:
    """A config entry, layered over the built-in one: only the fields it sets win."""
    spec = settings.models.get(name)
    if spec is None:
        return None
    base = BUILTIN.get(name) or _family(name)
    fields: dict[str, Any] = {
        "context_window": base.context_window if base else FALLBACK_WINDOW,
        "max_output": base.max_output if base else None,
        "input_price": base.input_price if base else 0.0,
        "output_price": base.output_price if base else 0.0,
        "vision": base.vision if base else False,
    }
    for key in spec.model_fields_set:
        value = getattr(spec, key)
        if value is not None:
            fields[key] = value
    return ModelEntry(name=name, backend=base.backend if base else "openai", source="config", **fields)


def _family(name: str) -> ModelEntry | None:
    """A dated snapshot's family entry: the longest built-in name it starts with."""
    best: ModelEntry | None = None
    for key, entry in BUILTIN.items():
        if name.startswith(key + "-") and (best is None or len(key) > len(best.name)):
            best = entry
    return best


def lookup(name: str | None, settings: "Settings | None" = None) -> ModelEntry | None:
    """The entry for a model: config first, then built-in, then its family; else None."""
    if not name:
        return None
    if settings is not None:
        found = _from_config(name, settings)
        if found is not None:
            return found
    name_only = name.removeprefix("openai/")
    entry = BUILTIN.get(name_only) or _family(name_only)
    if entry is None:
        return None
    return entry if entry.name == name else ModelEntry(**{**entry.__dict__, "name": name})


def window(name: str | None, settings: "Settings | None" = None) -> int:
    """The context window of a model; a conservative fallback for unknown ones."""
    entry = lookup(name, settings)
    return entry.context_window if entry else FALLBACK_WINDOW


def entries(settings: "Settings | None" = None) -> Iterator[ModelEntry]:
    """Every known model: built-ins (as overridden) then config-only models."""
    names = list(BUILTIN)
    if settings is not None:
        names += [n for n in settings.models if n not in BUILTIN]
    for name in names:
        entry = lookup(name, settings)
        if entry is not None:
            yield entry
