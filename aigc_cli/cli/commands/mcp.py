"""`aigc mcp add|list|rm|import|serve`: MCP servers as tools, and aigc as an MCP server.

The servers live in ``mcp.json`` beside the config (aigc_cli/mcp/config.py),
in the ``mcpServers`` format other MCP clients use. Nothing here starts a
server except `list --check`, and `serve`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

mcp_app = typer.Typer(
    help="MCP servers whose tools the model can call (-T SERVER), and `aigc mcp serve`.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(mcp_app, name="mcp")


def _pairs(items: list[str] | None, what: str) -> dict[str, str]:
    from aigc_cli.errors import UsageError

    out: dict[str, str] = {}
    for item in items or []:
        sep_char = ":" if what == "--header" and "=" not in item else "="  # a header may be "Name: value"
        key, sep, value = item.partition(sep_char)
        if not sep or not key.strip():
            raise UsageError(f"bad {what} {item!r}", hint=f"{what} KEY=VALUE")
        out[key.strip()] = value.strip() if what == "--header" else value
    return out


@mcp_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="A name for the server (used with -T NAME).")],
    command: Annotated[
        Optional[list[str]], typer.Argument(metavar="[-- COMMAND ARGS...]", help="The stdio server's command.")
    ] = None,
    url: Annotated[Optional[str], typer.Option("--url", help="A streamable HTTP server's URL.")] = None,
    env: Annotated[
        Optional[list[str]], typer.Option("--env", metavar="K=V", help="Environment for a stdio server (repeatable).")
    ] = None,
    header: Annotated[
        Optional[list[str]], typer.Option("--header", metavar="K=V", help="HTTP header (repeatable).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a server with that name.")] = False,
) -> None:
    """Add a server: `aigc mcp add time -- uvx mcp-server-time` or `aigc mcp add NAME --url URL`."""
    from aigc_cli.errors import UsageError
    from aigc_cli.mcp.config import add_server

    if bool(command) == bool(url):
        raise UsageError("give either a command (after --) or --url", hint="aigc mcp add time -- uvx mcp-server-time")
    entry: dict = {"command": command[0], "args": command[1:]} if command else {"url": url}
    if env:
        entry["env"] = _pairs(env, "--env")
    if header:
        entry["headers"] = _pairs(header, "--header")
    path = add_server(name, entry, replace=force)
    print(f"aigc: added MCP server {name!r} ({path}); use it with -T {name}", file=sys.stderr)


@mcp_app.command("list")
def list_servers(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Start each server and list its tools.")] = False,
) -> None:
    """The configured servers; --check starts them (all at once) and lists their tools."""
    from aigc_cli.cli.common import print_json
    from aigc_cli.config import load_settings
    from aigc_cli.tools import listing

    rows = listing.servers(load_settings(), check=check)
    if as_json:
        print_json([r.model_dump() for r in rows])
        return
    if not rows:
        print(
            "aigc: no MCP servers yet; add one with `aigc mcp add NAME -- COMMAND` or `aigc mcp import FILE`",
            file=sys.stderr,
        )
    from aigc_cli.termsafe import for_terminal

    tty = sys.stdout.isatty()  # tool names and errors come from the server: never raw on a terminal
    for r in rows:
        print(for_terminal(f"{r.name}  ({r.transport})  {r.target}", tty))
        if r.ok:
            print(for_terminal(f"  ok: {len(r.tools)} tools: {', '.join(r.tools)}", tty))
        elif r.ok is False:
            print(for_terminal(f"  failed: {r.problem}", tty))
    if check and any(r.ok is False for r in rows):
        raise typer.Exit(4)


@mcp_app.command("rm")
def rm(name: Annotated[str, typer.Argument(help="The server's name.")]) -> None:
    """Remove a server from mcp.json."""
    from aigc_cli.errors import UsageError
    from aigc_cli.mcp.config import remove_server

    if not remove_server(name):
        raise UsageError(f"no MCP server {name!r}", hint="see `aigc mcp list`")
    print(f"aigc: removed MCP server {name!r}", file=sys.stderr)


@mcp_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A Claude Desktop / Cursor style JSON file with mcpServers.")],
    force: Annotated[bool, typer.Option("--force", help="Replace servers with the same names.")] = False,
) -> None:
    """Add the servers of another client's config file (comments and unknown keys are fine)."""
    from aigc_cli.mcp.config import import_file

    added, skipped = import_file(file, replace=force)
    for name in added:
        print(f"added {name}")
    for why in skipped:
        print(f"aigc: skipped {why}", file=sys.stderr)
    if not added and not skipped:
        print(f"aigc: {file} lists no servers", file=sys.stderr)


@mcp_app.command("serve")
def serve() -> None:
    """aigc as an MCP server over stdio: kb_search, memory_list, remember, and the recipes as prompts."""
    from aigc_cli.mcp.server import serve_stdio

    serve_stdio()
