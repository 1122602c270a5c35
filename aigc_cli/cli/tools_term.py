"""The terminal side of tools: the approval question, ``yes`` for a destructive command, the call lines.

The core never prints or reads keys; it gets these as callbacks
(``session.toolloop.ToolHooks``). Questions go to the terminal itself
(``/dev/tty``, so they work when stdin is piped and stdout redirected);
with no terminal there is no approver and every ``ask`` is refused. Each
finished call is one line on stderr (dim on a terminal), so in a pipe only
the answer reaches stdout.
"""

from __future__ import annotations

import json
import os
import sys
from typing import IO, TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from aigc_cli.session.toolloop import ToolHooks
    from aigc_cli.tools.base import CallView, ToolEvent

MAX_SHOWN_LINES = 20


def _style(code: str, text: str, stream: IO[str]) -> str:
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return f"\x1b[{code}m{text}\x1b[0m" if tty and not os.environ.get("NO_COLOR") else text


def _open_tty() -> tuple[IO[str], IO[str]] | None:
    """(reader, writer) on the controlling terminal, or None when there is none."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    reader = os.fdopen(fd, "r", encoding="utf-8", errors="replace", closefd=False)
    writer = os.fdopen(os.dup(fd), "w", encoding="utf-8")
    return reader, writer


def has_terminal() -> bool:
    pair = _open_tty()
    if pair is None:
        return False
    for f in pair:
        f.close()
    return True


def _ask_line(prompt: str) -> str | None:
    """One line typed on the terminal (None: no terminal, or Ctrl-D)."""
    from aigc_cli.render import paused

    pair = _open_tty()
    if pair is None:
        return None
    reader, writer = pair
    try:
        with paused():
            writer.write(prompt)
            writer.flush()
            line = reader.readline()
        return line.strip() if line else None
    finally:
        writer.close()
        os.close(reader.fileno())


def _shown(call: "CallView") -> str:
    """The call as the user sees it: tool and arguments, one screen at most."""
    args = json.dumps(call.arguments, ensure_ascii=False, indent=2)
    lines = args.splitlines()
    if len(lines) > MAX_SHOWN_LINES:
        lines = [*lines[:MAX_SHOWN_LINES], f"... ({len(lines) - MAX_SHOWN_LINES} more lines)"]
    where = "" if call.source == "built-in" else f" (from {call.source})"
    kind = "changes things" if call.side_effects else "reads"
    body = "\n".join("    " + ln for ln in lines)
    from aigc_cli.termsafe import visible

    # what is shown is what runs: bidi overrides, zero-width and C1 characters made visible
    return visible(
        f"\n  The model wants to call {call.tool}{where}, which {kind}:\n{body}\n  ({call.reason})\n", strict=True
    )


def approve(call: "CallView") -> Literal["y", "n", "a"]:
    """``y`` run it, ``n`` do not, ``a`` allow this tool for the rest of the session."""
    answer = _ask_line(_shown(call) + "  Run it? [y]es, [n]o, [a]lways this session: ")
    answer = (answer or "n").lower()
    return answer[0] if answer and answer[0] in "yna" else "n"  # type: ignore[return-value]


def confirm(what: str) -> bool:
    """``yes`` typed in full, as `aigc cmd` asks for a destructive command."""
    return _ask_line(f"  This command is destructive ({what}). Type yes to run it: ") == "yes"


def show_event(event: "ToolEvent") -> None:
    """``⚙ fetch https://…  1.2 s, 3.4 KB`` on stderr (dim on a terminal)."""
    from aigc_cli.render import paused

    size = f"{event.size / 1024:.1f} KB" if event.size >= 1024 else f"{event.size} B"
    tail = f"{event.decision}: {event.error}" if event.error else size
    line = f"⚙ {event.name} {event.summary}  {event.duration:.1f} s, {tail}"
    from aigc_cli.termsafe import visible

    line = visible(" ".join(line.split("\n"))[:300])  # the model's arguments, a server's error: never raw
    with paused():
        print(_style("2", line, sys.stderr), file=sys.stderr, flush=True)


def terminal_hooks() -> "ToolHooks":
    """The hooks for this process: questions only when there is a terminal to ask on."""
    from aigc_cli.session.toolloop import ToolHooks

    if has_terminal():
        return ToolHooks(approver=approve, confirm=confirm, on_event=show_event)
    return ToolHooks(on_event=show_event)
