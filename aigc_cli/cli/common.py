"""Helpers the command modules share: running a turn and showing it, JSON output."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aigc_cli.session import TurnRequest, TurnResult


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


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()
