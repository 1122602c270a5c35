"""`aigc write`: the built-in ``write`` recipe, one option per parameter.

Parses its input and makes one call into the core (session/tasks.py).
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from aigc_cli.cli.options import Common, task_command


def register(app: typer.Typer) -> None:
    app.command("write", help="Draft text from a brief, or --rewrite the text piped on stdin.")(write)


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
