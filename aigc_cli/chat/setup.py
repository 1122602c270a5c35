"""The chat's setup as it reaches into recipes, the store and the model table.

The slash commands (and `aigc chat --recipe`) change a chat's recipe, save it
as one, export it or complete model names; the lookups they need live here so
the command table stays a table. Imports are lazy: a chat that never uses a
recipe never loads the recipe package.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_cli.chat import state as rs
from aigc_cli.errors import AigcError

if TYPE_CHECKING:
    from aigc_cli.recipes import Recipe


def export_text(state: rs.ChatState, json_format: bool) -> tuple[str, int]:
    """The conversation as the store's exporter writes it (``history export``): text, messages."""
    import json

    from aigc_cli.store import io

    conv, messages = rs.exportable(state)
    if json_format:
        return json.dumps(io.conversation_json(conv, messages), ensure_ascii=False, indent=2) + "\n", len(messages)
    return io.conversation_markdown(conv, messages), len(messages)


def recipe_names() -> list[str]:
    from aigc_cli import recipes

    return sorted(recipes.load_catalog().recipes)


def load_recipe(name: str) -> "Recipe":
    from aigc_cli import recipes

    return recipes.get_recipe(name)


def apply_recipe(state: rs.ChatState, name: str, sets: list[str] | None = None) -> Any:
    """Chat through a recipe: its system prompt, its template around each
    message, and its backend, model and temperature (flags still win)."""
    from aigc_cli import recipes

    recipe = load_recipe(name)
    values = recipes.check_values(recipe, recipes.parse_sets(sets))
    state.recipe, state.recipe_obj, state.recipe_values = name, recipe, values
    state.system = recipes.render(recipe, values).system
    if recipe.backend:
        state.backend_name, state.model = recipe.backend, None
    state.model = recipe.model or state.model
    if recipe.temperature is not None:
        state.temperature = recipe.temperature
    return recipe


def recipe_notices(state: rs.ChatState) -> list[str]:
    """Warnings the chat's recipe gives as set up (e.g. a needed value not set)."""
    from aigc_cli import recipes

    if state.recipe_obj is None:
        return []
    return recipes.render(state.recipe_obj, state.recipe_values).notices


def recipes_system(state: rs.ChatState) -> str | None:
    """The system prompt the chat's current recipe gives."""
    from aigc_cli import recipes

    return recipes.render(state.recipe_obj, state.recipe_values).system


def save_recipe(name: str, state: rs.ChatState, overwrite: bool = False) -> Path:
    """Write the chat's setup as a user recipe (session/tasks.py owns how)."""
    from aigc_cli.session.tasks import save_setup

    try:
        return save_setup(name, origin="aigc chat", system=state.system, model=state.model,
                          backend=state.backend_name, temperature=state.temperature, overwrite=overwrite)  # fmt: skip
    except AigcError as exc:
        hint = f"/save {name} --force replaces it" if "already exists" in exc.message else exc.hint
        raise AigcError(exc.message, hint=hint) from None


def model_names(state: rs.ChatState) -> list[str]:
    """Models worth completing: the model table's for this backend, and the current one."""
    from aigc_cli import modeltable

    names = {e.name for e in modeltable.entries(state.settings) if e.backend == state.backend_name}
    return sorted(names | {state.model_name()})
