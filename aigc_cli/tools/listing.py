"""What `aigc tools list` and `aigc mcp list --check` report (the core side: no printing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from aigc_cli.config import Settings


class ToolInfo(BaseModel):
    name: str
    source: str
    description: str
    side_effects: bool | None  # None: an MCP server not started (its tools decide)
    sends_out: bool | None = None  # its arguments leave the machine (Tool.open_world); None: an MCP server
    policy: str
    default: bool = False  # in tools.default


class ServerInfo(BaseModel):
    name: str
    transport: str
    target: str
    ok: bool | None = None  # None: not checked
    tools: list[str] = []
    problem: str | None = None


def tools(settings: "Settings") -> list[ToolInfo]:
    """Built-in and plugin tools, then each MCP server (as one entry: its tools show once started)."""
    from aigc_cli.mcp.config import load_servers
    from aigc_cli.tools.policy import policy_for
    from aigc_cli.tools.registry import available

    default = set(settings.tools.default)
    out = [
        ToolInfo(
            name=t.name,
            source=t.source,
            description=t.description,
            side_effects=t.side_effects,
            sends_out=t.open_world,
            policy=policy_for(t, settings),
            default=t.name in default,
        )  # fmt: skip
        for t in available(settings).values()
    ]
    for name, spec in load_servers().items():
        out.append(ToolInfo(name=name, source=f"MCP server ({spec.transport})", description=spec.describe(),
                            side_effects=None, policy=settings.tools.policy_of(name) or "ask unless read-only",
                            default=name in default))  # fmt: skip
    return out


def servers(settings: "Settings", check: bool = False) -> list[ServerInfo]:
    """The configured MCP servers; with ``check`` each is started (all at once) and its tools listed."""
    from aigc_cli.mcp.config import load_servers

    specs = load_servers()
    infos = {n: ServerInfo(name=n, transport=s.transport, target=s.describe()) for n, s in specs.items()}
    if check and specs:
        from aigc_cli.mcp.client import _close_all, start

        loop, conns, notices = start(specs, settings.tools.timeout)
        try:
            for c in conns:
                infos[c.name].ok, infos[c.name].tools = True, [t.name for t in c.tools]
            for info in infos.values():
                if info.ok is None:
                    info.ok = False
                    info.problem = next((n for n in notices if f"{info.name!r}" in n), "did not start")
        finally:
            _close_all(loop, conns)
    return list(infos.values())
