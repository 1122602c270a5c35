"""`plan`: a schema-constrained answer, validated, repaired once, stored as shown.

The repair request is fitted like any turn and runs inside ``run_turn``, so
the stored answer is the plan the user saw, with both requests' usage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aigc_cli.session.options import TaskOptions
from aigc_cli.session.request import TurnResult
from aigc_cli.session.tasks import run_recipe
from aigc_cli.session.turn import Repair

if TYPE_CHECKING:
    from aigc_cli.config import Settings
    from aigc_cli.plan import Plan
    from aigc_cli.recipes import Recipe


def _problem(text: str) -> Exception | None:
    from aigc_cli import plan as planmod

    try:
        planmod.parse(text)
    except ValueError as exc:
        return exc
    return None


def run_plan(
    goal: str, values: Mapping[str, Any], opts: TaskOptions, settings: "Settings"
) -> tuple["Plan | None", TurnResult]:
    """The validated plan (None if the turn was stopped) and the turn that produced it."""
    from aigc_cli import plan as planmod
    from aigc_cli import recipes
    from aigc_cli.session.choose import as_completion, choose_model, continued, pick_backend

    recipe = recipes.get_recipe("plan")
    steps = int(values.get("steps") or recipe.defaults().get("steps") or planmod.MAX_STEPS)
    conv = continued(opts.continue_last, opts.cid)  # -c: the schema is for the backend run_turn will use
    backend = pick_backend(settings, opts.backend or recipe.backend, opts.model_path, conv)
    model = choose_model(settings, backend, opts.model or recipe.model, conv)
    if as_completion(
        backend,
        model,
        has_completion=recipe.completion is not None,
        system_given=opts.system is not None,
        continuing=conv is not None,
        kb=bool(opts.kb),
    ):
        return _numbered_plan(recipe, goal, values, min(steps, planmod.BASE_STEPS), opts, settings)
    schema = planmod.json_schema(steps, backend.bounded_json_schema)
    repair = Repair(
        _problem, planmod.REPAIR_PROMPT, "the model did not produce a valid plan, even after one repair attempt"
    )
    result = run_recipe(recipe, values, goal, opts, settings, repair=repair, json_schema=schema)
    if result.error is not None:
        return None, result
    return planmod.parse(result.answer.text), result


def _numbered_plan(
    recipe: "Recipe", goal: str, values: Mapping[str, Any], steps: int, opts: TaskOptions, settings: "Settings"
) -> tuple["Plan | None", TurnResult]:
    """A base model's plan: it continues ``Step 1:`` lines (recipe ``completion``),
    stopped before step ``steps + 1``, and the lines are parsed into a Plan.

    No JSON grammar: on Gemma's 262k-token vocabulary grammar sampling takes
    minutes, and a base model fills a schema worse than it writes a list. The
    stored answer is the numbered text the model wrote.
    """
    from aigc_cli import plan as planmod
    from aigc_cli.errors import UnusableAnswer
    from aigc_cli.session.tasks import completion_text, render, task_request
    from aigc_cli.session.turn import run_turn

    from aigc_cli.session.attach import attach_to, load_for  # ATTACHMENTS (issue #22)

    loaded = load_for(opts, settings)
    asked = loaded.wrap(goal) if loaded is not None else goal
    req = task_request(recipe, render(recipe, values, asked), opts, completion=completion_text(recipe, values, asked))
    attach_to(req, loaded)
    if req.completion is not None:
        req.completion.stop.append(f"\nStep {steps + 1}:")
    result = run_turn(req, settings)
    if result.error is not None:
        return None, result
    try:
        cut = result.answer.finish_reason == "length"
        return planmod.parse_steps(result.answer.text, goal, steps, cut), result
    except ValueError as exc:
        result.error = UnusableAnswer(
            f"the model did not produce a usable plan: {exc}", hint="try again, or use an instruct model (-m)"
        )
        return None, result
