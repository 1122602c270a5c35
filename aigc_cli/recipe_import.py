"""Importing prompts people already have: fabric patterns and llm YAML templates.

* A fabric pattern is a folder with ``system.md`` (the instructions), an
  optional ``user.md``, and ``{{input}}`` / ``{{variable}}`` placeholders,
  the same ``{{name}}`` syntax aigc recipes use.
* An llm template is a YAML file with ``system``, ``prompt``, ``model``,
  ``defaults`` and ``options``, and ``$input`` / ``$name`` / ``${name}``
  placeholders (Python ``string.Template``), converted to ``{{name}}``.

Each imported prompt becomes an ordinary recipe file, validated before it is
written; a bad item is reported and skipped, the others are still imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aigc_cli.errors import ConfigError, UsageError
from aigc_cli.recipes import INPUT, NAME_RE, Param, Recipe, save_recipe, template_variables

_DOLLAR = re.compile(r"\$(?:(\$)|([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})")
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class ImportReport:
    """Files written and one line per item that could not be imported."""

    saved: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def import_path(source: str, name: str | None = None, overwrite: bool = False) -> ImportReport:
    """Import a pattern folder, a folder of patterns/templates, or one YAML template."""
    path = Path(source).expanduser()
    if not path.exists():
        raise UsageError(f"no such file or folder: {source}")
    items = _items(path)
    if not items:
        raise UsageError(
            f"{source} is neither a fabric pattern (a folder with system.md) nor an llm template (.yaml)",
        )
    if name is not None and len(items) > 1:
        raise UsageError("--name works only when importing a single pattern or template")
    report = ImportReport()
    for item in items:
        try:
            recipe = from_fabric(item, name) if item.is_dir() else from_llm_yaml(item, name)
            report.saved.append(save_recipe(recipe, overwrite=overwrite))
        except (ConfigError, UsageError) as exc:
            report.problems.append(f"{item}: {exc.message}")
    return report


def _items(path: Path) -> list[Path]:
    if path.is_file():
        return [path] if path.suffix in YAML_SUFFIXES else []
    if (path / "system.md").is_file():
        return [path]
    found = [p for p in sorted(path.iterdir()) if p.is_dir() and (p / "system.md").is_file()]
    found += [p for p in sorted(path.iterdir()) if p.is_file() and p.suffix in YAML_SUFFIXES]
    return found


def _recipe_name(raw: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).strip("-.")[:64]
    if not re.fullmatch(NAME_RE, name):
        raise ConfigError(f"cannot make a recipe name from {raw!r}", hint="use --name")
    return name


def _build(name: str, where: str, **fields: Any) -> Recipe:
    """Declare every placeholder the texts use as a string parameter, then validate."""
    texts = (fields.get("system") or "") + fields.get("prompt", "")
    defaults = fields.pop("defaults", {}) or {}
    params = {
        var: Param(default=str(defaults[var]) if var in defaults else "", help=f"imported variable {var}")
        for var in template_variables(texts)
        if var != INPUT
    }
    try:
        return Recipe(name=name, params=params, **fields)
    except ValueError as exc:
        raise ConfigError(f"{where}: not a valid recipe: {str(exc).splitlines()[-1].strip()}") from None


# ------------------------------------------------------------------- fabric


def from_fabric(folder: Path, name: str | None = None) -> Recipe:
    """A fabric pattern folder as a recipe: system.md is the system prompt."""
    system = _read(folder / "system.md")
    user_file = folder / "user.md"
    user = _read(user_file).strip() if user_file.is_file() else ""
    if INPUT_TAG.search(system) or INPUT_TAG.search(user):
        prompt = user or "Follow the instructions above."
    else:
        prompt = f"{user}\n\n{{{{input}}}}" if user else "{{input}}"
    return _build(_recipe_name(name or folder.name), str(folder), description=f"imported from fabric pattern {folder.name}", system=system.strip(), prompt=prompt)


INPUT_TAG = re.compile(r"\{\{\s*input\s*\}\}")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


# ---------------------------------------------------------------------- llm


def dollar_to_braces(text: str) -> str:
    """llm's ``$name`` / ``${name}`` placeholders as ``{{name}}``; ``$$`` is a literal ``$``."""
    return _DOLLAR.sub(lambda m: "$" if m.group(1) else f"{{{{{m.group(2) or m.group(3)}}}}}", text)


def from_llm_yaml(path: Path, name: str | None = None) -> Recipe:
    """An llm template (YAML) as a recipe, keeping its model, defaults and temperature."""
    import yaml

    try:
        data = yaml.safe_load(_read(path))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {str(exc).splitlines()[0]}") from None
    if isinstance(data, str):
        data = {"prompt": data}
    if not isinstance(data, dict) or not (data.get("prompt") or data.get("system")):
        raise ConfigError(f"{path}: an llm template needs a `prompt` or a `system`")
    options = data.get("options") or {}
    fields: dict[str, Any] = {
        "description": f"imported from llm template {path.name}",
        "system": dollar_to_braces(str(data["system"])) if data.get("system") else None,
        "prompt": dollar_to_braces(str(data.get("prompt") or "{{input}}")),
        "model": data.get("model"),
        "temperature": options.get("temperature") if isinstance(options, dict) else None,
        "defaults": data.get("defaults"),
    }
    if isinstance(data.get("schema_object"), dict):
        fields["json_schema"] = data["schema_object"]
    return _build(_recipe_name(name or path.stem), str(path), **fields)
