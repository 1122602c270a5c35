"""`aigc recipes list/show/new/edit/rm/path/import`: manage saved prompt recipes."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer
from aigc_cli.cli.complete_values import complete_recipes

recipes_app = typer.Typer(help="Manage prompt recipes (built-in and your own).", no_args_is_help=True)

SKELETON = '''# aigc recipe: run it with `aigc run {name} [INPUT...] --set key=value`
name = "{name}"
description = "{description}"
system = """{system}"""
prompt = """{prompt}"""

# typed parameters, used in the templates as {{{{name}}}}; e.g.
# [params.tone]
# type = "choice"          # string, int, bool or choice
# choices = ["friendly", "formal"]
# default = "friendly"
# help = "Tone of voice."
'''


def register(app: typer.Typer) -> None:
    app.add_typer(recipes_app, name="recipes")


@recipes_app.command("list", help="List recipes: name, where it comes from, description.")
def list_cmd(as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False) -> None:
    from aigc_cli import recipes
    from aigc_cli.cli.common import print_json

    cat = recipes.load_catalog()
    rows = [
        {"name": r.name, "source": _source(r), "description": r.recipe.description}
        for r in sorted(cat.recipes.values(), key=lambda r: r.name)
    ]
    if as_json:
        print_json({"recipes": rows, "problems": cat.problems})
        return
    from aigc_cli.termsafe import for_terminal, visible

    width = max((len(r["name"]) for r in rows), default=4)
    tty = sys.stdout.isatty()  # an imported recipe's text never reaches a terminal raw
    for row in rows:
        print(for_terminal(f"{row['name']:<{width}}  {row['source']:<9}  {row['description']}", tty))
    for problem in cat.problems.values():
        print(f"aigc: broken recipe skipped: {visible(problem)}", file=sys.stderr)


def _source(loaded: object) -> str:
    if getattr(loaded, "path", None) is None:
        return "built-in"
    return "override" if getattr(loaded, "overrides_builtin", False) else "user"


@recipes_app.command("show", help="Print a recipe's TOML (its source goes to stderr).")
def show_cmd(name: Annotated[str, typer.Argument(autocompletion=complete_recipes)]) -> None:
    from aigc_cli import recipes

    loaded = recipes.load_catalog().get(name)
    text = loaded.path.read_text(encoding="utf-8") if loaded.path else recipes.builtin_text(name) or ""
    from aigc_cli.termsafe import for_terminal

    print(f"# {loaded.source}", file=sys.stderr)
    sys.stdout.write(for_terminal(text if text.endswith("\n") else text + "\n", sys.stdout.isatty()))


@recipes_app.command("path", help="Print the folder of your recipes, or one recipe's file.")
def path_cmd(
    name: Annotated[Optional[str], typer.Argument(help="A recipe name.", autocompletion=complete_recipes)] = None,
) -> None:
    from aigc_cli import paths, recipes

    if name is None:
        print(paths.recipes_dir())
        return
    loaded = recipes.load_catalog().get(name)
    print(loaded.path if loaded.path else recipes.user_file(name))


@recipes_app.command("new", help="Create a recipe from options (or a skeleton to edit).")
def new_cmd(
    name: str,
    system: Annotated[Optional[str], typer.Option("--system", "-s", help="System prompt.")] = None,
    prompt: Annotated[
        str, typer.Option("--prompt", "-p", help="Prompt template; {{input}} is the user's text.")
    ] = "{{input}}",
    description: Annotated[str, typer.Option("--description", "-d", help="One line saying what it does.")] = "",
    copy_from: Annotated[Optional[str], typer.Option("--from", help="Start from a copy of this recipe.")] = None,
    edit: Annotated[bool, typer.Option("--edit", "-e", help="Open it in $EDITOR afterwards.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing recipe of yours.")] = False,
) -> None:
    from aigc_cli import recipes
    from aigc_cli.errors import UsageError

    if not _valid_name(name):
        raise UsageError(f"bad recipe name {name!r}", hint="letters, digits, '-', '_' and '.', up to 64")
    path = recipes.user_file(name)
    if path.exists() and not force:
        raise UsageError(f"recipe {name!r} already exists at {path}", hint="use --force, or `aigc recipes edit`")
    if copy_from:
        base = recipes.load_catalog().get(copy_from)
        text = base.path.read_text(encoding="utf-8") if base.path else recipes.builtin_text(copy_from) or ""
        text = _renamed(text, copy_from, name)
    else:
        text = SKELETON.format(
            name=name, description=_toml_str(description), system=_toml_ml(system or ""), prompt=_toml_ml(prompt)
        )
    recipes.parse_recipe(text, str(path), name)  # never write a broken recipe
    from aigc_cli.recipes.save import write_atomic

    write_atomic(path, text)  # a full disk leaves no empty recipe behind
    print(f"created {path}", file=sys.stderr)
    if edit:
        _edit(path)


@recipes_app.command("edit", help="Open a recipe in $EDITOR (a built-in is copied to your folder first).")
def edit_cmd(name: Annotated[str, typer.Argument(autocompletion=complete_recipes)]) -> None:
    from aigc_cli import recipes

    path = recipes.user_file(name)
    if not path.exists():
        text = recipes.builtin_text(name)
        if text is None:
            recipes.load_catalog().get(name)  # raises: unknown or broken
            return
        from aigc_cli.recipes.save import write_atomic

        write_atomic(path, text)
        print(f"copied built-in {name!r} to {path}", file=sys.stderr)
    _edit(path)


def _edit(path: object) -> None:
    """Run $VISUAL/$EDITOR on the file (cli/editor.py), then validate what was saved."""
    from pathlib import Path

    from aigc_cli import recipes
    from aigc_cli.cli.editor import edit
    from aigc_cli.errors import ConfigError

    p = Path(str(path))
    edit(p, f"the file is kept at {path}")
    try:
        recipes.parse_recipe(p.read_text(encoding="utf-8"), str(p), p.stem)
    except ConfigError as exc:
        raise ConfigError(exc.message, hint=f"the file is kept; fix it with `aigc recipes edit {p.stem}`") from None


@recipes_app.command("rm", help="Delete one of your recipes (a built-in it overrode comes back).")
def rm_cmd(name: Annotated[str, typer.Argument(autocompletion=complete_recipes)]) -> None:
    from aigc_cli import recipes
    from aigc_cli.errors import UsageError

    path = recipes.user_file(name)
    if not path.exists():
        if recipes.builtin_text(name) is not None:
            raise UsageError(f"{name!r} is a built-in recipe and cannot be removed")
        raise UsageError(f"no recipe of yours named {name!r}", hint="see `aigc recipes list`")
    path.unlink()
    print(f"removed {path}", file=sys.stderr)


@recipes_app.command("import", help="Import fabric pattern folders or llm YAML templates (all or nothing).")
def import_cmd(
    source: Annotated[str, typer.Argument(help="A pattern folder, a folder of patterns, or a .yaml template.")],
    name: Annotated[Optional[str], typer.Option("--name", help="Recipe name (a single import only).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace recipes (yours or built-in) with the same names.")
    ] = False,
    skip_existing: Annotated[
        bool, typer.Option("--skip-existing", help="Leave recipes with the same names alone; import the others.")
    ] = False,
) -> None:
    from aigc_cli.recipes import imports

    if name is not None and not _valid_name(name):
        from aigc_cli.errors import UsageError

        raise UsageError(f"bad recipe name {name!r}", hint="letters, digits, '-', '_' and '.', up to 64")
    try:
        report = imports.import_path(source, name=name, overwrite=force, skip_existing=skip_existing)
    except imports.ImportFailed as exc:
        if len(exc.problems) > 1:
            for problem in exc.problems:
                print(f"aigc: cannot import {problem}", file=sys.stderr)
        raise
    for path in report.saved:
        print(f"imported {path}")
    for recipe_name, notes in report.notes.items():
        for note in notes:
            print(f"aigc: {recipe_name}: {note}", file=sys.stderr)
    for skipped in report.skipped:
        print(f"aigc: skipped {skipped}: a recipe of that name exists", file=sys.stderr)
    count, warned = len(report.saved), len(report.notes)
    notes = f" ({warned} with notes above)" if warned else ""
    print(f"aigc: imported {count} recipe{'' if count == 1 else 's'}{notes}", file=sys.stderr)


def _valid_name(name: str) -> bool:
    from aigc_cli.recipes import is_name

    return is_name(name)


def _renamed(text: str, old: str, new: str) -> str:
    import re

    return re.sub(r'(?m)^name\s*=\s*".*"$', f'name = "{new}"', text, count=1)


def _toml_str(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _toml_ml(text: str) -> str:
    """Text safe inside a TOML multi-line basic string."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
