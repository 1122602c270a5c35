"""The Backend protocol: the one interface the rest of aigc talks to.

A backend turns messages into a stream of chunks and knows how to count
tokens and how big its models' windows are. Everything else (recipes,
history, context fitting, rendering) is backend-agnostic.

The same contract binds third-party backends (entry-point group
``aigc_cli.backends``, see ``aigc_cli/backends/__init__.py``): the factory is
called with the ``Settings``; failures are raised as ``aigc_cli.errors``
classes so they get their exit codes (anything else is exit 1); a missing
library raises ImportError, which the registry turns into an install hint.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from pydantic import BaseModel

from aigc_cli.messages import Chunk, GenOptions, Message


class ModelInfo(BaseModel):
    """What `models list` shows about one model a backend offers."""

    name: str
    backend: str
    context_window: int | None = None
    max_output: int | None = None
    input_price: float | None = None
    output_price: float | None = None


@runtime_checkable
class Backend(Protocol):
    """What a backend must do. Third-party backends implement this too."""

    name: str

    @property
    def default_model(self) -> str: ...

    def stream(self, messages: Sequence[Message], options: GenOptions) -> Iterator[Chunk]:
        """Yield the answer as it is generated; the last chunk carries usage if known."""
        ...

    def count_tokens(self, messages: Sequence[Message], model: str | None = None) -> int:
        """Tokens these messages take in a request, by the model's own tokenizer."""
        ...

    def context_window(self, model: str | None = None) -> int:
        """The model's window in tokens (prompt + answer)."""
        ...

    def list_models(self) -> list[ModelInfo]:
        """Models this backend can serve right now."""
        ...
