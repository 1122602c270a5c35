"""Fitting a tool turn's later requests: each round adds the model's calls and
their results, and ten rounds of results (each up to ``tools.result_tokens``)
outgrow a small window, a local model's most of all.

Before each re-send the request is measured as the first one was
(``window_and_reserve``); when it no longer fits, tool results are cut in the
middle, the largest first, until it does. Only the request is cut: the store
keeps every result whole. The conversation itself was fitted before the first
request and is not touched here, so a call is never separated from its result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aigc_cli.context.fit import cut_middle
from aigc_cli.context.request import window_and_reserve
from aigc_cli.messages import GenOptions, Message

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings

SMALLEST = 64  # a result is not cut below this many tokens: its head and tail still say what it was


def fit_tool_results(
    messages: Sequence[Message], backend: "Backend", options: GenOptions, settings: "Settings"
) -> tuple[list[Message], int]:
    """``messages`` with tool results cut to fit the window; the tokens cut (0: it fitted)."""
    model = options.model or backend.default_model
    window, reserve = window_and_reserve(backend, options, settings)
    budget = window - reserve
    out = list(messages)
    bound = backend.token_upper_bound(out)
    if bound is not None and bound <= budget:
        return out, 0
    cut_total = 0
    over = backend.count_tokens(out, model) - budget
    while over > 0:
        sizes = {i: backend.count_text(m.content, model) for i, m in enumerate(out) if m.role == "tool"}
        i = max(sizes, key=lambda k: sizes[k], default=None)
        if i is None or sizes[i] <= SMALLEST:
            break  # nothing left to cut: the backend says what does not fit
        limit = max(SMALLEST, sizes[i] - over)
        text, cut = cut_middle(out[i].content, limit, lambda t: backend.count_text(t, model))
        out[i] = out[i].model_copy(update={"content": text})
        cut_total += cut
        over = backend.count_tokens(out, model) - budget
    return out, cut_total
