"""Running a recipe as one turn: shared by `run`, `write`, `summarize`, `plan`, `ask`.

Every recipe-based command goes through ``session.run_turn`` (via
``common.run_and_show``), so logging, ``-c``/``--cid`` and context fitting
apply to all of them. Precedence for generation settings: the command-line
flag, then the recipe's own field, then the settings/backend default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aigc_cli.cli.recipe_opts import Common

if TYPE_CHECKING:
    from aigc_cli.recipes import Recipe, Rendered
    from aigc_cli.session import TurnRequest, TurnResult


def load(name: str) -> "Recipe":
    from aigc_cli import recipes

    return recipes.get_recipe(name)


def turn_request(
    recipe: "Recipe",
    rendered: "Rendered",
    common: Common,
    *,
    json_schema: dict[str, Any] | None = None,
    stream: bool | None = None,
) -> "TurnRequest":
    """The TurnRequest for a rendered recipe; ``-s`` replaces the recipe's system prompt."""
    from aigc_cli.messages import GenOptions
    from aigc_cli.session import TurnRequest

    options = GenOptions(
        model=common.model or recipe.model,
        temperature=common.temperature if common.temperature is not None else recipe.temperature,
        max_tokens=common.max_tokens or recipe.max_tokens,
        json_schema=json_schema if json_schema is not None else recipe.json_schema,
    )
    return TurnRequest(
        prompt=rendered.prompt,
        system=common.system if common.system is not None else rendered.system,
        recipe=recipe.name,
        backend=common.backend or recipe.backend,
        model_path=common.model_path,
        options=options,
        continue_last=common.continue_last,
        cid=common.cid,
        log=not common.no_log,
        truncate=common.truncate,
        stream=not common.no_stream if stream is None else stream,
    )


def render(recipe: "Recipe", values: Mapping[str, Any], user_input: str) -> "Rendered":
    """Type-check the values (usage error on a bad one) and fill the template."""
    from aigc_cli import recipes

    return recipes.render(recipe, recipes.check_values(recipe, values), user_input)


def run_recipe(recipe: "Recipe", values: Mapping[str, Any], user_input: str, common: Common) -> "TurnResult":
    """Render and run one recipe turn, showing the answer as it streams."""
    from aigc_cli.cli.common import run_and_show

    req = turn_request(recipe, render(recipe, values, user_input), common)
    return run_and_show(req, as_json=common.as_json)


def delimit(text: str, label: str = "input") -> str:
    """Text as clearly delimited content, even when it is the only input."""
    return f"<{label}>\n{text.rstrip()}\n</{label}>"
