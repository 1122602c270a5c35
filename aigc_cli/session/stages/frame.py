"""Stage ``frame``: the messages, as a chat or as a base model's text to continue.

Whether a request is a completion is ``session/choose.as_completion``'s rule;
this stage only builds what that rule decided.
"""

from __future__ import annotations

from collections.abc import Sequence

from aigc_cli.messages import Message
from aigc_cli.session.choose import as_completion
from aigc_cli.session.stages.draft import Draft


def build_messages(system: str | None, history: Sequence[Message], user: str) -> list[Message]:
    """System prompt (if any), earlier turns, then the new user message."""
    out: list[Message] = []
    if system:
        out.append(Message(role="system", content=system))
    out.extend(history)
    out.append(Message(role="user", content=user))
    return out


def apply(d: Draft) -> None:
    """The chat messages, or, for a model prompted as a completion (``Backend.prompt_style``),
    the request's continuation text on its own with its stops and length, opened by the
    memories' preface (a base model has no system prompt to carry them)."""
    req, cont = d.req, d.req.completion  # None when -s replaced the recipe's system prompt
    if cont is None or not as_completion(
        d.backend, d.options.model, has_completion=True, system_given=False, continuing=bool(d.history), kb=bool(req.kb)
    ):
        d.messages = build_messages(d.system, d.history, req.prompt)
        return
    update: dict[str, object] = {
        "completion": True,
        "stop": [*cont.stop, *(d.options.stop or [])],
        "max_tokens": d.options.max_tokens or cont.max_tokens,
    }
    if cont.temperature is not None:
        update["temperature"] = cont.temperature
    d.messages = [Message(role="user", content=f"{d.preface}\n\n{cont.text}" if d.preface else cont.text)]
    d.options = d.options.model_copy(update=update)
