"""What the command modules share: showing a turn as it streams, JSON output."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aigc_cli.config import Settings
    from aigc_cli.session.request import TurnRequest, TurnResult

Sink = Callable[[str], None]


def show_turn(
    call: Callable[["Settings", Sink | None], "TurnResult"], *, as_json: bool = False, speak: bool = False
) -> "TurnResult":
    """Run one core call with a renderer as its sink and show the result.

    The answer streams to the terminal or pipe (or, with ``--json``, is
    printed as one object with ``cost`` and ``conversation_id``, and
    ``sources`` with ``--kb``); notices go to stderr. What stopped an answer early is re-raised after what arrived
    is shown, so it gets its exit code.
    """
    from aigc_cli.config import load_settings
    from aigc_cli.render import make_renderer

    settings = load_settings()
    renderer = None if as_json else make_renderer()
    sink = renderer.write if renderer else None
    speaker = _speaker(settings) if speak else None
    if speaker is not None:
        from aigc_cli.speech.stream import tee

        sink = tee(sink, speaker.feed)
    try:
        result = call(settings, sink)
    except BaseException:
        if speaker is not None:
            speaker.stop()
        raise
    finally:
        if renderer is not None:
            renderer.finish()
    if speaker is not None:
        if result.error is not None:
            speaker.stop()
        else:
            _finish_speaking(speaker)
    for notice in result.notices:
        print(f"aigc: {notice}", file=sys.stderr)
    result.raise_error()
    if as_json:
        extra = {"sources": result.sources} if result.sources is not None else {}
        if result.tool_calls is not None:
            extra["tool_calls"] = result.tool_calls
        print_json({**result.answer.to_json(), "cost": result.cost, "conversation_id": result.conversation_id, **extra})
    elif result.sources:
        show_sources(result.sources)
    return result


def _speaker(settings: "Settings") -> Any:
    """`--speak`: the answer read aloud sentence by sentence as it streams (speech/stream.py)."""
    from aigc_cli.speech.stream import Speaker

    return Speaker(settings)


def _finish_speaking(speaker: Any) -> None:
    """Wait until the answer has been said; Ctrl-C stops the voice at once."""
    try:
        speaker.close()
    except KeyboardInterrupt:
        speaker.stop()
        raise


def show_sources(sources: list[dict]) -> None:
    """After a knowledge-base answer: under it on a terminal, on stderr in a pipe
    (so stdout stays the answer alone)."""
    from aigc_cli.kb.answer import Source, source_lines
    from aigc_cli.render import stdout_is_terminal

    out = sys.stdout if stdout_is_terminal() else sys.stderr
    out.write("\n".join(["Sources:", *source_lines([Source(**s) for s in sources])]) + "\n")
    out.flush()


def run_and_show(req: "TurnRequest", *, as_json: bool = False) -> "TurnResult":
    """``show_turn`` for a request that is already built."""
    from aigc_cli.session.turn import run_turn

    return show_turn(lambda settings, sink: run_turn(req, settings, sink), as_json=as_json)


def print_json(data: object) -> None:
    """``--json`` output: strict JSON, so a NaN or infinite number (an infinite price,
    say) becomes null instead of the ``NaN`` most JSON parsers reject."""
    sys.stdout.write(json.dumps(finite(data), ensure_ascii=False, indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


def finite(data: object) -> object:
    """``data`` with every NaN or infinite float replaced by None (dicts and lists walked)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite(v) for v in data]
    return data
