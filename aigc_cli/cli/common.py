"""Helpers the command modules share: settings + backend, and delivering an answer."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings
    from aigc_cli.messages import Answer, GenOptions, Message
    from aigc_cli.session import TurnRequest, TurnResult


def settings_and_backend(
    backend_flag: str | None, model_path: str | None = None
) -> tuple["Settings", "Backend"]:
    """Load settings, apply the backend flags, and make the chosen backend."""
    from aigc_cli.backends import choose_backend_name, get_backend
    from aigc_cli.config import load_settings

    settings = load_settings()
    if model_path:
        settings.local.model_path = model_path
        backend_flag = backend_flag or "local"
    name = choose_backend_name(settings, backend_flag)
    return settings, get_backend(name, settings)


def gen_options(
    model: str | None,
    temperature: float | None,
    max_tokens: int | None,
    settings: "Settings",
    backend: "Backend",
) -> "GenOptions":
    from aigc_cli.messages import GenOptions
    from aigc_cli.session import choose_model

    return GenOptions(
        model=choose_model(settings, backend, model), temperature=temperature, max_tokens=max_tokens
    )


def run_and_show(req: "TurnRequest", *, as_json: bool = False) -> "TurnResult":
    """Run one stored turn and show it: streamed to the terminal/pipe, or one JSON object.

    Notices (e.g. what was dropped to fit the window) go to stderr; ``--json``
    prints the answer object plus ``conversation_id``.
    """
    from aigc_cli import session
    from aigc_cli.config import load_settings
    from aigc_cli.render import make_renderer

    settings = load_settings()
    renderer = None if as_json else make_renderer()
    try:
        result = session.run_turn(req, settings, renderer.write if renderer else None)
    finally:
        if renderer is not None:
            renderer.finish()
    for notice in result.notices:
        print(f"aigc: {notice}", file=sys.stderr)
    if as_json:
        print_json({**result.answer.to_json(), "cost": result.cost, "conversation_id": result.conversation_id})
    return result


def deliver(
    backend: "Backend",
    messages: Sequence["Message"],
    options: "GenOptions",
    *,
    as_json: bool = False,
    stream: bool = True,
) -> "Answer":
    """Generate and show the answer: rendered, plain, or as one JSON object."""
    from aigc_cli import session
    from aigc_cli.render import make_renderer

    renderer = None if as_json else make_renderer()
    try:
        answer = session.generate(
            backend, messages, options, renderer.write if renderer else None, stream=stream
        )
    finally:
        if renderer is not None:
            renderer.finish()
    if as_json:
        print_json(answer.to_json())
    return answer


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()
