"""Fitting one turn's request for a backend: the part of context fitting that
talks to a backend (its window, its counter, summarizing requests); the rules
themselves are in ``fit.py`` and ``summary.py``, which are pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aigc_cli.context.fit import Fitted, Summary, fit_messages
from aigc_cli.context.summary import Ask, make_summarizer
from aigc_cli.messages import GenOptions, Message

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend, Price
    from aigc_cli.config import LimitsSettings, Settings
    from aigc_cli.messages import Usage


def reserve_for(max_tokens: int | None, max_output: int | None, configured: int) -> int:
    """Room kept for the answer: --max-tokens, else the configured reserve (model-capped)."""
    if max_tokens is not None:
        return max_tokens
    return min(configured, max_output) if max_output else configured


def fit_request(
    messages: Sequence[Message],
    backend: "Backend",
    options: GenOptions,
    settings: "Settings",
    *,
    summary: Summary | None = None,
    truncate: bool = False,
) -> Fitted:
    """Fit a turn's messages for ``backend`` with the configured strategy."""
    model = options.model or backend.default_model
    window, reserve = window_and_reserve(backend, options, settings)

    quick = _surely_fits(messages, backend, window - reserve, summary)
    if quick is not None:
        return Fitted(list(messages), quick, window - reserve, window)

    def count(msgs: Sequence[Message]) -> int:
        return backend.count_tokens(msgs, model)

    strategy = settings.context.strategy
    summarizer = None
    spent: list[Usage] = []
    if strategy == "summarize":
        summarizer = make_summarizer(backend_ask(backend, options, settings.limits, spent), window, count)
    fitted = fit_messages(
        messages,
        window=window,
        reserve=reserve,
        count=count,
        model=model,
        strategy=strategy,
        summary=summary,
        summarizer=summarizer,
        truncate=truncate,
    )
    if spent:
        _book_summary(fitted, spent, backend.price(model))
    return fitted


def window_and_reserve(backend: "Backend", options: GenOptions, settings: "Settings") -> tuple[int, int]:
    """The model's window, and what of it is not the messages': the answer's room
    (``reserve_for``) and the tools' specs."""
    from aigc_cli import modeltable

    model = options.model or backend.default_model
    entry = modeltable.lookup(model, settings)
    reserve = reserve_for(options.max_tokens, entry.max_output if entry else None, settings.context.reserve_output)
    return backend.context_window(model), reserve + tool_specs_tokens(backend, options, model)


def tool_specs_tokens(backend: "Backend", options: GenOptions, model: str) -> int:
    """What the tools' specs take of the window: they travel with every request of
    a tool turn (dozens of MCP tools can be thousands of tokens), beside the messages."""
    if not options.tools:
        return 0
    import json

    return backend.count_text(json.dumps(options.tools, ensure_ascii=False), model)


def _surely_fits(messages: Sequence[Message], backend: "Backend", budget: int, summary: Summary | None) -> int | None:
    """The backend's cheap upper bound on the prompt, when it already fits the budget.

    Most requests are far below the window; counting them exactly would load
    a tokenizer for nothing. A stored summary always goes through the full
    path, which decides what it replaces.
    """
    if summary is not None:
        return None
    bound = backend.token_upper_bound(messages)
    return bound if bound is not None and bound <= budget else None


def _book_summary(fitted: Fitted, spent: "list[Usage]", price: "Price | None") -> None:
    """Say on the notice line what the summarizing requests used and cost."""
    from aigc_cli.messages import Usage

    used = Usage(
        prompt_tokens=sum(u.prompt_tokens for u in spent),
        completion_tokens=sum(u.completion_tokens for u in spent),
    )
    cost = price.cost(used.prompt_tokens, used.completion_tokens) if price is not None else None
    fitted.summary_usage, fitted.summary_cost = used, cost
    money = f", ${cost:.4f}" if cost else ""
    if fitted.notices:
        fitted.notices[0] += f" (summarizing: {len(spent)} requests, {used.total_tokens:,} tokens{money})"


def counted_usage(backend: "Backend", messages: Sequence[Message], text: str, model: str | None) -> "Usage | None":
    """Usage counted with the backend's tokenizer, for APIs that report none.

    None if counting fails: the answer is already shown and must still be stored.
    """
    from aigc_cli.messages import Usage

    def count(msgs: Sequence[Message]) -> int:
        return backend.count_tokens(msgs, model)

    try:
        prompt = count(messages)
        answer = count([*messages, Message(role="assistant", content=text)]) - prompt if text else 0
    except Exception:  # noqa: BLE001 - best effort, never lose the turn over a count
        return None
    return Usage(prompt_tokens=prompt, completion_tokens=max(answer, 0))


def backend_ask(
    backend: "Backend", options: GenOptions, limits: "LimitsSettings", spent: "list[Usage] | None" = None
) -> Ask:
    """Plain-text generation on the turn's backend and model, for summaries, within
    the same bounds as an answer (``limits``: size, time without new text).

    Each request's usage (as reported, else counted) is appended to ``spent``,
    so the turn can say what summarizing cost.
    """
    from aigc_cli.backends.guard import guarded

    def ask(messages: list[Message], max_tokens: int) -> str:
        opts = options.model_copy(update={"max_tokens": max_tokens, "json_schema": None})
        parts, usage = [], None
        for chunk in guarded(iter(backend.stream(messages, opts)), limits.answer_bytes, limits.token_timeout):
            parts.append(chunk.text)
            usage = chunk.usage or usage
        text = "".join(parts)
        if spent is not None:
            usage = usage or counted_usage(backend, messages, text, opts.model)
            if usage is not None:
                spent.append(usage)
        return text

    return ask
