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

from aigc_cli.messages import Answer, GenOptions, Message, Usage

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings
    from aigc_cli.recipes import Recipe
    from aigc_cli.store.db import Conversation

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
    memory: list[Message] = field(default_factory=list)

    @property
    def backend(self) -> "Backend":
        from aigc_cli.backends import get_backend

        return get_backend(self.backend_name, self.settings)

    def model_name(self) -> str:
        """The model turns are sent to: chosen, configured, or the backend's default."""
        if self.model:
            return self.model
        cfg = self.settings
        if cfg.model and cfg.backend in (None, self.backend_name):
            return cfg.model
        return self.backend.default_model

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


def send(state: ChatState, prompt: str, sink: TextSink | None) -> tuple[Answer, list[str]]:
    """Run one turn of this chat and remember it (store or memory).

    Returns the answer and notices (e.g. what was left out to fit the window).
    On Ctrl-C the partial answer has been stored already (marked interrupted)
    and the ``KeyboardInterrupt`` carries it as ``partial_answer``.
    """
    if _uses_store(state):
        return _send_stored(state, prompt, sink)
    return _send_in_memory(state, prompt, sink)


def _send_stored(state: ChatState, prompt: str, sink: TextSink | None) -> tuple[Answer, list[str]]:
    from aigc_cli import session

    req = session.TurnRequest(
        prompt=prompt,
        system=state.system,
        recipe=state.recipe,
        backend=state.backend_name,
        model_path=state.model_path,
        options=state.options(),
        cid=state.cid,
        log=True,
        stream=True,
    )
    try:
        result = session.run_turn(req, state.settings, sink)
    except BaseException as exc:
        cid = getattr(exc, "conversation_id", None)
        if cid:
            state.cid = cid
        raise
    state.cid = result.conversation_id or state.cid
    return result.answer, list(result.notices)


def _send_in_memory(state: ChatState, prompt: str, sink: TextSink | None) -> tuple[Answer, list[str]]:
    """--no-log: the transcript lives in this process only, fitted like a stored one."""
    from aigc_cli import context, session

    backend, options = state.backend, state.options()
    messages = session.build_messages(state.system, state.memory, prompt)
    fitted = context.fit_request(messages, backend, options, state.settings)
    try:
        answer = session.generate(backend, fitted.messages, options, sink)
    except BaseException as exc:  # Ctrl-C or a stream cut mid-answer: keep what arrived
        partial = getattr(exc, "partial_answer", None)
        if partial is not None and partial.text:
            state.memory += [Message(role="user", content=prompt), Message(role="assistant", content=partial.text)]
        raise
    if answer.usage is None:
        answer.usage = context.counted_usage(backend, fitted.messages, answer.text, answer.model)
    state.memory += [Message(role="user", content=prompt), Message(role="assistant", content=answer.text)]
    return answer, list(fitted.notices)


def after_turn(state: ChatState, answer: Answer) -> None:
    """Book the spend and the context now in use (for the toolbar and /tokens)."""
    state.spend.add(answer.usage, answer_cost(state, answer))
    if answer.usage is not None and answer.usage.total_tokens:
        state.context_used = answer.usage.total_tokens
    else:
        state.context_used = count_context(state)


def answer_cost(state: ChatState, answer: Answer) -> float | None:
    """USD for one answer from the model table; a local model costs nothing."""
    if answer.usage is None:
        return None
    if answer.backend == "local":
        return 0.0
    from aigc_cli import modeltable

    return modeltable.cost(answer.model, answer.usage, state.settings)


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
