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
    from aigc_cli.session.choose import pick_backend

    recipe = recipes.get_recipe("plan")
    steps = int(values.get("steps") or recipe.defaults().get("steps") or planmod.MAX_STEPS)
    backend = pick_backend(settings, opts.backend or recipe.backend, opts.model_path)
    schema = planmod.json_schema(steps, backend.bounded_json_schema)
    repair = Repair(_problem, planmod.REPAIR_PROMPT, "the model did not produce a valid plan, even after one repair attempt")
    result = run_recipe(recipe, values, goal, opts, settings, repair=repair, json_schema=schema)
    if result.error is not None:
        return None, result
    return planmod.parse(result.answer.text), result
