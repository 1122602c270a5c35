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
from aigc_cli.session import toolloop
from aigc_cli.session.choose import choose_model, pick_backend
from aigc_cli.session.cost import answer_cost
from aigc_cli.session.request import Status, TurnRequest, TurnResult
from aigc_cli.session.stages import Draft, run_stages

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
    time without new text (``backends/guard.py``; defaults when not given).
    """
    from aigc_cli.config import LimitsSettings
    from aigc_cli.backends.guard import guarded

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
    draft: Draft | None = None
    try:
        draft = _draft(req, settings, store)
        run_stages(draft)  # memory, frame, kb, attachments, tools, fit (session/stages/)
        cid, user_id = (draft.conv.id if draft.conv else None), None
        if log and store is not None:
            cid, user_id = _store_question(store, draft)
        answer, error, messages = _answer(draft, sink, repair)
        status: Status = "complete" if error is None else _status_of(error, answer)
        if error is None:
            _account(answer, draft.backend, messages)
        # else: store first, count nothing: a closing terminal may SIGKILL us a
        # moment after SIGHUP, and loading a tokenizer takes ~0.2 s
        cost = answer_cost(answer, draft.backend, draft.extra_cost)
        answer_id = None
        if user_id is not None and cid is not None and store is not None:
            answer_id = _store_answer(store, cid, user_id, answer, status, cost)
        calls = toolloop.finish(draft.tools, store, answer_id)
        from aigc_cli.notices import take_after_answer

        return TurnResult(
            answer=answer,
            conversation_id=cid,
            notices=draft.notices + take_after_answer(),
            cost=cost,
            status=status,
            error=error,
            sources=draft.sources,
            tool_calls=calls,
        )
    finally:
        toolloop.close(draft.tools if draft is not None else None)
        if store is not None:
            store.close()


def _draft(req: TurnRequest, settings: "Settings", store: "Store | None") -> Draft:
    """The conversation, backend and model chosen (``session/choose.py``), before any stage runs."""
    conv = _conversation(req, store)
    backend = pick_backend(settings, req.backend, req.model_path, conv)
    model = choose_model(settings, backend, req.options.model, conv)
    system = req.system if req.system is not None else (conv.system if conv else None)
    history = req.history if req.history is not None else _history(store, conv)
    return Draft(
        req, settings, backend, model, store, conv, system, history, req.options.model_copy(update={"model": model})
    )


def _store_question(store: "Store", d: Draft) -> tuple[str, int]:
    """The question, committed before the request goes out, with its attachments and the memories it used."""
    cid, user_id = store.begin_turn(
        d.conv.id if d.conv else None,
        d.req.prompt,
        backend=d.backend.name,
        model=d.model,
        recipe=d.req.recipe,
        system=d.req.system,
        title=d.req.title,  # a new conversation's own system prompt; never the memories
    )
    if d.attached is not None:
        d.attached.store(store, user_id)
    if d.used_memories:
        from aigc_cli.memory.store import record_use

        record_use(store, user_id, d.used_memories)
    return cid, user_id


def _answer(
    d: Draft, sink: TextSink | None, repair: Repair | None
) -> tuple[Answer, BaseException | None, list[Message]]:
    """Generate; then the tool rounds (``-T``) and the repair round trip (``plan``), if any."""

    def send(messages: Sequence[Message], options: GenOptions) -> tuple[Answer, BaseException | None]:
        return generate(d.backend, messages, options, sink, stream=d.req.stream, limits=d.settings.limits)

    answer, error = send(d.messages, d.options)
    messages = d.messages
    if d.tools is not None and error is None:
        answer, error, messages = toolloop.run_rounds(d.tools, answer, messages, d.options, d.backend, send)
        d.notices += d.tools.notices
    if error is None and repair is not None:
        answer, error, messages = _repaired(answer, messages, repair, d.backend, d.options, d.settings)
    return answer, error, messages


def _repaired(
    answer: Answer,
    messages: list[Message],
    repair: Repair,
    backend: "Backend",
    options: GenOptions,
    settings: "Settings",
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
        return (
            second,
            UnusableAnswer(
                f"{repair.failure}: {still}", hint="try again, raise --max-tokens, or use a stronger model (-m)"
            ),
            fitted,
        )
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
