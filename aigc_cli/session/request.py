"""What a turn is asked to do and what it produced (docs/ARCHITECTURE.md, "Session").

These cross the boundary between the CLI (or the chat loop) and the core, so
they are pydantic models. A failure *during* generation (Ctrl-C, a dropped
stream, a backend error) is not raised out of ``run_turn``: the turn stores
what arrived and returns it with ``status`` and ``error`` set, so callers
get the partial answer and the conversation id as plain values and decide
whether to re-raise (``TurnResult.raise_error``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aigc_cli.attachments.model import Loaded
from aigc_cli.messages import Answer, GenOptions, Message

Status = Literal["complete", "interrupted", "error"]


class Continuation(BaseModel):
    """The same request framed as a text to continue, for base models.

    ``run_turn`` sends it instead of the chat messages when the chosen backend's
    ``prompt_style(model)`` is ``completion`` and the turn starts a new
    conversation (history is a chat, so a continued one stays a chat). The
    stored question is still ``prompt``.
    """

    text: str
    stop: list[str] = Field(default_factory=list)
    max_tokens: int | None = None  # used when the request sets none
    temperature: float | None = None  # used unless -t was given


class TurnRequest(BaseModel):
    """Everything one turn needs, as the CLI (or the chat loop) parsed it."""

    prompt: str  # the composed user message (inputs.compose(...))
    system: str | None = None
    recipe: str | None = None  # recipe name, recorded in the store
    backend: str | None = None  # the -b flag
    model_path: str | None = None  # --model-path (implies local)
    options: GenOptions  # model=None: the conversation's model, else the default
    continue_last: bool = False  # -c/--continue
    cid: str | None = None  # --cid ID (a unique prefix is enough)
    log: bool = True  # False with --no-log (config `log = false` also disables)
    truncate: bool = False  # --truncate: drop what does not fit instead of failing
    stream: bool = True  # False with --no-stream
    memory: bool = True  # False with --no-memory (the "About the user" block)
    # a --no-log chat keeps its turns in the process: they are the history instead of the store's
    history: list[Message] | None = None
    kb: str | None = None  # --kb NAME: answer from this knowledge base, citing it
    kb_query: str | None = None  # what to retrieve for (default: the prompt)
    title: str | None = None  # a new conversation's title source: what the user typed (default: the prompt)
    completion: Continuation | None = None  # recipes' `completion` framing (base models)
    attached: Loaded | None = Field(default=None, exclude=True)  # -a/--attach, loaded (aigc_cli/attachments)
    tools: list[str] | None = None  # -T NAME...: tools the model may call (None: tools.default)
    no_tools: bool = False  # --no-tools
    outside_input: bool = False  # piped stdin or --file text: the turn starts tainted (tools/policy.py)
    toolset: Any = Field(default=None, exclude=True)  # a chat's open tools.registry.Toolset
    tool_hooks: Any = Field(default=None, exclude=True)  # session.toolloop.ToolHooks from the CLI


class TurnResult(BaseModel):
    """What a turn produced: the answer (maybe partial), where it was stored, notices."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    answer: Answer
    conversation_id: str | None
    notices: list[str] = Field(default_factory=list)
    cost: float | None = None  # USD; None when prices are unknown
    status: Status = "complete"
    sources: list[dict[str, Any]] | None = None  # with --kb: the passages sent, as cited ([] = none matched)
    tool_calls: list[dict[str, Any]] | None = None  # with tools: every call made (tools.base.ToolRecord)
    error: Any = Field(default=None, exclude=True)  # the BaseException that stopped the answer

    def raise_error(self) -> None:
        """Re-raise what stopped the answer (after the caller showed what arrived)."""
        if self.error is not None:
            raise self.error
