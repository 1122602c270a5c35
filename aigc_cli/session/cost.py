"""What an answer cost: the one rule (the backend's price for the model, else unknown)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.messages import Answer


def answer_cost(answer: "Answer", backend: "Backend", extra: float = 0.0) -> float | None:
    """USD for ``answer`` plus ``extra`` (e.g. summarizing requests); None when unknown."""
    if answer.usage is None:
        return None
    price = backend.price(answer.model)
    if price is None:
        return None
    return price.cost(answer.usage.prompt_tokens, answer.usage.completion_tokens) + extra
