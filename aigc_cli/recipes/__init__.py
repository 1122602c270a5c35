"""Recipes: prompt templates with typed parameters, one TOML file each.

* ``template`` - the template engine (a parser and a tree; values are inert);
* ``model`` - the pydantic ``Recipe`` and ``Param`` and value coercion;
* ``fill`` - filling a recipe for one request (``render``, ``check_values``);
* ``load`` - built-ins and the user's folder, overrides, one-line problems;
* ``save`` - writing user recipes;
* ``imports`` (with ``fabric`` and ``llm``) - turning other tools' prompts
  into recipes; imported lazily by ``aigc recipes import`` only.

The names below are re-exported so callers can write ``from aigc_cli import
recipes`` and ``recipes.render(...)``. The submodules import each other by
their full names and never this package's namespace, so there is no circle.
"""

from __future__ import annotations

from aigc_cli.recipes.fill import (
    LANG_PARAMS,
    LANGUAGES,
    Rendered,
    check_values,
    language_label,
    parse_sets,
    render,
    render_completion,
)
from aigc_cli.recipes.load import (
    Catalog,
    LoadedRecipe,
    builtin_names,
    builtin_text,
    get_recipe,
    load_catalog,
    parse_recipe,
    user_file,
)
from aigc_cli.recipes.model import (
    INPUT,
    NAME_RE,
    Completion,
    Param,
    ParamValue,
    Recipe,
    check_name,
    check_template,
    coerce,
    describe_params,
    is_name,
    uses_input,
)
from aigc_cli.recipes.save import save_recipe
from aigc_cli.recipes.template import TemplateError, literal, variables

template_variables = variables

__all__ = [
    "INPUT",
    "LANGUAGES",
    "LANG_PARAMS",
    "NAME_RE",
    "Catalog",
    "Completion",
    "LoadedRecipe",
    "Param",
    "ParamValue",
    "Recipe",
    "Rendered",
    "TemplateError",
    "builtin_names",
    "builtin_text",
    "check_name",
    "check_template",
    "check_values",
    "coerce",
    "describe_params",
    "get_recipe",
    "is_name",
    "language_label",
    "literal",
    "load_catalog",
    "parse_recipe",
    "parse_sets",
    "render",
    "render_completion",
    "save_recipe",
    "template_variables",
    "user_file",
    "uses_input",
    "variables",
]
