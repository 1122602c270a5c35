"""MCP servers as tools, through the official ``mcp`` SDK (imported only here, only when used).

The SDK is async; aigc is not. One background thread runs an asyncio loop;
each server is a task there that opens its transport (stdio or streamable
HTTP) and ``ClientSession``, lists its tools, then holds the connection open
until the turn (or chat) ends. All servers start together, so three servers
cost about as long as the slowest; one that fails to start, or hangs on
initialize past ``tools.timeout``, is one notice naming it and the turn goes
on without it. stdio servers' stderr goes to ``<data dir>/mcp-logs/NAME.log``,
never to the terminal.

A call is sent to the loop and waited for in the tool's worker thread; when
the turn is stopped (Ctrl-C, SIGTERM, the call's timeout) the request's task
is cancelled. A server that dies mid-call fails that call, with its name.
"""

from __future__ import annotations

import asyncio
import re
import threading
from concurrent.futures import Future, TimeoutError as FutureTimeout
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from aigc_cli.tools.base import Tool, ToolContext, ToolError

if TYPE_CHECKING:
    from aigc_cli.config import Settings
    from aigc_cli.mcp.config import ServerSpec


class _Loop:
    """An asyncio loop on a daemon thread, for the SDK's coroutines."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="aigc-mcp")
        self.thread.start()

    def submit(self, coro: Any) -> "Future[Any]":
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


class Connection:
    """One live server: its session, its tools, and the event that closes it."""

    def __init__(self, name: str, spec: "ServerSpec", loop: _Loop) -> None:
        self.name, self.spec, self.loop = name, spec, loop
        self.session: Any = None
        self.tools: list[Any] = []
        self.ready: "Future[None]" = Future()
        self._closing: asyncio.Event | None = None
        self.task: "Future[Any] | None" = None

    async def run(self, init_timeout: float) -> None:
        """Open, initialize, list tools, then wait until closed (all in one task, as anyio wants)."""
        self._closing = asyncio.Event()
        try:
            async with AsyncExitStack() as stack:
                # asyncio.timeout, not wait_for: the SDK's anyio scopes must stay in this one task
                async with asyncio.timeout(init_timeout):
                    self.session = await self._open(stack)
                    self.tools = await _all_tools(self.session)
                self.ready.set_result(None)
                await self._closing.wait()
        except BaseException as exc:  # noqa: BLE001 - reported as the server's one line
            if not self.ready.done():
                self.ready.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                return

    async def _open(self, stack: AsyncExitStack) -> Any:
        from mcp import ClientSession

        if self.spec.command:
            import shutil

            from mcp.client.stdio import StdioServerParameters, stdio_client

            if shutil.which(self.spec.command) is None:
                raise FileNotFoundError(f"command not found: {self.spec.command}")

            params = StdioServerParameters(command=self.spec.command, args=self.spec.args, env=self.spec.env or None,
                                           cwd=self.spec.cwd)  # fmt: skip
            read, write = await stack.enter_async_context(stdio_client(params, errlog=_log_file(self.name, stack)))
        else:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            client = await stack.enter_async_context(
                httpx2.AsyncClient(headers=self.spec.headers, timeout=httpx2.Timeout(30.0, read=300.0))
            )
            read, write = await stack.enter_async_context(
                streamable_http_client(str(self.spec.url), http_client=client)
            )
        session = await stack.enter_async_context(ClientSession(read, write))
        await session.initialize()
        return session

    def close(self) -> None:
        if self._closing is not None:
            self.loop.loop.call_soon_threadsafe(self._closing.set)
        if self.task is not None:
            try:
                self.task.result(timeout=5)
            except Exception:  # noqa: BLE001 - a server that will not stop is left to die with us
                self.task.cancel()


async def _all_tools(session: Any) -> list[Any]:
    tools, cursor = [], None
    while True:
        from mcp import types

        page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor) if cursor else None)
        tools.extend(page.tools)
        cursor = getattr(page, "next_cursor", None)
        if not cursor:
            return tools


def _log_file(name: str, stack: AsyncExitStack) -> Any:
    """The server's stderr: a log file in the data dir (never the terminal)."""
    from aigc_cli import paths

    folder = paths.data_dir() / "mcp-logs"
    folder.mkdir(parents=True, exist_ok=True)
    fh = open(folder / f"{name}.log", "a", encoding="utf-8")  # noqa: SIM115 - closed with the stack
    stack.callback(fh.close)
    return fh


def start(servers: dict[str, "ServerSpec"], timeout: float) -> tuple[_Loop, list[Connection], list[str]]:
    """Start every server at once; (loop, the ones that came up, one notice per one that did not)."""
    loop = _Loop()
    conns = [Connection(name, spec, loop) for name, spec in servers.items()]
    for c in conns:
        c.task = loop.submit(c.run(timeout))
    up, notices = [], []
    for c in conns:
        try:
            c.ready.result(timeout=timeout + 2)
            up.append(c)
        except FutureTimeout:
            notices.append(f"MCP server {c.name!r} did not start within {timeout:g} s")
            c.close()
        except BaseException as exc:  # noqa: BLE001 - one line, the turn goes on
            notices.append(f"MCP server {c.name!r} could not start: {_why(exc, timeout)}")
    return loop, up, notices


def _why(exc: BaseException, timeout: float | None = None) -> str:
    """One line for what went wrong (anyio wraps failures in exception groups)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return f"it did not answer initialize within {timeout:g} s" if timeout else "it did not answer in time"
    if isinstance(exc, FileNotFoundError) and exc.filename is None:
        return str(exc)
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


def connect_all(
    servers: dict[str, "ServerSpec"],
    wanted: dict[str, set[str] | None],
    settings: "Settings",
    toolset: Any,
) -> None:
    """Start the servers and add their (wanted) tools to ``toolset``, names namespaced on a clash."""
    loop, conns, notices = start(servers, settings.tools.timeout)
    toolset.notices.extend(f"{n}; going on without its tools" for n in notices)
    toolset.closers.append(lambda: _close_all(loop, conns))
    taken = set(toolset.tools)
    counts: dict[str, int] = {}
    for c in conns:
        for t in c.tools:
            counts[t.name] = counts.get(t.name, 0) + 1
    for c in conns:
        only = wanted.get(c.name)
        for t in c.tools:
            if only is not None and t.name not in only:
                continue
            name = _model_name(t.name)
            if counts[t.name] > 1 or name in taken:
                name = _model_name(f"{c.name}_{t.name}")
            taken.add(name)
            toolset.tools[name] = as_tool(c, t, name)
        missing = (only or set()) - {t.name for t in c.tools}
        toolset.notices.extend(f"MCP server {c.name!r} has no tool {m!r}" for m in sorted(missing))


def _close_all(loop: _Loop, conns: list[Connection]) -> None:
    for c in conns:
        c.close()
    loop.stop()


def _model_name(name: str) -> str:
    """A name the chat APIs accept (letters, digits, _ and -; at most 64)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "tool"


def as_tool(conn: Connection, remote: Any, name: str) -> Tool:
    """One server tool as an aigc Tool: read-only only if the server says so (readOnlyHint),
    closed-world only if it says so (openWorldHint false; the spec's default is open)."""
    ann = getattr(remote, "annotations", None)
    read_only = bool(ann is not None and getattr(ann, "read_only_hint", None))
    closed = ann is not None and getattr(ann, "open_world_hint", None) is False
    schema = remote.input_schema if isinstance(remote.input_schema, dict) else {"type": "object"}

    def run(args: dict[str, Any], ctx: ToolContext) -> str:
        return call(conn, remote.name, args, ctx)

    return Tool(name, (remote.description or remote.name)[:1000], schema, run, side_effects=not read_only,
                outside=True, open_world=not closed, source=f"mcp:{conn.name}",
                default_policy="allow" if read_only else "ask", remote_name=remote.name)  # fmt: skip


def call(conn: Connection, tool: str, args: dict[str, Any], ctx: ToolContext) -> str:
    """Call ``tool`` on the server and wait, stopping when the turn is stopped."""
    fut = conn.loop.submit(conn.session.call_tool(tool, args, read_timeout_seconds=ctx.timeout))
    while True:
        try:
            result = fut.result(timeout=0.05)
            break
        except FutureTimeout:
            if ctx.cancel.is_set():
                fut.cancel()
                raise ToolError("stopped") from None
        except BaseException as exc:  # noqa: BLE001 - the server's failure goes to the model
            raise ToolError(f"MCP server {conn.name!r} failed the call: {_why(exc)}") from None
    text = content_text(result)
    if getattr(result, "is_error", False):
        raise ToolError(f"{conn.name}:{tool} returned an error: {text}")
    return text


def content_text(result: Any) -> str:
    """A call result's content blocks as text (images and other media named, not inlined)."""
    parts = []
    for block in getattr(result, "content", None) or []:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind == "resource" and getattr(getattr(block, "resource", None), "text", None):
            parts.append(block.resource.text)
        else:
            parts.append(f"[{kind or 'content'}: {getattr(block, 'mime_type', '') or ''}]")
    if not parts and getattr(result, "structured_content", None) is not None:
        import json

        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts)
