"""``aigc recipes import``: fabric patterns and llm templates become recipes.

An import is all or nothing. Every item (a pattern folder, a YAML file) is
read, converted, validated and turned into TOML first; only when all of them
are good, and none would replace a recipe without ``--force``, is anything
written. So a bad file is one line naming it and its problem (exit 3), a
name clash is one line naming the recipes and the way out (exit 2), and in
both cases the recipes folder is left as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aigc_cli.recipes.fabric as fabric
import aigc_cli.recipes.llm as llm
from aigc_cli.errors import ConfigError, UsageError
from aigc_cli.recipes.load import builtin_names, parse_recipe, user_file
from aigc_cli.recipes.model import Recipe, is_name
from aigc_cli.recipes.save import dumps, write_atomic

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class Item:
    """One converted, validated recipe, ready to write."""

    source: Path
    recipe: Recipe
    text: str
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What was written, and the notes per item (what was not imported, what it needs)."""

    saved: list[Path] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def import_path(
    source: str, name: str | None = None, overwrite: bool = False, skip_existing: bool = False
) -> ImportReport:
    """Import a pattern folder, a folder of patterns/templates, or one YAML template.

    ``overwrite`` replaces recipes of the same name (the user's or built-in);
    ``skip_existing`` leaves them and imports the rest; with neither, a clash
    is a usage error and nothing is written.
    """
    path = Path(source).expanduser()
    if not path.exists():
        raise UsageError(f"no such file or folder: {source}")
    sources = find_items(path)
    if not sources:
        raise UsageError(
            f"{source} is neither a fabric pattern (a folder with system.md) nor an llm template (.yaml)",
        )
    if name is not None and len(sources) > 1:
        raise UsageError("--name works only when importing a single pattern or template")
    items = prepare(sources, name)
    skipped: list[str] = []
    if not overwrite:
        clashes = _clashes(items)
        if clashes and not skip_existing:
            _refuse(clashes, single=len(items) == 1)
        skipped = [f"{n} ({why})" for n, why in clashes.items()]
        items = [i for i in items if i.recipe.name not in clashes]
    report = _write(items)
    report.skipped = skipped
    return report


def find_items(path: Path) -> list[Path]:
    """The pattern folders and YAML files at ``path`` (one level deep)."""
    if path.is_file():
        return [path] if path.suffix in YAML_SUFFIXES else []
    if (path / "system.md").is_file():
        return [path]
    try:
        entries = sorted(path.iterdir())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the folder: {exc}") from None
    found = [p for p in entries if p.is_dir() and (p / "system.md").is_file()]
    found += [p for p in entries if p.is_file() and p.suffix in YAML_SUFFIXES]
    return [fabric.inside(p, path) for p in found]  # a link out of the folder is refused


class ImportFailed(ConfigError):
    """Some items cannot be imported (so none was): one line per bad item in ``problems``."""

    def __init__(self, problems: list[str], total: int) -> None:
        if len(problems) == 1:
            message = f"{problems[0]}; nothing was imported"
        else:
            message = f"{len(problems)} of {total} items cannot be imported (listed above); nothing was imported"
        super().__init__(message, hint="fix or remove the file, or import the good ones one by one")
        self.problems = problems


def prepare(sources: list[Path], name: str | None = None) -> list[Item]:
    """Every item converted and validated; any bad one makes the import an ImportFailed."""
    items: list[Item] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for src in sources:
        try:
            item = convert(src, name)
        except (ConfigError, UsageError) as exc:
            problems.append(exc.message)
            continue
        other = seen.setdefault(item.recipe.name, src)
        if other != src:
            problems.append(f"{other} and {src} would both become recipe {item.recipe.name!r}")
            continue
        items.append(item)
    if problems:
        raise ImportFailed(problems, len(sources))
    return items


def convert(src: Path, name: str | None = None) -> Item:
    """One pattern folder or template file as a validated recipe and its TOML."""
    fields, notes = fabric.fields(src) if src.is_dir() else llm.fields(src)
    rname = recipe_name(name or (src.name if src.is_dir() else src.stem), src)
    recipe = build(rname, src, fields)
    try:
        text = dumps(recipe)
        parse_recipe(text, str(src), rname)  # what is written must load back
    except (TypeError, ValueError, ConfigError) as exc:
        raise ConfigError(f"{src}: cannot be stored as a recipe: {exc}") from None
    return Item(src, recipe, text, notes)


def recipe_name(raw: str, src: Path) -> str:
    """A recipe name from a file or folder name (``--name`` is checked the same way)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).strip("-.")[:64]
    if not is_name(name):
        raise ConfigError(f"{src}: cannot make a recipe name from {raw!r} (use --name NAME)")
    return name


def build(name: str, src: Path, fields: dict[str, Any]) -> Recipe:
    from pydantic import ValidationError

    from aigc_cli.recipes.load import pydantic_problem

    try:
        return Recipe(name=name, **fields)
    except ValidationError as exc:
        raise ConfigError(f"{src}: not a valid recipe: {pydantic_problem(exc)}") from None


def _clashes(items: list[Item]) -> dict[str, str]:
    """The recipes the import would replace: name -> whose it is."""
    builtins = builtin_names()
    out: dict[str, str] = {}
    for item in items:
        n = item.recipe.name
        if user_file(n).exists():
            out[n] = f"yours, {user_file(n)}"
        elif n in builtins:
            out[n] = "built-in"
    return out


def _refuse(clashes: dict[str, str], single: bool) -> None:
    """A usage error naming every recipe the import would replace."""
    names = ", ".join(f"{n} ({why})" for n, why in clashes.items())
    way = (
        "--force replaces it, --name NEW imports it under another name"
        if single
        else ("--force replaces them, --skip-existing imports the others")
    )
    raise UsageError(f"the import would replace recipe {names}; nothing was imported", hint=way)


def _write(items: list[Item]) -> ImportReport:
    """Write every item; if one write fails, the files this import created are removed."""
    report = ImportReport()
    created: list[Path] = []
    try:
        for item in items:
            path = user_file(item.recipe.name)
            existed = path.exists()
            write_atomic(path, item.text)
            if not existed:
                created.append(path)
            report.saved.append(path)
            if item.notes:
                report.notes[item.recipe.name] = item.notes
    except OSError as exc:
        for path in created:
            path.unlink(missing_ok=True)
        raise ConfigError(f"cannot write recipes: {exc}; nothing new was kept") from None
    return report
