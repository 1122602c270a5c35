"""Which backend and model a turn uses: the one rule, for every caller.

Backend: ``-b`` / ``--model-path`` (implies local) > the conversation's own >
the configured default (see ``backends.choose_backend_name``). Model: the
flag > the conversation's model (same backend) > ``model`` from config/env
(when it was meant for this backend) > the backend's default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings
    from aigc_cli.store.db import Conversation


def with_model_path(settings: "Settings", model_path: str | None) -> "Settings":
    """``settings`` with ``--model-path`` applied, as a copy: the caller's stay as loaded."""
    if not model_path:
        return settings
    copy = settings.model_copy(deep=True)
    copy.sources = dict(settings.sources)
    copy.local.model_path = model_path
    copy.sources["local.model_path"] = "the --model-path flag"
    return copy


def backend_flag(flag: str | None, model_path: str | None) -> str | None:
    """``--model-path`` means the local backend unless ``-b`` says otherwise."""
    return flag or ("local" if model_path else None)


def pick_backend(
    settings: "Settings", flag: str | None, model_path: str | None, conv: "Conversation | None" = None
) -> "Backend":
    """-b / --model-path > the conversation's backend > the configured default."""
    from aigc_cli.backends import choose_backend_name, get_backend

    settings = with_model_path(settings, model_path)
    flag = backend_flag(flag, model_path)
    if not flag and conv is not None and conv.backend:
        flag = conv.backend
    return get_backend(choose_backend_name(settings, flag), settings)


def as_completion(
    backend: "Backend", model: str | None, *, has_completion: bool, system_given: bool, continuing: bool, kb: bool
) -> bool:
    """Whether a request is framed as a text to continue (a base model), the one rule for
    every task (the turn, plan, summarize): only when the recipe has a completion text, no
    ``-s`` replaced its system prompt, no conversation is continued (its history is a
    chat), no ``--kb`` block is added, and the backend prompts ``model`` as a completion.
    The cheap conditions come first: ``prompt_style`` may load the model."""
    if not has_completion or system_given or continuing or kb:
        return False
    return backend.prompt_style(model) == "completion"


def continued(continue_last: bool, cid: str | None) -> "Conversation | None":
    """The conversation ``-c`` / ``--cid`` continues, for a task that picks its backend before
    ``run_turn`` does (summarize's map, plan's schema): the same rule then sees the same
    conversation, so every request of the task goes to the conversation's backend and model."""
    if not (continue_last or cid):
        return None
    from aigc_cli.errors import UsageError
    from aigc_cli.store.db import Store

    store = Store.open(create=False)
    if store is None:
        raise UsageError("there is no conversation to continue yet")
    with store:
        conv = store.resolve(cid) if cid else store.last()
    if conv is None:
        raise UsageError("there is no conversation to continue yet")
    return conv


def choose_model(settings: "Settings", backend: "Backend", flag: str | None, conv: "Conversation | None" = None) -> str:
    """flag > the conversation's model (same backend) > configured model > backend default."""
    if flag:
        return flag
    if conv is not None and conv.model and conv.backend == backend.name:
        return conv.model
    if settings.model and settings.backend in (None, backend.name):
        return settings.model
    return backend.default_model
