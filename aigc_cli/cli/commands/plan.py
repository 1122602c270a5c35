"""`aigc plan GOAL...`: flags, one core call (session/plan.py), a table or JSON."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from aigc_cli.cli.options import Common, task_command

if TYPE_CHECKING:
    from aigc_cli.plan import Plan


def register(app: typer.Typer) -> None:
    app.command("plan", help="Make a structured plan (steps, estimates, dependencies); --json for the data.")(plan)


@task_command("plan", helps={"as_json": "Print the plan as one JSON object: goal, summary, steps, risks."})
def plan(
    goal: Annotated[Optional[list[str]], typer.Argument(help="The goal to plan for.")] = None,
    *,
    common: Common,
    params: dict[str, Any],
) -> None:
    from aigc_cli import inputs
    from aigc_cli.cli.common import print_json
    from aigc_cli.config import load_settings
    from aigc_cli.errors import UsageError
    from aigc_cli.session.plan import run_plan

    text = inputs.compose(" ".join(goal or []), None if common.stdin_attached else inputs.read_stdin())
    if not text.strip() and not common.attach:
        raise UsageError("no goal to plan for", hint='aigc plan "move house by March"')
    with _spinner():
        result, turn = run_plan(text, params, common, load_settings())
    for notice in turn.notices:
        print(f"aigc: {notice}", file=sys.stderr)
    turn.raise_error()
    assert result is not None  # no error: the plan parsed
    if common.as_json:
        print_json(result.model_dump(mode="json"))
    else:
        _show(result)


def _show(result: "Plan") -> None:
    """A table on a terminal (rich), numbered plain text in a pipe."""
    from aigc_cli import plan as planmod
    from aigc_cli.render import stdout_is_terminal

    if not stdout_is_terminal():
        sys.stdout.write(planmod.to_text(result))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from aigc_cli.termsafe import visible as v  # the plan is the model's text: never raw on a terminal

    table = Table(title=v(result.goal), caption=v(result.summary), show_lines=True, expand=False)
    for name, kw in (("#", {"justify": "right"}), ("step", {"ratio": 1}), ("estimate", {}), ("after", {})):
        table.add_column(name, **kw)
    for number, step in enumerate(result.steps, start=1):
        cell = Text.assemble((v(step.title), "bold"), ("\n" + v(step.detail)) if step.detail else "")
        after = ", ".join(map(str, step.depends_on)) or "-"
        table.add_row(str(number), cell, v(step.estimate), after)
    console = Console()
    console.print(table)
    if result.risks:
        console.print(Text("Risks", style="bold"))
        for risk in result.risks:
            console.print(Text(f"  • {v(risk)}"))


def _spinner() -> Any:
    """A 'planning…' spinner on stderr while the structured answer is generated."""
    if not sys.stderr.isatty():
        return nullcontext()
    from rich.console import Console

    return Console(stderr=True).status("planning…")
