"""`aigc mcp serve`: the user's own material for any MCP client, over stdio.

Built with the official SDK's MCPServer. Tools: ``kb_search`` over the
knowledge bases (read-only), ``memory_list`` (read-only) and ``remember``
(a side effect: the client is told so through the tool's annotations, and
asks its user). Every recipe (built-in and the user's) is an MCP prompt
whose arguments are ``input`` and the recipe's parameters. Nothing here
calls a model: the client brings its own.
"""

from __future__ import annotations

from typing import Any


def _kb_search(query: str, base: str = "") -> str:
    """Search the user's knowledge bases (aigc kb); passages with their sources."""
    from aigc_cli.config import load_settings
    from aigc_cli.tools.base import ToolContext
    from aigc_cli.tools.builtin_more import _kb

    return _kb({"query": query, "base": base}, ToolContext(settings=load_settings(), cwd=".", timeout=60))


def _memory_list() -> str:
    """What aigc remembers about the user, one memory a line with its id."""
    from aigc_cli.memory.store import all_memories
    from aigc_cli.store.db import Store

    store = Store.open(create=False)
    if store is None:
        return "(nothing remembered yet)"
    with store:
        found = all_memories(store)
    return "\n".join(f"[{m.id}]{' (pinned)' if m.pinned else ''} {m.text}" for m in found) or "(nothing remembered yet)"


def _remember(text: str) -> str:
    """Remember a fact about the user for later conversations (with aigc and here)."""
    from aigc_cli.memory.store import add
    from aigc_cli.store.db import Store

    text = text.strip()
    if not text:
        raise ValueError("nothing to remember")
    with Store.open() as store:  # type: ignore[union-attr]
        added = add(store, [text], source="mcp")
    return f"remembered (#{added[0].id})" if added else "already remembered"


def _recipe_prompts() -> list[Any]:
    """Each recipe as an MCP prompt: ``input`` plus its parameters as arguments."""
    from mcp.server.mcpserver.prompts.base import Prompt, PromptArgument, UserMessage

    from aigc_cli import recipes

    out = []
    for name, loaded in sorted(recipes.load_catalog().recipes.items()):
        recipe = loaded.recipe

        def render(_recipe: Any = recipe, **values: Any) -> list[Any]:
            text = str(values.pop("input", "") or "")
            rendered = recipes.render(_recipe, recipes.check_values(_recipe, values), text)
            body = f"{rendered.system}\n\n{rendered.prompt}" if rendered.system else rendered.prompt
            return [UserMessage(body)]

        args = [PromptArgument(name="input", description="The text to work on", required=False)]
        args += [
            PromptArgument(name=p, description=spec.help or None, required=False) for p, spec in recipe.params.items()
        ]
        out.append(Prompt(name=name, description=recipe.description or f"the {name} recipe", arguments=args, fn=render))
    return out


def build() -> Any:
    """The server object (tests drive it through the SDK's client)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.types import ToolAnnotations

    from aigc_cli import __version__

    server = MCPServer("aigc", version=__version__,
                       instructions="The user's knowledge bases, memories and recipes, from aigc.")  # fmt: skip
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)
    server.add_tool(_kb_search, name="kb_search", annotations=read_only)
    server.add_tool(_memory_list, name="memory_list", annotations=read_only)
    server.add_tool(
        _remember,
        name="remember",
        annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False),
    )
    for prompt in _recipe_prompts():
        server.add_prompt(prompt)
    return server


def serve_stdio() -> None:
    """Serve until the client closes stdin."""
    build().run("stdio")
