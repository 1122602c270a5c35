"""What a chat session knows between turns, and how a turn reaches the backend.

The chat keeps no transcript of its own when logging is on: every turn goes
through ``session.run_turn`` with the chat's conversation id, so the store is
the single source of truth and ``/retry``, ``/undo``, ``/load`` and ``-c``
all read the same rows. With ``--no-log`` the turns live in this process
only, behind the same small interface.

No UI imports here: the REPL, the slash commands and tests share this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aigc_cli.messages import GenOptions, Message, Usage

if TYPE_CHECKING:
    from aigc_cli.attachments.model import Loaded
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings
    from aigc_cli.recipes import Recipe
    from aigc_cli.session.request import TurnResult
    from aigc_cli.store.db import Conversation
    from aigc_cli.store.rows import StoredMessage

TextSink = Callable[[str], None]


@dataclass
class Spend:
    """Tokens and money spent in this chat session (for /tokens)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    priced: bool = False

    def add(self, usage: Usage | None, cost: float | None) -> None:
        if usage is None:
            return
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        if cost is not None:
            self.priced = True
            self.cost += cost


@dataclass
class ChatState:
    """The chat's current setup: who answers, with which model and system prompt."""

    settings: "Settings"
    backend_name: str
    model: str | None = None
    system: str | None = None
    recipe: str | None = None
    recipe_obj: "Recipe | None" = None  # its prompt template wraps each message
    recipe_values: dict[str, Any] = field(default_factory=dict)
    model_path: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    log: bool = True
    cid: str | None = None
    pending_context: str | None = None
    failed_prompt: str | None = None
    failed_partial: bool = False  # the failed turn kept a partial answer in the transcript
    context_used: int = 0
    spend: Spend = field(default_factory=Spend)
    kb: str | None = None  # --kb / /kb NAME: each message is answered from this knowledge base
    memory: list[Message] = field(default_factory=list)  # the --no-log transcript
    use_memories: bool = True  # False with --no-memory: no "About the user" block
    speak: bool = False  # --speak / /speak: answers read aloud as they stream (issue #24)
    attached: "Loaded | None" = None  # -a / /attach: goes with the next message (issue #22)
    tools: Any = None  # chat.tools.ChatTools: -T / /tool NAME (issue #21)

    @property
    def backend(self) -> "Backend":
        from aigc_cli.backends import get_backend
        from aigc_cli.session.choose import with_model_path

        return get_backend(self.backend_name, with_model_path(self.settings, self.model_path))

    def model_name(self) -> str:
        """The model turns are sent to: chosen, configured, or the backend's default."""
        from aigc_cli.session.choose import choose_model

        return choose_model(self.settings, self.backend, self.model)

    def options(self) -> GenOptions:
        return GenOptions(model=self.model_name(), temperature=self.temperature, max_tokens=self.max_tokens)

    def context_window(self) -> int | None:
        try:
            return self.backend.context_window(self.model_name())
        except Exception:  # noqa: BLE001 - the toolbar must never break the chat
            return None


def compose_prompt(state: ChatState, text: str) -> str:
    """The message as sent: through the recipe's prompt template when one is in use."""
    if state.recipe_obj is None:
        return text
    from aigc_cli import recipes

    return recipes.render(state.recipe_obj, state.recipe_values, user_input=text).prompt


def _uses_store(state: ChatState) -> bool:
    """Logged chats live in the store; --no-log chats only in this process."""
    return state.log


def send(state: ChatState, prompt: str, sink: TextSink | None) -> "TurnResult":
    """Run one turn of this chat through the core and remember it (store or memory).

    A turn stopped by Ctrl-C or a backend error comes back with ``error`` set
    and the partial answer already stored (or kept in memory with --no-log).
    """
    from aigc_cli.session.request import TurnRequest
    from aigc_cli.session.turn import run_turn

    stored = _uses_store(state)
    loaded = state.attached
    prompt = loaded.wrap(prompt) if loaded is not None else prompt
    req = TurnRequest(
        prompt=prompt,
        # the chat's system prompt is the one in force ("" = none): None would let the
        # stored conversation's (e.g. a recipe's after `/recipe -`) come back
        system=state.system if state.system is not None else "",
        recipe=state.recipe,
        backend=state.backend_name,
        model_path=state.model_path,
        options=state.options(),
        cid=state.cid if stored else None,
        log=stored,
        history=None if stored else list(state.memory),
        kb=state.kb,
        memory=state.use_memories,
    )
    if state.tools is not None:  # TOOLS (issue #21): the chat's own toolset, kept across turns
        req.toolset, req.tool_hooks = state.tools.for_turn(state.settings), state.tools.hooks
        req.no_tools = req.toolset is None
        req.outside_input = state.tools.take_outside()
    from aigc_cli.session.attach import attach_to

    attach_to(req, loaded)
    result = run_turn(req, state.settings, sink)
    state.attached = None  # sent (a refusal before sending raised above and keeps them)
    if result.sources:  # shown under the answer like the other notices
        from aigc_cli.kb.answer import Source, source_lines

        result.notices += ["Sources:", *source_lines([Source(**s) for s in result.sources])]
    if stored:
        state.cid = result.conversation_id or state.cid
    elif result.answer.text or result.error is None:
        state.memory += [
            Message(role="user", content=prompt, images=_sent_images(state, loaded)),
            Message(role="assistant", content=result.answer.text),
        ]
    return result


def _sent_images(state: ChatState, loaded: "Loaded | None") -> list:
    """A --no-log chat keeps the pictures it sent in its transcript (the model saw them)."""
    if loaded is None or not state.backend.supports_vision(state.model_name()):
        return []
    from aigc_cli.attachments.stage import part_of

    return [part_of(p) for p in loaded.pictures()]


def after_turn(state: ChatState, result: "TurnResult") -> None:
    """Book the spend and the context now in use (for the toolbar and /tokens)."""
    answer = result.answer
    state.spend.add(answer.usage, result.cost)
    if answer.usage is not None and answer.usage.total_tokens:
        state.context_used = answer.usage.total_tokens
    else:
        state.context_used = count_context(state)


def count_context(state: ChatState) -> int:
    """Tokens the conversation so far takes, counted by the backend's tokenizer."""
    msgs = transcript(state)
    if state.system:
        msgs = [Message(role="system", content=state.system), *msgs]
    if not msgs:
        return 0
    try:
        return state.backend.count_tokens(msgs, state.model_name())
    except Exception:  # noqa: BLE001 - counting is best effort
        return 0


# ------------------------------------------------------------ conversation ops


def transcript(state: ChatState) -> list[Message]:
    """The turns of the current conversation, oldest first."""
    if _uses_store(state):
        if state.cid is None:
            return []
        return stored_context(state.cid)
    return list(state.memory)


def stored_context(cid: str) -> list[Message]:
    """A stored conversation's turns as they are sent as context (failed ones left out)."""
    from aigc_cli.store import db as store

    with store.Store.open() as db:
        return [Message(role=r, content=c) for r, c in store.context_messages(db.messages(cid))]  # type: ignore[arg-type]


def exportable(state: ChatState) -> tuple["Conversation", list["StoredMessage"]]:
    """The conversation as store rows, for the store's exporter (an unsaved one is built)."""
    import time

    from aigc_cli.store import db as store
    from aigc_cli.store.rows import Conversation, StoredMessage

    if _uses_store(state) and state.cid is not None:
        with store.Store.open() as db:
            return db.resolve(state.cid), db.messages(state.cid)
    now = time.time()
    conv = Conversation(id=state.cid or "unsaved", title="", created=now, updated=now, backend=state.backend_name,
                        model=state.model_name(), recipe=state.recipe, system=state.system)  # fmt: skip
    rows = [
        StoredMessage(
            id=i,
            conversation_id=conv.id,
            role=m.role,
            content=m.content,
            created=now,
            status="complete",
            prompt_tokens=None,
            completion_tokens=None,
            model=None,
            cost=None,
        )  # fmt: skip
        for i, m in enumerate(state.memory, start=1)
    ]
    return conv, rows


def undo(state: ChatState) -> str | None:
    """Drop the last exchange; return its prompt, or None if there was none."""
    if _uses_store(state):
        if state.cid is None:
            return None
        from aigc_cli.store import db as store

        with store.Store.open() as db:
            return db.drop_last_exchange(state.cid)
    mem = state.memory
    for i in range(len(mem) - 1, -1, -1):
        if mem[i].role == "user":
            prompt = mem[i].content
            del mem[i:]
            return prompt
    return None


def recent_conversations(limit: int = 10) -> list["Conversation"]:
    """The newest conversations in the store, for /history."""
    from aigc_cli.store import db as store

    db = store.Store.open(create=False)
    if db is None:
        return []
    with db:
        return db.list(limit)


def find_conversation(ref: str | None, last: bool = False) -> "Conversation | None":
    """A stored conversation by id prefix (``--cid``, ``/load``) or the last one (``-c``)."""
    from aigc_cli.store import db as store

    db = store.Store.open(create=False)
    if db is None:
        return None
    with db:
        return db.last() if last else db.resolve(ref) if ref else None


def adopt(state: ChatState, conv: "Conversation") -> list[Message]:
    """Make ``conv`` the chat's conversation; return its turns to show.

    The conversation's own backend, model and system prompt carry on, so a
    resumed chat sounds the same (flags given for this run override them).
    """
    from aigc_cli.backends import available

    new_conversation(state)
    state.cid = conv.id
    if conv.backend in available():
        state.backend_name = conv.backend
    state.model = conv.model or None
    state.system = conv.system
    msgs = stored_context(conv.id)
    if not state.log:
        state.memory = list(msgs)
    state.context_used = count_context(state)
    return msgs


def new_conversation(state: ChatState) -> None:
    """Start afresh: the next turn opens a new conversation."""
    state.cid = None
    state.memory = []
    state.context_used = 0
    state.failed_prompt, state.failed_partial = None, False
