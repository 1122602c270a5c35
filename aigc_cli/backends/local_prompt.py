"""The local backend's prompts: a request's messages as the tokens llama.cpp is given.

Three shapes: plain text to continue (a task the core framed for a base
model), the GGUF's own chat template, or, for a model with none, a
transcript (``transcript.py``). All three end in the same completion call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aigc_cli.backends import transcript
from aigc_cli.messages import Message

if TYPE_CHECKING:
    from llama_cpp import Llama


@dataclass
class Prompt:
    """A rendered request: its tokens and where generation must stop."""

    tokens: list[int]
    stop: list[str] = field(default_factory=list)


def render_prompt(
    llm: "Llama", messages: Sequence[Message], completion: bool = False, tools: list[dict[str, Any]] | None = None
) -> Prompt:
    """Tokens for ``messages``: plain text to continue (``completion``), the GGUF's
    chat template, or a transcript."""
    if completion:
        # the core framed the task as a document (recipes' `completion`): send it as
        # it is; its stops come with the request
        text = "\n\n".join(m.content for m in messages if m.content)
        return Prompt(llm.tokenize(text.encode(), add_bos=True, special=False))
    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        text = transcript.build_prompt(messages)
        # special=False: user text that looks like a control token stays text
        return Prompt(llm.tokenize(text.encode(), add_bos=True, special=False), list(transcript.STOP_SEQUENCES))
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    model = llm._model
    eos = model.token_get_text(llm.token_eos()) if llm.token_eos() != -1 else ""
    bos = model.token_get_text(llm.token_bos()) if llm.token_bos() != -1 else ""
    from aigc_cli.backends.local_tools import template_messages, template_tools  # tools (issue #21)

    result = Jinja2ChatFormatter(template, eos_token=eos, bos_token=bos)(
        messages=template_messages(messages), tools=template_tools(tools)
    )
    tokens = llm.tokenize(result.prompt.encode(), add_bos=not result.added_special, special=True)
    return Prompt(tokens, [s for s in (result.stop or []) if s] if isinstance(result.stop, list) else [])
