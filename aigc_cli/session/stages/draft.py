"""The request while the turn's stages shape it (``session/stages``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aigc_cli.messages import GenOptions, Message
from aigc_cli.session.request import TurnRequest

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings
    from aigc_cli.memory.store import Memory
    from aigc_cli.store.db import Conversation, Store


@dataclass
class Draft:
    """One turn's request while the stages shape it, and what goes into the store with it.

    The first fields are fixed before any stage runs (``run_turn`` chose the
    backend, the model and the conversation); a stage may replace
    ``system``, ``messages`` and ``options`` and append to ``notices``.
    """

    req: TurnRequest
    settings: "Settings"
    backend: "Backend"
    model: str
    store: "Store | None"
    conv: "Conversation | None"
    system: str | None
    history: list[Message]
    options: GenOptions
    messages: list[Message] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    preface: str | None = None  # the memories as text, for a base model's continuation
    used_memories: list["Memory"] = field(default_factory=list)  # recorded with the question
    sources: list[dict[str, Any]] | None = None  # the knowledge base's, for the answer's citations
    attached: Any = None  # attachments.stage.Attached: stored with the question
    tools: Any = None  # session.toolloop.ToolTurn: the tool rounds after the first answer
    extra_cost: float = 0.0  # what fitting spent (summarizing older turns), USD


Stage = Callable[[Draft], None]
