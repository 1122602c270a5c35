"""`aigc run NAME`: any recipe, its parameters given with ``--set key=value``.

Parses its input and makes one call into the core (session/tasks.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from aigc_cli.cli.complete_values import complete_recipes
from aigc_cli.cli.options import Common, task_command


def register(app: typer.Typer) -> None:
    """`run` comes after summarize and plan in the help (cli/main.py's order)."""
    app.command("run", help="Run any recipe: aigc run NAME [INPUT...] --set key=value.")(run)


@task_command(None)
def run(
    name: Annotated[
        str, typer.Argument(help="Recipe name (see `aigc recipes list`).", autocompletion=complete_recipes)
    ],
    words: Annotated[Optional[list[str]], typer.Argument(metavar="[INPUT]...", help="Input text.")] = None,
    sets: Annotated[
        Optional[list[str]], typer.Option("--set", metavar="KEY=VALUE", help="Set a recipe parameter (repeatable).")
    ] = None,
    files: Annotated[
        Optional[list[str]],
        typer.Option("--file", "-f", metavar="PATH", help="Add a file's text as input (repeatable)."),
    ] = None,
    *,
    common: Common,
    params: dict[str, Any],
) -> None:
    from aigc_cli import inputs, recipes
    from aigc_cli.cli.common import show_turn
    from aigc_cli.errors import UsageError
    from aigc_cli.session.tasks import run_recipe

    recipe = recipes.get_recipe(name)
    values = recipes.parse_sets(sets)
    recipes.check_values(recipe, values)  # bad keys fail before stdin is read
    content = inputs.join_sources(files or [], None if common.stdin_attached else inputs.read_stdin())
    common.outside_input = bool(content)  # tools: text the user did not type (tools/policy.py)
    user_input = inputs.compose(" ".join(words or []), content)
    if not user_input.strip() and recipes.uses_input(recipe) and not common.attach:
        raise UsageError(f"recipe {name!r} needs input", hint=f"aigc run {name} TEXT  or  ... | aigc run {name}")
    show_turn(lambda s, sink: run_recipe(recipe, values, user_input, common, s, sink), as_json=common.as_json)
