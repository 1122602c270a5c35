"""The built-in tools: small, each with its JSON schema and its side effects declared.

``now``, ``calc``, ``read``, ``fetch`` and ``kb`` only read; ``remember``
and ``shell`` change things and so default to ``ask`` (tools/policy.py).
Heavy libraries (trafilatura, the kb index) load inside the call.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from aigc_cli.tools.base import Tool, ToolContext, ToolError

MAX_READ_BYTES = 2_000_000
MAX_LISTING = 500


def _now(args: dict[str, Any], ctx: ToolContext) -> str:
    from datetime import datetime

    now = datetime.now().astimezone()
    return f"{now.strftime('%A %Y-%m-%d %H:%M:%S')} {now.tzname()} (UTC{now.strftime('%z')})"


def _calc(args: dict[str, Any], ctx: ToolContext) -> str:
    from aigc_cli.tools.calc import CalcError, evaluate

    try:
        return str(evaluate(str(args["expression"])))
    except CalcError as exc:
        raise ToolError(str(exc)) from None


def _roots(ctx: ToolContext) -> list[Path]:
    return [Path(ctx.cwd).resolve(), *(Path(r).expanduser().resolve() for r in ctx.settings.tools.roots)]


def _read(args: dict[str, Any], ctx: ToolContext) -> str:
    """A file's text or a folder's listing, only under the current directory or ``tools.roots``."""
    raw = str(args.get("path") or ".")
    path = (Path(ctx.cwd) / Path(raw).expanduser()).resolve()
    if not any(path == root or root in path.parents for root in _roots(ctx)):
        raise ToolError(f"{raw} is outside the folders aigc may read (the current one and tools.roots)")
    if path.is_dir():
        entries = sorted(os.scandir(path), key=lambda e: e.name)
        lines = [e.name + ("/" if e.is_dir() else "") for e in entries[:MAX_LISTING]]
        more = [f"... and {len(entries) - MAX_LISTING} more"] if len(entries) > MAX_LISTING else []
        return "\n".join([f"{path}:", *lines, *more])
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_READ_BYTES + 1)
    except FileNotFoundError:
        raise ToolError(f"no such file: {raw}") from None
    except OSError as exc:
        raise ToolError(f"cannot read {raw}: {exc.strerror}") from None
    if b"\0" in data[:8192]:
        raise ToolError(f"{raw} is a binary file")
    text = data[:MAX_READ_BYTES].decode("utf-8", "replace")
    return text + ("\n[cut: the file is longer]" if len(data) > MAX_READ_BYTES else "")


def _fetch(args: dict[str, Any], ctx: ToolContext) -> str:
    from aigc_cli.tools.fetch import fetch

    return fetch(args, ctx)


def _obj(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def builtin_tools() -> dict[str, Tool]:
    """Every built-in tool, by name."""
    from aigc_cli.tools.builtin_more import more_tools

    tools = [
        Tool("now", "The current date, time and timezone.", _obj({}, []), _now),
        Tool(
            "calc",
            "Evaluate an arithmetic expression exactly (+ - * / // % ** and sqrt, log, sin...).",
            _obj({"expression": {"type": "string", "description": "e.g. (17.5*3)/4 or sqrt(2)"}}, ["expression"]),
            _calc,
        ),
        Tool(
            "read",
            "Read a text file, or list a folder, under the current directory.",
            _obj({"path": {"type": "string", "description": "relative to the current directory"}}, ["path"]),
            _read,
            outside=True,
        ),
        Tool(
            "fetch",
            "Fetch a web page (HTTP GET) as readable Markdown, with its final URL.",
            _obj({"url": {"type": "string", "description": "an http(s) URL"}}, ["url"]),
            _fetch,
            outside=True,
            open_world=True,  # the URL itself is sent: a path or query can carry what the model read
        ),
        *more_tools(),
    ]
    return {t.name: t for t in tools}
