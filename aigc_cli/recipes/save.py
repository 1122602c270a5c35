"""Writing user recipes: TOML a person can edit, written atomically.

Long texts (imported patterns) are written as TOML multi-line strings so
``aigc recipes edit`` shows them as paragraphs. TOML readers turn a CRLF
inside a multi-line string into LF, so the text is written that way only
when it reads back identical; otherwise as escaped one-line strings.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from aigc_cli.errors import UsageError
from aigc_cli.recipes.load import user_file
from aigc_cli.recipes.model import Recipe


def dumps(recipe: Recipe) -> str:
    """The recipe as TOML text that loads back to an equal recipe."""
    import tomli_w

    data = recipe.model_dump(exclude_none=True, exclude_defaults=True)
    data["name"] = recipe.name
    data.setdefault("prompt", recipe.prompt)
    data = {"name": data.pop("name"), **data}  # the name first, for a reader
    text = tomli_w.dumps(data, multiline_strings=True)
    if tomllib.loads(text) != data:
        text = tomli_w.dumps(data)
    return text


def write_atomic(path: Path, text: str) -> None:
    """Write all-or-nothing (fileio.atomic_write), so a crash or a full disk never
    leaves half a recipe or an empty one that then blocks re-creating it."""
    from aigc_cli.fileio import atomic_write

    atomic_write(path, text, mode=0o644)


def save_recipe(recipe: Recipe, overwrite: bool = False) -> Path:
    """Write a user recipe; refuses to clobber one unless asked."""
    path = user_file(recipe.name)
    if path.exists() and not overwrite:
        raise UsageError(f"recipe {recipe.name!r} already exists at {path}", hint="use --force to replace it")
    write_atomic(path, dumps(recipe))
    return path
