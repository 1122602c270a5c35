"""One local model as ``models list`` shows it and ``-m NAME`` resolves it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Source = Literal["pulled", "ollama", "lmstudio", "hf-cache"]

SOURCE_LABEL: dict[str, str] = {
    "pulled": "pulled by aigc",
    "ollama": "Ollama",
    "lmstudio": "LM Studio",
    "hf-cache": "Hugging Face cache",
}


class LocalModel(BaseModel):
    """A GGUF model on this machine, wherever it came from.

    ``usable`` is False, with ``reason``, when the entry is there but cannot
    be loaded (a broken manifest, a missing blob, a missing split part): it
    is still listed, so the user learns what is wrong instead of seeing the
    model silently vanish.
    """

    name: str
    source: Source
    path: str | None = None  # the file llama.cpp opens (part 1 of a split set)
    origin: str  # where it came from: a repo, a manifest, a folder
    size: int | None = None  # bytes, all parts together
    usable: bool = True
    reason: str | None = None
    # fuller names to fall back on when another model already has ``name``
    aliases: list[str] = Field(default_factory=list, exclude=True)
