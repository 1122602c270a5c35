"""`aigc plan GOAL...`: a schema-constrained plan, validated, shown or printed as JSON."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from aigc_cli.cli.recipe_opts import Common, task_command

if TYPE_CHECKING:
    from aigc_cli.config import Settings
    from aigc_cli.plan import Plan
    from aigc_cli.session import TurnRequest


def register(app: typer.Typer) -> None:
    app.command("plan", help="Make a structured plan (steps, estimates, dependencies); --json for the data.")(plan)


@task_command("plan")
def plan(
    goal: Annotated[Optional[list[str]], typer.Argument(help="The goal to plan for.")] = None,
    *,
    common: Common,
    params: dict[str, Any],
) -> None:
    from aigc_cli import inputs
    from aigc_cli import plan as planmod
    from aigc_cli.cli import taskrun
    from aigc_cli.cli.common import print_json
    from aigc_cli.config import load_settings
    from aigc_cli.errors import UsageError
    from aigc_cli.session import pick_backend, run_turn

    recipe = taskrun.load("plan")
    text = inputs.compose(" ".join(goal or []), inputs.read_stdin())
    if not text.strip():
        raise UsageError("no goal to plan for", hint='aigc plan "move house by March"')
    rendered = taskrun.render(recipe, params, text)
    steps = int(params.get("steps") or recipe.defaults().get("steps") or planmod.MAX_STEPS)
    settings = load_settings()
    bounded = pick_backend(settings, common.backend or recipe.backend, common.model_path).name != "openai"
    req = taskrun.turn_request(recipe, rendered, common, json_schema=planmod.json_schema(steps, bounded))
    with _spinner():
        answer = run_turn(req, settings).answer
        result = _validated(answer.text, req, settings)
    if common.as_json:
        print_json(result.model_dump(mode="json"))
    else:
        _show(result)


def _validated(text: str, req: "TurnRequest", settings: "Settings") -> "Plan":
    """The parsed plan, after at most one repair round trip; else a clear error."""
    from aigc_cli import plan as planmod
    from aigc_cli.errors import BackendError
    from aigc_cli.messages import Message
    from aigc_cli.session import build_messages, choose_model, generate, pick_backend

    try:
        return planmod.parse(text)
    except ValueError as first:
        backend = pick_backend(settings, req.backend, req.model_path)
        options = req.options.model_copy(update={"model": choose_model(settings, backend, req.options.model)})
        messages = build_messages(req.system, [], req.prompt) + [
            Message(role="assistant", content=text),
            Message(role="user", content=planmod.REPAIR_PROMPT.format(error=first)),
        ]
        retry = generate(backend, messages, options, None, stream=req.stream).text
        try:
            return planmod.parse(retry)
        except ValueError as second:
            raise BackendError(
                f"the model did not produce a valid plan, even after one repair attempt: {second}",
                hint="try again, raise --max-tokens, or use a stronger model (-m)",
            ) from None


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

    table = Table(title=result.goal, caption=result.summary, show_lines=True, expand=False)
    for name, kw in (("#", {"justify": "right"}), ("step", {"ratio": 1}), ("estimate", {}), ("after", {})):
        table.add_column(name, **kw)
    for number, step in enumerate(result.steps, start=1):
        cell = Text.assemble((step.title, "bold"), ("\n" + step.detail) if step.detail else "")
        after = ", ".join(map(str, step.depends_on)) or "-"
        table.add_row(str(number), cell, step.estimate, after)
    console = Console()
    console.print(table)
    if result.risks:
        console.print(Text("Risks", style="bold"))
        for risk in result.risks:
            console.print(Text(f"  • {risk}"))


def _spinner() -> Any:
    """A 'planning…' spinner on stderr while the structured answer is generated."""
    if not sys.stderr.isatty():
        return nullcontext()
    from rich.console import Console

    return Console(stderr=True).status("planning…")
