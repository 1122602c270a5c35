"""`aigc tools list`: every tool the model could be given, where it comes from, and its policy."""

from __future__ import annotations

from typing import Annotated

import typer

tools_app = typer.Typer(
    help="Tools the model can call (-T NAME): built-ins, plugins and MCP servers.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(tools_app, name="tools")


@tools_app.command("list")
def list_tools(as_json: Annotated[bool, typer.Option("--json", help="One JSON array.")] = False) -> None:
    """Every tool: source, side effects, policy (`aigc config set tools.NAME.policy allow|ask|deny`)."""
    import sys

    from aigc_cli.cli.common import print_json
    from aigc_cli.config import load_settings
    from aigc_cli.termsafe import for_terminal
    from aigc_cli.tools import listing

    rows = listing.tools(load_settings())
    if as_json:
        print_json([r.model_dump() for r in rows])
        return
    width = max((len(r.name) for r in rows), default=4)
    for r in rows:
        kind = "MCP server" if r.side_effects is None else ("side effects" if r.side_effects else "read-only")
        kind = "sends out" if kind == "read-only" and r.sends_out else kind  # read-only here, but not private
        mark = " (default)" if r.default else ""
        print(
            for_terminal(
                f"{r.name:<{width}}  {r.source:<18} {kind:<12} {r.policy:<6}{mark}  {r.description}",
                sys.stdout.isatty(),
            )
        )  # an MCP server's description never reaches a terminal raw
