"""The Backend contract: everything the core asks of a backend, with defaults.

A backend turns messages into a stream of chunks and knows how to count
tokens and how big its models' windows are; those four are required. Every
other capability the core uses is declared here with a default, so the core
never probes a backend (no ``hasattr``) and never compares backend names:
a backend that can do better overrides the method. See
docs/ARCHITECTURE.md, "The Backend contract".

Third-party backends (entry-point group ``aigc_cli.backends``, see
``aigc_cli/backends/__init__.py``) may subclass ``Backend``; an older plugin
that only implements the six protocol members is wrapped in
``PluginBackend`` by the registry, which supplies the defaults. The factory
is called with the ``Settings``; failures are raised as ``aigc_cli.errors``
classes so they get their exit codes; a missing library raises ImportError,
which the registry turns into an install hint.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal, Protocol

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


class Segment(BaseModel):
    """A stretch of a transcript, with its start and end in seconds."""

    start: float
    end: float
    text: str


class Transcript(BaseModel):
    """What ``Backend.transcribe`` returns: the text, and segments when asked for timestamps."""

    text: str
    language: str | None = None
    duration: float | None = None
    segments: list[Segment] | None = None


class Price(BaseModel):
    """USD per million tokens."""

    input: float
    output: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1_000_000


FREE = Price(input=0.0, output=0.0)


class GeneratedImage(BaseModel):
    """One picture from an images API: its PNG bytes (or a URL to fetch them), and the
    prompt the service actually drew when it rewrote ours."""

    data: bytes | None = None
    url: str | None = None
    revised_prompt: str | None = None


class RemoteBatch(BaseModel):
    """A provider-side batch's state, as `aigc batch` polls it."""

    id: str
    state: str
    final: bool
    total: int = 0
    completed: int = 0
    failed: int = 0
    output_file: str | None = None
    error_file: str | None = None


class BatchAPI(Protocol):
    """A provider's batch service: requests as JSONL in, result files out."""

    def submit(self, jsonl: bytes, name: str) -> str: ...
    def status(self, batch_id: str) -> RemoteBatch: ...
    def download(self, file_id: str) -> str: ...
    def cancel(self, batch_id: str) -> None: ...


class Backend:
    """What a backend must do (the first five members) and may do better (the rest)."""

    name: str = "backend"
    #: requests this backend serves at once (map-reduce summarize); 1 for in-process models
    max_parallel: int = 4
    #: JSON schemas may carry length bounds (grammar decoders need them; OpenAI's strict mode refuses them)
    bounded_json_schema: bool = True

    # ------------------------------------------------------------ required

    @property
    def default_model(self) -> str:
        raise NotImplementedError

    def stream(self, messages: Sequence[Message], options: GenOptions) -> Iterator[Chunk]:
        """Yield the answer as it is generated; the last chunk carries usage if known."""
        raise NotImplementedError

    def count_tokens(self, messages: Sequence[Message], model: str | None = None) -> int:
        """Tokens these messages take in a request, by the model's own tokenizer."""
        raise NotImplementedError

    def context_window(self, model: str | None = None) -> int:
        """The model's window in tokens (prompt + answer)."""
        raise NotImplementedError

    # ------------------------------------------------------ with defaults

    def list_models(self) -> list[ModelInfo]:
        """Models this backend can serve right now."""
        return [ModelInfo(name=self.default_model, backend=self.name)]

    def complete(self, messages: Sequence[Message], options: GenOptions) -> Chunk:
        """One whole answer (``--no-stream``); by default the stream, gathered."""
        text, last = [], Chunk()
        for chunk in self.stream(messages, options):
            text.append(chunk.text)
            last = chunk
        return Chunk(text="".join(text), finish_reason=last.finish_reason, usage=last.usage, model=last.model)

    def count_text(self, text: str, model: str | None = None) -> int:
        """Tokens in plain text (no chat framing): by default the framed count minus the frame."""
        empty = self.count_tokens([Message(role="user", content="")], model)
        return max(1, self.count_tokens([Message(role="user", content=text)], model) - empty) if text else 0

    def token_upper_bound(self, messages: Sequence[Message]) -> int | None:
        """A cheap bound on ``count_tokens`` (no tokenizer load), or None if there is none."""
        return None

    def price(self, model: str | None = None) -> Price | None:
        """What ``model`` costs, or None when unknown (then no cost is shown)."""
        return None

    def diagnostics(self, live: bool) -> list[tuple[str, str]]:
        """(label, value) rows `aigc doctor` prints; ``live`` may load or contact things."""
        return []

    def live_check(self) -> str:
        """Something cheap that proves the backend works; returns what it found."""
        n = self.count_tokens([Message(role="user", content="hello")])
        return f"counted 'hello' as {n} tokens (window {self.context_window()} tokens)"

    def prompt_style(self, model: str | None = None) -> Literal["chat", "completion"]:
        """How ``model`` is best prompted: ``chat`` (instructions in chat messages) or
        ``completion`` (a base model with no chat template: it is given a text to
        continue, and requests then carry ``GenOptions.completion``)."""
        return "chat"

    # ------------------------------------------- capabilities (next features)

    def supports_tools(self, model: str) -> bool:
        """Whether ``model`` can be offered tools (function calling) in a request."""
        return False

    def supports_vision(self, model: str) -> bool:
        """Whether ``model`` accepts images in its messages."""
        return False

    def supports_json_schema(self, model: str | None = None) -> bool:
        """Whether ``GenOptions.json_schema`` constrains the answer (else it is only asked for)."""
        return False

    def is_free(self, model: str | None = None) -> bool:
        """Whether requests to ``model`` cost nothing (an unknown price is not free)."""
        price = self.price(model)
        return price is not None and price.input == 0 and price.output == 0

    def tokenizer_label(self, model: str | None = None) -> str:
        """How ``count_text`` counts for ``model`` (`aigc tokens` names it)."""
        return "the backend's own count"

    def window_is_known(self, model: str | None = None) -> bool:
        """False when ``context_window`` is only a fallback guess for ``model``."""
        return True

    def embed(self, texts: Sequence[str], model: str | None = None) -> list[list[float]]:
        """Embedding vectors for ``texts`` (knowledge bases); most backends have none."""
        from aigc_cli.errors import ConfigError

        raise ConfigError(f"the {self.name} backend has no embeddings", hint="use -b openai or -b local")

    def transcribe(
        self, audio: bytes, filename: str, model: str, language: str | None = None, timestamps: bool = False
    ) -> Transcript:
        """Speech to text (audio attachments, `aigc transcribe`); most backends have none."""
        from aigc_cli.errors import UsageError

        raise UsageError(
            f"the {self.name} backend cannot transcribe audio; nothing was sent",
            hint="use -b openai (OpenAI, or a compatible server with /v1/audio/transcriptions)",
        )

    def batch_api(self) -> "BatchAPI":
        """The provider's asynchronous batch service (`aigc batch --api batch`), if it has one."""
        from aigc_cli.errors import ConfigError

        raise ConfigError(f"the {self.name} backend has no batch API", hint="run it live: --api live")

    # ---------------------------------------------- speech and pictures (issue #24)

    #: audio formats ``speech`` returns itself; others are encoded from its WAV
    speech_formats: tuple[str, ...] = ()
    #: the longest text one ``speech`` request takes (longer text is split at sentence ends)
    speech_max_chars: int = 4096

    def speech(self, text: str, *, voice: str | None, fmt: str, speed: float, model: str | None) -> bytes:
        """``text`` read aloud, as audio bytes in ``fmt`` (one of ``speech_formats``)."""
        from aigc_cli.errors import ConfigError

        raise ConfigError(f"the {self.name} backend cannot speak", hint="use -b local (espeak-ng) or -b openai")

    def images(
        self,
        prompt: str,
        *,
        model: str | None,
        size: str | None,
        n: int,
        quality: str | None,
        edit: bytes | None = None,
        mask: bytes | None = None,
    ) -> list["GeneratedImage"]:
        """``n`` pictures for ``prompt`` (or ``edit`` changed as it says, where ``mask`` is clear)."""
        from aigc_cli.errors import ConfigError

        raise ConfigError(f"the {self.name} backend cannot draw", hint="use -b openai (or a compatible images API)")

    def image_price(self, model: str, size: str | None, quality: str | None) -> float | None:
        """USD per picture of ``model`` at ``size`` and ``quality``, or None when unknown."""
        return None

    #: the model `aigc image` uses when none is given
    default_image_model: str | None = None

    def image_sizes(self, model: str) -> list[str] | None:
        """The sizes ``model`` draws (WxH), or None when unknown (then the server decides)."""
        return None


class PluginBackend(Backend):
    """An older third-party backend (the six protocol members only), given the defaults."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name

    @property
    def default_model(self) -> str:
        return self.inner.default_model

    def stream(self, messages: Sequence[Message], options: GenOptions) -> Iterator[Chunk]:
        return self.inner.stream(messages, options)

    def count_tokens(self, messages: Sequence[Message], model: str | None = None) -> int:
        return self.inner.count_tokens(messages, model)

    def context_window(self, model: str | None = None) -> int:
        return self.inner.context_window(model)

    def list_models(self) -> list[ModelInfo]:
        own = getattr(self.inner, "list_models", None)  # optional in the old protocol
        return own() if own is not None else super().list_models()
