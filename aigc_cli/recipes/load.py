"""Loading recipes: built-ins from the package, the user's folder on top.

Every problem (bad TOML, unknown field, wrong type, a malformed template, a
variable the template uses but does not declare) becomes one line naming the
file, and never stops the other recipes from loading. A user recipe with a
built-in's name overrides the built-in.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from aigc_cli import paths
from aigc_cli.errors import ConfigError, UsageError
from aigc_cli.recipes.model import Recipe, check_name, is_name


@dataclass
class LoadedRecipe:
    """A recipe plus where it came from (``built-in`` or a file path)."""

    recipe: Recipe
    source: str
    path: Path | None = None
    overrides_builtin: bool = False

    @property
    def name(self) -> str:
        return self.recipe.name


@dataclass
class Catalog:
    """Every recipe that loaded, and a one-line problem for each that did not."""

    recipes: dict[str, LoadedRecipe] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> LoadedRecipe:
        if name in self.recipes:
            return self.recipes[name]
        if name in self.problems:
            raise ConfigError(self.problems[name], hint="fix the file, or `aigc recipes rm` it")
        known = ", ".join(sorted(self.recipes)) or "none"
        raise UsageError(f"no recipe named {name!r}", hint=f"known recipes: {known}")


def pydantic_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    msg = msg.replace("\r", "\\r").replace("\n", "\\n")  # a value quoted in it must not break the line
    return f"{where}: {msg}" if where else msg


def parse_recipe(text: str, where: str, stem: str) -> Recipe:
    """A validated recipe from TOML text; any problem is a ConfigError naming ``where``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"recipe {where}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"recipe {where}: invalid TOML: nested too deeply") from None
    data.setdefault("name", stem)
    if data["name"] != stem:
        raise ConfigError(f"recipe {where}: name {data['name']!r} does not match the file name {stem!r}")
    try:
        return Recipe.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"recipe {where}: {pydantic_problem(exc)}") from None


def _builtin_files() -> Iterator[tuple[str, str]]:
    from importlib.resources import files

    folder = files("aigc_cli") / "prompts"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            yield entry.name[: -len(".toml")], entry.read_text(encoding="utf-8")


def builtin_names() -> set[str]:
    """The names of the recipes shipped with aigc (the tasks among them)."""
    return {stem for stem, _ in _builtin_files()}


def builtin_text(name: str) -> str | None:
    """The TOML text of a built-in recipe, or None."""
    return dict(_builtin_files()).get(name)


def user_file(name: str) -> Path:
    """The file of the user's recipe ``name``; a name that is not a plain name
    (``../config``) is refused, so no command can touch a file outside the folder."""
    return paths.recipes_dir() / f"{check_name(name)}.toml"


def load_catalog() -> Catalog:
    """Built-ins, then the user's folder on top; broken files become problems."""
    cat = Catalog()
    for stem, text in _builtin_files():
        try:
            cat.recipes[stem] = LoadedRecipe(parse_recipe(text, f"built-in {stem}", stem), "built-in")
        except ConfigError as exc:  # a packaging bug, but never fatal for the others
            cat.problems[stem] = exc.message
    folder = paths.recipes_dir()
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        stem = path.stem
        builtin = stem in cat.recipes
        try:
            recipe = parse_recipe(path.read_text(encoding="utf-8"), str(path), stem)
        except ConfigError as exc:
            cat.problems[stem] = exc.message
            cat.recipes.pop(stem, None)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            cat.problems[stem] = f"recipe {path}: cannot read: {exc}"
            cat.recipes.pop(stem, None)
            continue
        cat.recipes[stem] = LoadedRecipe(recipe, str(path), path, overrides_builtin=builtin)
    return cat


def get_recipe(name: str) -> Recipe:
    """The effective recipe called ``name`` (the user's if it overrides a built-in).

    Reads only that recipe's file: a folder of hundreds of imported patterns
    must not slow down every `aigc write`. Unknown names go through the
    catalog, for the list of known ones.
    """
    path = user_file(name) if is_name(name) else None
    try:
        if path is not None and path.is_file():
            return parse_recipe(path.read_text(encoding="utf-8"), str(path), name)
        text = builtin_text(name)
        if text is not None:
            return parse_recipe(text, f"built-in {name}", name)
    except ConfigError as exc:
        raise ConfigError(exc.message, hint="fix the file, or `aigc recipes rm` it") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"recipe {path}: cannot read: {exc}", hint="fix the file, or `aigc recipes rm` it") from None
    return load_catalog().get(name).recipe
