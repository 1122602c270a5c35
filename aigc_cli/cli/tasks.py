"""`aigc write` and `aigc run`: recipe-driven commands.

`write` is the built-in ``write`` recipe with one option per parameter;
`run` runs any recipe with ``--set key=value``. Each parses its input and
makes one call into the core (session/tasks.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from aigc_cli.cli.recipe_opts import Common, task_command
from aigc_cli.cli.complete_values import complete_recipes


def register(app: typer.Typer) -> None:
    app.command("write", help="Draft text from a brief, or --rewrite the text piped on stdin.")(write)


def register_run(app: typer.Typer) -> None:
    """`run` comes after summarize and plan in the help (cli/main.py registers them between)."""
    app.command("run", help="Run any recipe: aigc run NAME [INPUT...] --set key=value.")(run)


@task_command("write")
def write(
    brief: Annotated[Optional[list[str]], typer.Argument(help="What to write (the brief).")] = None,
    *,
    common: Common,
    params: dict[str, Any],
) -> None:
    from aigc_cli import inputs, recipes
    from aigc_cli.cli.common import show_turn
    from aigc_cli.errors import UsageError
    from aigc_cli.session.tasks import run_recipe

    recipe = recipes.get_recipe("write")
    text = " ".join(brief or []).strip()
    piped = None if common.stdin_attached else inputs.read_stdin()  # `-a -`: stdin is an attachment
    common.outside_input = bool(piped)  # tools: text the user did not type (tools/policy.py)
    if params.get("rewrite"):
        if not piped or not piped.strip():
            raise UsageError("--rewrite needs the text to rework on stdin", hint="pbpaste | aigc write --rewrite")
        user_input = inputs.delimit(piped) + (f"\n\n{text}" if text else "")
    else:
        user_input = inputs.compose(text, piped)
    if not user_input.strip() and not common.attach:
        raise UsageError("nothing to write about", hint='aigc write "a thank-you note to my team"')
    show_turn(lambda s, sink: run_recipe(recipe, params, user_input, common, s, sink), as_json=common.as_json)


@task_command(None)
def run(
    name: Annotated[str, typer.Argument(help="Recipe name (see `aigc recipes list`).", autocompletion=complete_recipes)],
    words: Annotated[Optional[list[str]], typer.Argument(metavar="[INPUT]...", help="Input text.")] = None,
    sets: Annotated[
        Optional[list[str]], typer.Option("--set", metavar="KEY=VALUE", help="Set a recipe parameter (repeatable).")
    ] = None,
    files: Annotated[
        Optional[list[str]], typer.Option("--file", "-f", metavar="PATH", help="Add a file's text as input (repeatable).")
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
