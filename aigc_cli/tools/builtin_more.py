"""The built-in tools that reach into aigc's own material or change things:
``kb`` (read-only), ``remember`` and ``shell`` (side effects, default ``ask``).

``shell`` judges the command with `aigc cmd`'s classifier: a destructive one
runs only after ``yes`` typed in full on the terminal (``ToolContext.confirm``);
with no terminal it is refused, whatever the tool's policy.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import time
from typing import Any

from aigc_cli.tools.base import Tool, ToolContext, ToolError

SHELL_OUTPUT_BYTES = 200_000


def _kb(args: dict[str, Any], ctx: ToolContext) -> str:
    from aigc_cli.kb import index
    from aigc_cli.kb.answer import context_block, retrieve

    bases = index.names()
    base = str(args.get("base") or (bases[0] if len(bases) == 1 else ""))
    if not base:
        raise ToolError("name the knowledge base: " + (", ".join(bases) if bases else "there are none (aigc kb add)"))
    if base not in bases:
        raise ToolError(f"no knowledge base {base!r}; there are: {', '.join(bases) or 'none'}")
    return context_block(base, retrieve(str(args["query"]), base, settings=ctx.settings))


def _remember(args: dict[str, Any], ctx: ToolContext) -> str:
    from aigc_cli.memory.store import add
    from aigc_cli.store.db import Store

    text = str(args["text"]).strip()
    if not text:
        raise ToolError("nothing to remember")
    with Store.open() as store:  # type: ignore[union-attr]
        added = add(store, [text], source="tool")
    return f"remembered (#{added[0].id})" if added else "already remembered"


def _shell(args: dict[str, Any], ctx: ToolContext) -> str:
    from aigc_cli.shellcmd import shells
    from aigc_cli.tools.shelljudge import verdict

    command = str(args["command"]).strip()
    if not command:
        raise ToolError("empty command")
    shell = shells.detect()
    v = verdict(command, shell.name, ctx.cwd)
    if v.destructive:
        if ctx.confirm is None:
            raise ToolError(
                "refused: the command is destructive ("
                + "; ".join(v.destructive)
                + ") and there is no terminal to confirm it"
            )
        if not ctx.confirm("; ".join(v.destructive)):
            raise ToolError("the user did not type yes for this destructive command; it was not run")
    elif v.unattended and ctx.confirm is None:
        raise ToolError(
            "refused: with no one at a terminal only read-only commands run (" + "; ".join(v.unattended) + ")"
        )
    return _run(command, shell.argv(command), ctx)


# commands still running: the process may exit (Ctrl-C) before the tool's thread ends them
_RUNNING: set[subprocess.Popen[bytes]] = set()


def _run(command: str, argv: list[str], ctx: ToolContext) -> str:
    """Run with output captured, in its own process group so a stop ends all of it.

    Its own session means the terminal's Ctrl-C does not reach it, so a stop must:
    a stop that came before the start means it never starts, and one the thread
    cannot act on (the process exiting first) is acted on at exit."""
    if ctx.cancel.is_set():
        raise ToolError("stopped before it started")
    proc = subprocess.Popen(argv, cwd=ctx.cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    _RUNNING.add(proc)
    deadline = time.monotonic() + ctx.timeout
    try:
        while proc.poll() is None:
            if ctx.cancel.is_set() or time.monotonic() > deadline:
                raise ToolError("stopped" if ctx.cancel.is_set() else f"timed out after {ctx.timeout:g} s")
            time.sleep(0.02)
    except BaseException:
        _kill(proc)
        raise
    finally:
        _RUNNING.discard(proc)
    out = (proc.stdout.read() if proc.stdout else b"")[:SHELL_OUTPUT_BYTES].decode("utf-8", "replace")
    return f"$ {command}\n{out}\n[exit status {proc.returncode}]"


@atexit.register
def _kill_running() -> None:
    for proc in list(_RUNNING):
        _kill(proc)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=2)
    except (OSError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass


def _obj(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def more_tools() -> list[Tool]:
    return [
        Tool(
            "kb",
            "Search the user's knowledge bases (aigc kb); passages with their sources.",
            _obj(
                {
                    "query": {"type": "string"},
                    "base": {"type": "string", "description": "which base (optional if only one)"},
                },
                ["query"],
            ),
            _kb,
            outside=True,
        ),
        Tool(
            "remember",
            "Remember a fact about the user for later conversations.",
            _obj({"text": {"type": "string"}}, ["text"]),
            _remember,
            side_effects=True,
        ),
        Tool(
            "shell",
            "Run a shell command in the current directory and return its output and exit status.",
            _obj({"command": {"type": "string"}}, ["command"]),
            _shell,
            side_effects=True,
            outside=True,
        ),
    ]
