"""One turn: conversation + prompt -> messages -> backend -> answer -> store.

This is the only place that drives a backend for a user-visible turn: every
task (ask, write, run, summarize's final merge, plan with its repair) and
every chat turn goes through ``run_turn``. It hands each piece of text to a
sink (the renderer) as it arrives and folds it into an ``Answer``, so that an
answer cut off by Ctrl-C or a lost connection is still whole up to the point
where it stopped, and is stored as such (docs/ARCHITECTURE.md, "Session").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aigc_cli.messages import Answer, GenOptions, Message, Usage
from aigc_cli.session.choose import as_completion, choose_model, pick_backend
from aigc_cli.session import toolloop
from aigc_cli.session.cost import answer_cost
from aigc_cli.session.request import Status, TurnRequest, TurnResult

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import LimitsSettings, Settings
    from aigc_cli.store.db import Conversation, Store

TextSink = Callable[[str], None]


@dataclass
class Repair:
    """One repair round trip for answers that must parse (``plan``).

    ``check`` returns why an answer is unusable (None if it is fine); the
    model then sees its answer and ``prompt`` (with ``{error}``) once. The
    turn stores the answer that was finally used.
    """

    check: Callable[[str], Exception | None]
    prompt: str
    failure: str = "the model did not produce a usable answer, even after one repair attempt"


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
    limits: "LimitsSettings | None" = None,
) -> tuple[Answer, BaseException | None]:
    """Run one request: the answer, and what stopped it early (None if nothing did).

    Ctrl-C, SIGTERM/SIGHUP, a dropped stream or a backend error mid-answer
    leave the answer holding what arrived, marked interrupted; the caller stores it and then
    decides whether to re-raise. ``limits`` bound the answer's size and the
    time without new text (``session/guard.py``; defaults when not given).
    """
    from aigc_cli.config import LimitsSettings
    from aigc_cli.session.guard import guarded

    lim = limits or LimitsSettings()
    answer = Answer(backend=backend.name, model=options.model or backend.default_model)
    try:
        # --no-stream: one chunk, so only the size bound applies
        chunks = iter(backend.stream(messages, options) if stream else [backend.complete(messages, options)])
        for chunk in guarded(chunks, lim.answer_bytes, lim.token_timeout):
            answer.add(chunk)
            if chunk.text and sink is not None:
                sink(chunk.text)
    except BaseException as exc:  # noqa: BLE001 - Ctrl-C and SystemExit (SIGHUP) too: what arrived is kept
        answer.interrupted = True
        return answer, exc
    return answer, None


def framed(
    req: TurnRequest, backend: "Backend", options: GenOptions, system: str | None, history: Sequence[Message],
    preface: str | None = None,
) -> tuple[list[Message], GenOptions]:
    """The messages and options to send: the chat messages, or, for a model that is
    prompted as a completion (``Backend.prompt_style``), the request's continuation
    text on its own, with its stops and length. ``preface`` (the memories, as text)
    opens the continuation: a base model has no system prompt to carry them."""
    cont = req.completion  # None when -s replaced the recipe's system prompt (session/tasks.py)
    if cont is None or not as_completion(backend, options.model, has_completion=True, system_given=False,
                                         continuing=bool(history), kb=bool(req.kb)):
        return build_messages(system, history, req.prompt), options
    update = {
        "completion": True,
        "stop": [*cont.stop, *(options.stop or [])],
        "max_tokens": options.max_tokens or cont.max_tokens,
    }
    if cont.temperature is not None:
        update["temperature"] = cont.temperature
    text = f"{preface}\n\n{cont.text}" if preface else cont.text
    return [Message(role="user", content=text)], options.model_copy(update=update)


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
    if store is None or conv is None:
        return []
    from aigc_cli.store.toolcalls import context_with_tools  # a turn's tool rounds are re-sent too

    return context_with_tools(store, store.messages(conv.id))


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


def _knowledge(
    messages: list[Message], req: TurnRequest, settings: "Settings"
) -> tuple[list[Message], list[dict] | None, list[str]]:
    """KNOWLEDGE BASE CALL SITE (--kb, issue #13): the base's passages go into the last user message,
    after any recipe was rendered (so never through a template); the stored question stays the user's."""
    if not req.kb:
        return messages, None, []
    from aigc_cli.kb import answer

    return answer.for_turn(messages, req.kb_query or req.prompt, req.kb, settings)


def _knowledge_stops(req: TurnRequest, backend: "Backend", options: GenOptions) -> GenOptions:
    """A base model echoes the knowledge-base block's markers after its answer: it stops at them."""
    if not req.kb or backend.prompt_style(options.model) != "completion":
        return options
    from aigc_cli.kb.answer import stop_markers

    return options.model_copy(update={"stop": [*(options.stop or []), *stop_markers()]})


def _account(answer: Answer | None, backend: "Backend", messages: Sequence[Message]) -> None:
    """Usage from the API when it reported it, else counted with the backend's tokenizer."""
    if answer is not None and answer.usage is None:
        from aigc_cli import context

        answer.usage = context.counted_usage(backend, messages, answer.text, answer.model)


def _status_of(exc: BaseException, partial: Answer) -> Status:
    """Ctrl-C, SIGTERM/SIGHUP (a SystemExit, errors.Terminated) or a stream cut mid-answer
    -> interrupted; a failure before any text -> error."""
    if isinstance(exc, KeyboardInterrupt | SystemExit) or (partial.interrupted and partial.text):
        return "interrupted"
    return "error"


def run_turn(
    req: TurnRequest, settings: "Settings", sink: TextSink | None = None, repair: Repair | None = None
) -> TurnResult:
    """Resolve the conversation, choose backend and model, send, stream and store one turn.

    The question is stored before the request goes out and the answer when it
    completes; an answer cut off by Ctrl-C or a broken connection is stored
    with what arrived, marked interrupted, and returned with ``error`` set.
    Errors before anything is sent (bad input, configuration) are raised.
    """
    from aigc_cli.store.db import Store

    log = req.log and settings.log and req.history is None
    needs_store = log or req.continue_last or bool(req.cid)
    store = Store.open(create=log) if needs_store else None
    tools = None
    try:
        conv = _conversation(req, store)
        backend = pick_backend(settings, req.backend, req.model_path, conv)
        model = choose_model(settings, backend, req.options.model, conv)
        options = req.options.model_copy(update={"model": model})
        system = req.system if req.system is not None else (conv.system if conv else None)
        history = req.history if req.history is not None else _history(store, conv)
        from aigc_cli.memory.block import as_preface, system_with_memories  # MEMORY CALL SITE

        injected = system_with_memories(system, settings, store, enabled=req.memory, model=model)
        messages, options = framed(req, backend, options, injected.system, history, as_preface(injected.used))
        messages, sources, kb_notices = _knowledge(messages, req, settings)
        options = _knowledge_stops(req, backend, options)
        from aigc_cli.attachments.stage import for_turn  # ATTACHMENTS CALL SITE (issue #22)

        messages, attached = for_turn(messages, req.attached, backend, model, settings, store, conv)
        tools = toolloop.prepare(req, settings, backend, model)  # TOOLS CALL SITE (issue #21)
        if tools is not None:
            options = options.model_copy(update={"tools": tools.toolset.specs()})
        messages, notices, extra = _fit(messages, backend, options, settings, req, store, conv)
        notices = ([injected.notice] if injected.notice else []) + kb_notices + attached.notices + notices
        cid, user_id = (conv.id if conv else None), None
        if log and store is not None:
            cid, user_id = store.begin_turn(
                cid, req.prompt, backend=backend.name, model=model, recipe=req.recipe,
                system=req.system if conv else system, title=req.title,
            )
            attached.store(store, user_id)
            if injected.used:
                from aigc_cli.memory.store import record_use

                record_use(store, user_id, injected.used)
        answer, error = generate(backend, messages, options, sink, stream=req.stream, limits=settings.limits)
        if tools is not None and error is None:
            answer, error, messages = toolloop.run_rounds(tools, answer, messages, options, backend, lambda m, o: generate(
                backend, m, o, sink, stream=req.stream, limits=settings.limits))
            notices += tools.notices
        if error is None and repair is not None:
            answer, error, messages = _repaired(answer, messages, repair, backend, options, settings)
        status: Status = "complete" if error is None else _status_of(error, answer)
        if error is None:
            _account(answer, backend, messages)
        # else: store first, count nothing: a closing terminal may SIGKILL us a
        # moment after SIGHUP, and loading a tokenizer takes ~0.2 s
        cost = answer_cost(answer, backend, extra)
        answer_id = None
        if user_id is not None and cid is not None and store is not None:
            answer_id = _store_answer(store, cid, user_id, answer, status, cost)
        calls = toolloop.finish(tools, store, answer_id)
        from aigc_cli.notices import take_after_answer

        return TurnResult(answer=answer, conversation_id=cid, notices=notices + take_after_answer(), cost=cost,
                          status=status, error=error, sources=sources, tool_calls=calls)
    finally:
        toolloop.close(tools)
        if store is not None:
            store.close()


def _repaired(
    answer: Answer, messages: list[Message], repair: Repair, backend: "Backend",
    options: GenOptions, settings: "Settings",
) -> tuple[Answer, BaseException | None, list[Message]]:
    """The answer itself if it passes ``repair.check``, else one fitted repair request's.

    The second answer's usage includes the first request's, so the stored
    turn accounts for both.
    """
    from aigc_cli import context
    from aigc_cli.errors import UnusableAnswer

    problem = repair.check(answer.text)
    if problem is None:
        return answer, None, messages
    _account(answer, backend, messages)
    asked = [*messages, Message(role="assistant", content=answer.text),
             Message(role="user", content=repair.prompt.format(error=problem))]  # fmt: skip
    fitted = context.fit_request(asked, backend, options, settings).messages
    second, error = generate(backend, fitted, options, None, stream=True, limits=settings.limits)
    if error is not None:
        return second, error, fitted
    _account(second, backend, fitted)
    if answer.usage is not None and second.usage is not None:
        second.usage = Usage(
            prompt_tokens=answer.usage.prompt_tokens + second.usage.prompt_tokens,
            completion_tokens=answer.usage.completion_tokens + second.usage.completion_tokens,
        )
    still = repair.check(second.text)
    if still is not None:
        return second, UnusableAnswer(f"{repair.failure}: {still}", hint="try again, raise --max-tokens, or use a stronger model (-m)"), fitted
    return second, None, fitted


def _store_answer(store: "Store", cid: str, user_id: int, answer: Answer, status: Status, cost: float | None) -> int:
    usage = answer.usage
    return store.finish_turn(
        cid,
        user_id,
        answer.text,
        status=status,
        model=answer.model,
        prompt_tokens=usage.prompt_tokens if usage else None,
        completion_tokens=usage.completion_tokens if usage else None,
        cost=cost if usage else None,
    )
