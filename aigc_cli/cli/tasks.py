"""`aigc write` and `aigc run`: recipe-driven commands.

`write` is the built-in ``write`` recipe with one option per parameter;
`run` runs any recipe with ``--set key=value``. Summarize and plan, which do
more than one plain turn, live in their own modules.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from aigc_cli.cli.recipe_opts import Common, task_command


def register(app: typer.Typer) -> None:
    from aigc_cli.cli import plan_cmd, summarize_cmd

    app.command("write", help="Draft text from a brief, or --rewrite the text piped on stdin.")(write)
    summarize_cmd.register(app)
    plan_cmd.register(app)
    app.command("run", help="Run any recipe: aigc run NAME [INPUT...] --set key=value.")(run)


@task_command("write")
def write(
    brief: Annotated[Optional[list[str]], typer.Argument(help="What to write (the brief).")] = None,
    *,
    common: Common,
    params: dict[str, Any],
) -> None:
    from aigc_cli import inputs
    from aigc_cli.cli import taskrun
    from aigc_cli.errors import UsageError

    recipe = taskrun.load("write")
    text = " ".join(brief or []).strip()
    piped = inputs.read_stdin()
    if params.get("rewrite"):
        if not piped or not piped.strip():
            raise UsageError("--rewrite needs the text to rework on stdin", hint="pbpaste | aigc write --rewrite")
        user_input = taskrun.delimit(piped) + (f"\n\n{text}" if text else "")
    else:
        user_input = inputs.compose(text, piped)
    if not user_input.strip():
        raise UsageError("nothing to write about", hint='aigc write "a thank-you note to my team"')
    taskrun.run_recipe(recipe, params, user_input, common)


@task_command(None)
def run(
    name: Annotated[str, typer.Argument(help="Recipe name (see `aigc recipes list`).")],
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
    from aigc_cli.cli import taskrun
    from aigc_cli.errors import UsageError

    recipe = taskrun.load(name)
    values = recipes.parse_sets(sets)
    recipes.check_values(recipe, values)  # bad keys fail before stdin is read
    content = join_sources(files or [], inputs.read_stdin())
    user_input = inputs.compose(" ".join(words or []), content)
    if not user_input.strip() and recipes.uses_input(recipe):
        raise UsageError(f"recipe {name!r} needs input", hint=f"aigc run {name} TEXT  or  ... | aigc run {name}")
    taskrun.run_recipe(recipe, values, user_input, common)


def join_sources(files: list[str], piped: str | None) -> str | None:
    """Files (each under a ``==> name <==`` header when there are several) and stdin."""
    from aigc_cli import inputs

    parts = [(path, inputs.read_file(path)) for path in files]
    if piped and piped.strip():
        parts.append(("stdin", piped))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0][1]
    return "\n\n".join(f"==> {name} <==\n{text.rstrip()}" for name, text in parts)


def ask_recipe(question: str) -> tuple[str, str | None]:
    """`ask` is the ``ask`` recipe: its prompt and system, rendered with the question.

    The built-in sends the question as it is, with no system prompt; a user
    override of ``ask`` (e.g. a standing system prompt) applies to every ask.
    """
    from aigc_cli import recipes

    rendered = recipes.render(recipes.get_recipe("ask"), {}, question)
    return rendered.prompt, rendered.system


def save_setup(
    name: str,
    *,
    system: str | None,
    model: str | None,
    backend: str | None,
    temperature: float | None,
    max_tokens: int | None,
) -> None:
    """`ask --save NAME`: the system prompt and options used, as a new recipe.

    The system prompt is user text, so it is stored escaped (``recipes.literal``)
    and stays literal when the recipe runs.
    """
    import re
    import sys

    from aigc_cli import recipes
    from aigc_cli.errors import UsageError

    if not re.fullmatch(recipes.NAME_RE, name):
        raise UsageError(f"bad recipe name {name!r}", hint="letters, digits, '-', '_' and '.', up to 64")
    recipe = recipes.Recipe(
        name=name,
        description="saved from aigc ask",
        system=recipes.literal(system) if system else None,
        model=model,
        backend=backend,
        temperature=temperature,
        max_tokens=max_tokens,
    )
    path = recipes.save_recipe(recipe)
    print(f"aigc: saved recipe {name!r} ({path}); run it with `aigc run {name} ...`", file=sys.stderr)
