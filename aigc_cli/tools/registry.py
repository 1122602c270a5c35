"""Which tools a turn has: built-ins, plugins (entry points ``aigc_cli.tools``) and MCP servers.

``-T NAME`` names a built-in tool, a plugin's tool, an MCP server (all its
tools) or ``server:tool``; ``tools.default`` in the config is the list used
when no ``-T`` is given. MCP servers are started only here, only when named,
and all in parallel (aigc_cli/mcp/client.py).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aigc_cli.tools.base import Tool, ToolContext

if TYPE_CHECKING:
    from aigc_cli.config import Settings

ENTRY_POINT_GROUP = "aigc_cli.tools"


@dataclass
class Toolset:
    """The tools one turn (or one chat) offers, and what must be closed after."""

    tools: dict[str, Tool] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    closers: list[Callable[[], None]] = field(default_factory=list)
    owned: bool = False  # started for one turn, closed with it (a chat keeps its own)

    def specs(self) -> list[dict[str, Any]]:
        return [t.spec() for t in self.tools.values()]

    def close(self) -> None:
        for close in self.closers:
            try:
                close()
            except Exception:  # noqa: BLE001 - closing a dead server must not fail the turn
                pass
        self.closers.clear()


def plugin_tools() -> dict[str, Tool]:
    """Tools from installed packages: each entry point is a ``Tool`` or a typed function."""
    from importlib.metadata import entry_points

    out: dict[str, Tool] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception:  # noqa: BLE001 - a broken plugin must not break aigc
            continue
        tool = (
            obj
            if isinstance(obj, Tool)
            else from_function(obj, name=ep.name, source=f"plugin:{ep.value.split(':')[0]}")
        )
        out[tool.name] = tool
    return out


def from_function(fn: Callable[..., Any], *, name: str | None = None, source: str = "plugin") -> Tool:
    """A typed function as a tool: its parameters (via pydantic) are the schema, its docstring the
    description. ``fn.read_only = True`` declares it has no side effects."""
    from pydantic import create_model

    params = inspect.signature(fn).parameters
    fields = {
        p.name: (p.annotation if p.annotation is not inspect.Parameter.empty else str,
                 ... if p.default is inspect.Parameter.empty else p.default)
        for p in params.values()
    }  # fmt: skip
    model = create_model(f"{fn.__name__}_args", **fields)  # type: ignore[call-overload]
    schema = model.model_json_schema()
    schema.pop("title", None)

    def run(args: dict[str, Any], ctx: ToolContext) -> str:
        return str(fn(**model.model_validate(args).model_dump()))

    read_only = bool(getattr(fn, "read_only", False))
    return Tool(name or fn.__name__, (inspect.getdoc(fn) or fn.__name__).split("\n\n")[0], schema, run,
                side_effects=not read_only, source=source)  # fmt: skip


def available(settings: "Settings") -> dict[str, Tool]:
    """The built-in and plugin tools (MCP tools need their servers started: ``resolve``)."""
    from aigc_cli.tools.builtin import builtin_tools

    return {**plugin_tools(), **builtin_tools()}


def resolve(names: Sequence[str], settings: "Settings", *, mcp_servers: dict[str, Any] | None = None) -> Toolset:
    """The named tools; an unknown name is a UsageError (exit 2) before anything is sent."""
    from aigc_cli.errors import UsageError

    local = available(settings)
    toolset = Toolset()
    wanted_servers: dict[str, set[str] | None] = {}
    servers = mcp_servers if mcp_servers is not None else _configured_servers()
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        if name in local:
            toolset.tools[name] = local[name]
        elif name in servers:
            wanted_servers[name] = None
        elif ":" in name and name.split(":", 1)[0] in servers:
            server, tool = name.split(":", 1)
            if wanted_servers.get(server, set()) is not None:
                wanted_servers.setdefault(server, set()).add(tool)  # type: ignore[union-attr]
        else:
            known = ", ".join(sorted([*local, *servers]))
            raise UsageError(f"unknown tool {name!r}", hint=f"known: {known}; see `aigc tools list`")
    if wanted_servers:
        from aigc_cli.mcp.client import connect_all

        connect_all({s: servers[s] for s in wanted_servers}, wanted_servers, settings, toolset)
    return toolset


def _configured_servers() -> dict[str, Any]:
    from aigc_cli.mcp.config import load_servers

    return load_servers()
