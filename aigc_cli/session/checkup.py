"""What `aigc doctor` reports as in force, by the rule `ask` uses, and its live check.

The doctor used to show the backend's default model (while `ask` sent
``AIGC_MODEL``) and called a backend "ok" because it listed models (while it
refused every chat request). Both now come from here: the model by
``session/choose.py``, and a live check that sends one tiny chat request with
that model, after asking the server whether it serves the model at all.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings


def model_in_force(settings: "Settings", backend: "Backend") -> tuple[str, str]:
    """The model `ask` sends with no -m, and why (the same rule as ``choose_model``)."""
    from aigc_cli.session.choose import choose_model

    model = choose_model(settings, backend, None)
    if settings.model and model == settings.model:
        return model, f"`model` from {settings.sources.get('model', 'settings')}"
    key = f"{backend.name}.model"
    if key in settings.sources:
        return model, f"`{key}` from {settings.sources[key]}"
    return model, f"the {backend.name} backend's default"


def live_check(backend: "Backend", model: str) -> str:
    """One tiny chat request with ``model``; raises the backend's error (with its exit code).

    Where the backend lists its models, a model it does not serve is reported
    as such (exit 3) before anything is sent.
    """
    from aigc_cli.errors import AigcError, ConfigError
    from aigc_cli.messages import GenOptions, Message

    try:
        served = {m.name for m in backend.list_models()}
    except AigcError:
        served = set()  # some OpenAI-compatible servers list nothing: the request decides
    if served and model not in served:
        raise ConfigError(
            f"the {backend.name} backend does not serve the model {model!r}",
            hint="`aigc models list --remote` shows what it serves; -m NAME or `aigc models default NAME`",
        )
    start = time.perf_counter()
    answer = backend.complete(
        [Message(role="user", content="Reply with the word OK.")],
        GenOptions(model=model, max_tokens=8, temperature=0.0),
    )
    took = time.perf_counter() - start
    text = " ".join((answer.text or "").split())[:40]
    return f"{model} answered {text!r} in {took:.2f} s"
