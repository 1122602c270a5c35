"""What the OpenAI backend knows about its models, without the SDK.

Counting (tiktoken), windows, prices and capabilities come from the model
table (aigc_cli/modeltable.py, config overrides first), so `aigc tokens` and
`aigc models list` can ask the Backend contract for them without importing
``openai``: ``backends.describe("openai", settings)`` builds this class;
``OpenAIBackend`` (backends/openai.py) adds the HTTP client on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aigc_cli.backends.base import Backend, Price
from aigc_cli.messages import Message

if TYPE_CHECKING:
    from aigc_cli.config import Settings


class OpenAIModels(Backend):
    """The OpenAI backend's answers about models: the table, tiktoken, no network."""

    name = "openai"
    max_parallel = 32
    bounded_json_schema = False  # strict mode refuses maxLength

    def __init__(self, settings: "Settings") -> None:
        self.settings = settings
        self.cfg = settings.openai

    @property
    def default_model(self) -> str:
        return self.cfg.model

    def count_tokens(self, messages: Sequence[Message], model: str | None = None) -> int:
        from aigc_cli import tokens

        return tokens.count_messages(messages, model or self.default_model)

    def token_upper_bound(self, messages: Sequence[Message]) -> int:
        """A cheap bound on count_tokens (no tokenizer load): see tokens.upper_bound."""
        from aigc_cli import tokens

        return tokens.upper_bound(messages)

    def context_window(self, model: str | None = None) -> int:
        from aigc_cli import modeltable

        # the model table (config overrides first); unknown models get its
        # conservative fallback, so requests still fit a small server's window
        return modeltable.window(model or self.default_model, self.settings)

    def window_is_known(self, model: str | None = None) -> bool:
        from aigc_cli import modeltable

        return modeltable.lookup(model or self.default_model, self.settings) is not None

    def count_text(self, text: str, model: str | None = None) -> int:
        """tiktoken's count for the model (exact, approx or estimate: see tokens.py)."""
        from aigc_cli import tokens

        return tokens.count_text(text, model or self.default_model)

    def tokenizer_label(self, model: str | None = None) -> str:
        from aigc_cli import tokens

        return tokens.tokenizer_for(model or self.default_model).label

    def price(self, model: str | None = None) -> Price | None:
        """The model table's prices (config overrides first); None for unknown models."""
        from aigc_cli import modeltable

        entry = modeltable.lookup(model or self.default_model, self.settings)
        return Price(input=entry.input_price, output=entry.output_price) if entry else None

    def supports_tools(self, model: str) -> bool:
        """Chat completions take ``tools`` on OpenAI and on the compatible servers we target."""
        return True

    def supports_vision(self, model: str) -> bool:
        """The model table's ``vision`` flag (config ``models.NAME.vision`` overrides it)."""
        from aigc_cli import modeltable

        entry = modeltable.lookup(model or self.default_model, self.settings)
        return bool(entry and entry.vision)

    def supports_json_schema(self, model: str | None = None) -> bool:
        """``response_format: json_schema`` (strict) is sent with every schema request."""
        return True
