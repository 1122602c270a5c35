"""One turn: conversation + prompt -> messages -> backend -> answer -> store.

The session is the only place that drives a backend's stream. It hands each
piece of text to a sink (the renderer) as it arrives and folds it into an
``Answer``, so that an answer cut off by Ctrl-C or a lost connection is still
whole up to the point where it stopped, and is stored as such.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel

from aigc_cli.messages import Answer, Chunk, GenOptions, Message

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings
    from aigc_cli.store.db import Conversation, Store

TextSink = Callable[[str], None]


class TurnRequest(BaseModel):
    """Everything one turn needs, as the CLI (or the chat loop) parsed it."""

    prompt: str                    # the composed user message (inputs.compose(...))
    system: str | None = None
    recipe: str | None = None      # recipe name, recorded in the store
    backend: str | None = None     # the -b flag
    model_path: str | None = None  # --model-path (implies local)
    options: GenOptions            # model=None: the conversation's model, else the default
    continue_last: bool = False    # -c/--continue
    cid: str | None = None         # --cid ID (a unique prefix is enough)
    log: bool = True               # False with --no-log (config `log = false` also disables)
    truncate: bool = False         # --truncate: drop what does not fit instead of failing
    stream: bool = True            # False with --no-stream


class TurnResult(BaseModel):
    """What a turn produced: the answer, where it was stored, and notices for stderr."""

    answer: Answer
    conversation_id: str | None
    notices: list[str]
    cost: float | None = None      # USD from the model table; None when prices are unknown


def build_messages(system: str | None, history: Sequence[Message], user: str) -> list[Message]:
    """System prompt (if any), earlier turns, then the new user message."""
    out: list[Message] = []
    if system:
        out.append(Message(role="system", content=system))
    out.extend(history)
    out.append(Message(role="user", content=user))
    return out


def generate(
    backend: "Backend",
    messages: Sequence[Message],
    options: GenOptions,
    sink: TextSink | None = None,
    stream: bool = True,
) -> Answer:
    """Run one request; on interruption the partial answer rides on the exception.

    A ``KeyboardInterrupt`` or backend error raised mid-stream gets the partial
    ``Answer`` attached as ``exc.partial_answer`` (marked interrupted), so the
    caller can store and show what arrived before re-raising.
    """
    answer = Answer(backend=backend.name, model=options.model or backend.default_model)
    try:
        if stream or not hasattr(backend, "complete"):
            for chunk in backend.stream(messages, options):
                answer.add(chunk)
                if chunk.text and sink is not None:
                    sink(chunk.text)
        else:
            chunk: Chunk = backend.complete(messages, options)  # type: ignore[attr-defined]
            answer.add(chunk)
            if chunk.text and sink is not None:
                sink(chunk.text)
    except BaseException as exc:
        answer.interrupted = True
        exc.partial_answer = answer  # type: ignore[attr-defined]
        raise
    return answer


# ------------------------------------------------------------------ choosing


def choose_model(
    settings: "Settings", backend: "Backend", flag: str | None, conv: "Conversation | None" = None
) -> str:
    """flag > the conversation's model (same backend) > configured model > backend default."""
    if flag:
        return flag
    if conv is not None and conv.model and conv.backend == backend.name:
        return conv.model
    if settings.model and settings.backend in (None, backend.name):
        return settings.model
    return backend.default_model


def pick_backend(
    settings: "Settings", flag: str | None, model_path: str | None, conv: "Conversation | None" = None
) -> "Backend":
    """-b / --model-path > the conversation's backend > the configured default."""
    from aigc_cli.backends import choose_backend_name, get_backend

    if model_path:
        settings.local.model_path = model_path
        flag = flag or "local"
    if not flag and conv is not None and conv.backend:
        flag = conv.backend
    return get_backend(choose_backend_name(settings, flag), settings)


def _conversation(req: TurnRequest, store: "Store | None") -> "Conversation | None":
    """The conversation to continue (-c / --cid), or None for a new one."""
    from aigc_cli.errors import UsageError

    if not (req.continue_last or req.cid):
        return None
    if store is None:
        raise UsageError("there is no conversation to continue yet")
    if req.cid:
        return store.resolve(req.cid)
    conv = store.last()
    if conv is None:
        raise UsageError("there is no conversation to continue yet")
    return conv


def _history(store: "Store | None", conv: "Conversation | None") -> list[Message]:
    from aigc_cli.store.db import context_messages

    if store is None or conv is None:
        return []
    return [Message(role=r, content=c) for r, c in context_messages(store.messages(conv.id))]  # type: ignore[arg-type]


# ------------------------------------------------------------------ hooks


def _fit(
    messages: list[Message], backend: "Backend", options: GenOptions, settings: "Settings",
    req: TurnRequest, store: "Store | None" = None, conv: "Conversation | None" = None,
) -> tuple[list[Message], list[str], float]:
    """CONTEXT FITTING CALL SITE: make ``messages`` fit the model's window.

    Returns the messages to send, one-line notices (what was cut, left out
    or condensed) and what summarizing cost (USD; part of this turn's cost). With ``context.strategy = "summarize"`` the conversation's
    running summary is read from the store and, when it changed, written back
    (only when this turn is logged).
    """
    from aigc_cli import context

    summary = None
    if settings.context.strategy == "summarize" and store is not None and conv is not None:
        saved = store.summary(conv.id)
        summary = context.Summary(*saved) if saved else None
    fitted = context.fit_request(messages, backend, options, settings, summary=summary, truncate=req.truncate)
    if fitted.summary_changed and fitted.summary and conv is not None and store is not None and req.log and settings.log:
        store.set_summary(conv.id, fitted.summary.text, fitted.summary.covered, options.model)
    return fitted.messages, fitted.notices, fitted.summary_cost or 0.0


def _account(answer: Answer | None, backend: "Backend", messages: Sequence[Message]) -> None:
    """Usage from the API when it reported it, else counted with the backend's tokenizer."""
    if answer is not None and answer.usage is None:
        from aigc_cli import context

        answer.usage = context.counted_usage(backend, messages, answer.text, answer.model)


def _cost(answer: Answer, settings: "Settings", extra: float = 0.0) -> float | None:
    """COST CALL SITE: USD for this answer from the model price table (None: unknown),
    plus ``extra`` (the summarizing requests this turn needed)."""
    from aigc_cli import modeltable

    if answer.usage is None:
        return None
    if answer.backend == "local":
        return 0.0
    cost = modeltable.cost(answer.model, answer.usage, settings)
    return None if cost is None else cost + extra


# ------------------------------------------------------------------ the turn


def _status_of(exc: BaseException, partial: Answer | None) -> str:
    """Ctrl-C or a stream cut mid-answer -> interrupted; a failure before any text -> error."""
    if isinstance(exc, KeyboardInterrupt) or (partial is not None and partial.text):
        return "interrupted"
    return "error"


def run_turn(req: TurnRequest, settings: "Settings", sink: TextSink | None = None) -> TurnResult:
    """Resolve the conversation, choose backend and model, send, stream and store one turn.

    The question is stored before the request goes out and the answer when it
    completes; an answer cut off by Ctrl-C or a broken connection is stored
    with what arrived, marked interrupted, and the exception is re-raised.
    """
    from aigc_cli.store.db import Store

    log = req.log and settings.log
    needs_store = log or req.continue_last or bool(req.cid)
    store = Store.open(create=log) if needs_store else None
    try:
        conv = _conversation(req, store)
        backend = pick_backend(settings, req.backend, req.model_path, conv)
        model = choose_model(settings, backend, req.options.model, conv)
        options = req.options.model_copy(update={"model": model})
        system = req.system if req.system is not None else (conv.system if conv else None)
        messages = build_messages(system, _history(store, conv), req.prompt)
        messages, notices, extra = _fit(messages, backend, options, settings, req, store, conv)
        cid = conv.id if conv else None
        if not log or store is None:
            answer = generate(backend, messages, options, sink, stream=req.stream)
            _account(answer, backend, messages)
            return TurnResult(answer=answer, conversation_id=cid, notices=notices, cost=_cost(answer, settings, extra))
        cid, user_id = store.begin_turn(
            cid, req.prompt, backend=backend.name, model=model, recipe=req.recipe,
            system=req.system if conv else system,
        )
        try:
            answer = generate(backend, messages, options, sink, stream=req.stream)
        except BaseException as exc:
            partial: Answer | None = getattr(exc, "partial_answer", None)
            # store first, count nothing: a closing terminal may SIGKILL us
            # a moment after SIGHUP, and loading a tokenizer takes ~0.2 s.
            # The text is what must not be lost; usage stays as the API
            # reported it (usually none for a cut-off answer).
            _store_answer(store, cid, user_id, partial, _status_of(exc, partial), settings, model, extra)
            exc.conversation_id = cid  # type: ignore[attr-defined]  # the chat keeps its thread
            raise
        _account(answer, backend, messages)
        _store_answer(store, cid, user_id, answer, "complete", settings, model, extra)
        return TurnResult(answer=answer, conversation_id=cid, notices=notices, cost=_cost(answer, settings, extra))
    finally:
        if store is not None:
            store.close()


def _store_answer(
    store: "Store", cid: str, user_id: int, answer: Answer | None, status: str,
    settings: "Settings", model: str, extra: float = 0.0,
) -> None:
    usage = answer.usage if answer is not None else None
    store.finish_turn(
        cid,
        user_id,
        answer.text if answer is not None else "",
        status=status,
        model=answer.model if answer is not None else model,
        prompt_tokens=usage.prompt_tokens if usage else None,
        completion_tokens=usage.completion_tokens if usage else None,
        cost=_cost(answer, settings, extra) if answer is not None and usage else None,
    )
