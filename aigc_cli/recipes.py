"""Recipes: prompt templates with typed parameters, one TOML file each.

A recipe is validated with pydantic when it is loaded, and every problem
(bad TOML, unknown field, wrong type, a variable the template uses but does
not declare) is reported naming the file, without stopping the other recipes
from loading. Built-ins ship inside the package (``aigc_cli/prompts``); a
user recipe of the same name, in ``paths.recipes_dir()``, overrides one.

Templates use ``{{name}}`` for a value and ``{{#name}}...{{/name}}`` /
``{{^name}}...{{/name}}`` for text kept only when a value is set / unset;
``\\{{`` is a literal ``{{`` (``literal()`` escapes user text saved as a recipe).
Substitution happens once, on the template text only: values (user input
above all) are inserted as they are and never scanned again, so ``{{x}}``,
``$x`` or ``%s`` inside them reach the model verbatim.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aigc_cli import paths
from aigc_cli.errors import ConfigError, UsageError

INPUT = "input"  # the one variable every recipe has: the user's text
NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
# a backslash before "{{" makes it literal text: ``\{{x}}`` renders as ``{{x}}``
_SECTION = re.compile(r"(?<!\\)\{\{([#^])\s*(\w+)\s*\}\}(.*?)(?<!\\)\{\{/\s*\2\s*\}\}", re.S)
_VAR = re.compile(r"\\(\{\{)|\{\{\s*(\w+)\s*\}\}")
_TAG = re.compile(r"(?<!\\)\{\{\s*([#^/]?)\s*(\w+)\s*\}\}")
ParamValue = str | int | bool


class Param(BaseModel):
    """One typed parameter: its type, default, help text and (for choice) choices."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["string", "int", "bool", "choice"] = "string"
    default: ParamValue | None = None
    help: str = ""
    choices: list[str] | None = None

    @model_validator(mode="after")
    def _check(self) -> "Param":
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice parameter needs a non-empty `choices` list")
        if self.type != "choice" and self.choices is not None:
            raise ValueError("`choices` is only for type = \"choice\"")
        if self.default is not None:
            self.default = coerce(self, self.default, "default")
        return self


class Recipe(BaseModel):
    """A prompt template with typed parameters and optional generation settings."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_RE)
    description: str = ""
    system: str | None = None
    prompt: str = "{{input}}"
    params: dict[str, Param] = Field(default_factory=dict)
    model: str | None = None
    backend: str | None = None
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1)
    json_schema: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _check_template(self) -> "Recipe":
        for pname in self.params:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", pname) or pname == INPUT:
                raise ValueError(f"bad parameter name {pname!r} (letters, digits, _; not 'input')")
        for label, text in (("system", self.system or ""), ("prompt", self.prompt)):
            check_template(text, set(self.params) | {INPUT}, label)
        return self

    def defaults(self) -> dict[str, ParamValue | None]:
        return {k: p.default for k, p in self.params.items()}


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


# ------------------------------------------------------------------ templates


def check_template(text: str, known: set[str], label: str) -> None:
    """Raise ValueError for an undeclared variable or an unbalanced section."""
    open_sections: list[str] = []
    for m in _TAG.finditer(text):
        kind, name = m.group(1), m.group(2)
        if name not in known:
            raise ValueError(f"{label} uses {{{{{name}}}}} but there is no parameter {name!r}")
        if kind in ("#", "^"):
            open_sections.append(name)
        elif kind == "/":
            if not open_sections or open_sections.pop() != name:
                raise ValueError(f"{label}: {{{{/{name}}}}} closes a section that is not open")
    if open_sections:
        raise ValueError(f"{label}: section {{{{#{open_sections[-1]}}}}} is never closed")


def literal(text: str) -> str:
    """User text made safe to store as a template: every ``{{`` stays literal."""
    return text.replace("{{", "\\{{")


def template_variables(text: str) -> list[str]:
    """Names a template refers to, in order of first use."""
    return list(dict.fromkeys(m.group(2) for m in _TAG.finditer(text)))


def uses_input(recipe: Recipe) -> bool:
    return any(m.group(2) == INPUT for m in _TAG.finditer((recipe.system or "") + recipe.prompt))


def _truthy(value: Any) -> bool:
    return value not in (None, "", 0, False)


def render_text(template: str, values: Mapping[str, Any]) -> str:
    """Expand sections, then substitute every ``{{var}}`` in one pass.

    Sections are resolved on template text before any value is inserted, and
    ``re.sub`` never rescans what it inserted, so values are never interpreted.
    """
    prev = None
    while prev != template:
        prev = template
        template = _SECTION.sub(
            lambda m: m.group(3) if _truthy(values.get(m.group(2))) == (m.group(1) == "#") else "",
            template,
        )

    def value(m: re.Match[str]) -> str:
        if m.group(1):
            return m.group(1)  # an escaped, literal "{{"
        v = values.get(m.group(2))
        if isinstance(v, bool):
            return "yes" if v else "no"
        return "" if v is None else str(v)

    return _VAR.sub(value, template)


LANG_PARAMS = {"lang", "to"}
LANGUAGES = {
    "zh": "Chinese (中文)", "zh-cn": "Simplified Chinese (简体中文)", "zh-tw": "Traditional Chinese (繁體中文)",
    "en": "English", "ja": "Japanese (日本語)", "ko": "Korean (한국어)", "fr": "French (français)",
    "de": "German (Deutsch)", "es": "Spanish (español)", "ru": "Russian (русский)", "pt": "Portuguese",
    "it": "Italian", "ar": "Arabic", "hi": "Hindi", "vi": "Vietnamese", "th": "Thai",
}


def language_label(value: Any) -> Any:
    """``zh`` -> ``Chinese (中文)``: small models follow a name better than a code."""
    if isinstance(value, str):
        return LANGUAGES.get(value.strip().lower(), value)
    return value


@dataclass
class Rendered:
    """What a recipe turns into for one request."""

    system: str | None
    prompt: str


def render(recipe: Recipe, values: Mapping[str, Any], user_input: str = "") -> Rendered:
    """Fill the recipe with checked parameter values and the user's text.

    A template that never mentions ``{{input}}`` still gets the user's text,
    appended as delimited content, so no input is ever silently dropped.
    """
    merged: dict[str, Any] = {**recipe.defaults(), **values, INPUT: user_input}
    for key in LANG_PARAMS & merged.keys():
        merged[key] = language_label(merged[key])
    # the template's own surrounding whitespace goes; the user's text is kept as it is
    system = render_text(recipe.system.strip(), merged) if recipe.system else None
    prompt = render_text(recipe.prompt.strip(), merged)
    if user_input.strip() and not uses_input(recipe):
        from aigc_cli.inputs import compose

        prompt = compose(prompt, user_input)
    return Rendered(system=system or None, prompt=prompt)


# --------------------------------------------------------------- parameters


def coerce(param: Param, raw: Any, key: str) -> ParamValue:
    """A value of the parameter's type, from TOML data or command-line text."""
    if param.type == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "yes", "1", "on"):
            return True
        if text in ("false", "no", "0", "off"):
            return False
        raise ValueError(f"{key} must be true or false, not {raw!r}")
    if param.type == "int":
        if isinstance(raw, bool):
            raise ValueError(f"{key} must be a whole number, not {raw!r}")
        try:
            return int(str(raw).strip())
        except ValueError:
            raise ValueError(f"{key} must be a whole number, not {raw!r}") from None
    if isinstance(raw, bool | int | float) and not isinstance(raw, str):
        raw = str(raw).lower() if isinstance(raw, bool) else str(raw)
    if param.type == "choice" and raw not in (param.choices or []):
        raise ValueError(f"{key} must be one of {', '.join(param.choices or [])}, not {raw!r}")
    return str(raw)


def describe_params(recipe: Recipe) -> str:
    """One line per parameter, for error hints and `recipes show`."""
    if not recipe.params:
        return f"recipe {recipe.name!r} has no parameters"
    lines = []
    for name, p in recipe.params.items():
        kind = "|".join(p.choices or []) if p.type == "choice" else p.type
        default = "" if p.default is None else f" (default {p.default!r})"
        lines.append(f"{name}: {kind}{default}{' - ' + p.help if p.help else ''}")
    return "parameters: " + "; ".join(lines)


def check_values(recipe: Recipe, values: Mapping[str, Any]) -> dict[str, ParamValue]:
    """Type-check user-given values; unknown or ill-typed keys are usage errors."""
    out: dict[str, ParamValue] = {}
    for key, raw in values.items():
        param = recipe.params.get(key)
        if param is None:
            raise UsageError(f"recipe {recipe.name!r} has no parameter {key!r}", hint=describe_params(recipe))
        try:
            out[key] = coerce(param, raw, key)
        except ValueError as exc:
            raise UsageError(f"recipe {recipe.name!r}: {exc}", hint=describe_params(recipe)) from None
    return out


def parse_sets(items: list[str] | None) -> dict[str, str]:
    """``key=value`` pairs from ``--set``; a malformed one is a usage error."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set needs key=value, got {item!r}")
        out[key.strip().replace("-", "_")] = value
    return out


# ------------------------------------------------------------------- loading


def _pydantic_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    return f"{where}: {msg}" if where else msg


def parse_recipe(text: str, where: str, stem: str) -> Recipe:
    """A validated recipe from TOML text; any problem is a ConfigError naming ``where``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"recipe {where}: invalid TOML: {exc}") from None
    data.setdefault("name", stem)
    if data["name"] != stem:
        raise ConfigError(f"recipe {where}: name {data['name']!r} does not match the file name {stem!r}")
    try:
        return Recipe.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"recipe {where}: {_pydantic_problem(exc)}") from None


def _builtin_files() -> Iterator[tuple[str, str]]:
    from importlib.resources import files

    folder = files("aigc_cli") / "prompts"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            yield entry.name[: -len(".toml")], entry.read_text(encoding="utf-8")


def user_file(name: str) -> Path:
    """The file of the user's recipe ``name``; a name that is not a plain name
    (``../config``) is refused, so no command can touch a file outside the folder."""
    if not re.fullmatch(NAME_RE, name):
        raise UsageError(f"bad recipe name {name!r}", hint="letters, digits, '-', '_' and '.', up to 64")
    return paths.recipes_dir() / f"{name}.toml"


def builtin_text(name: str) -> str | None:
    """The TOML text of a built-in recipe, or None."""
    return dict(_builtin_files()).get(name)


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
        except (ConfigError, OSError, UnicodeDecodeError) as exc:
            cat.problems[stem] = getattr(exc, "message", None) or f"recipe {path}: cannot read: {exc}"
            cat.recipes.pop(stem, None)
            continue
        cat.recipes[stem] = LoadedRecipe(recipe, str(path), path, overrides_builtin=builtin)
    return cat


def get_recipe(name: str) -> Recipe:
    """The effective recipe called ``name`` (the user's if it overrides a built-in)."""
    return load_catalog().get(name).recipe


def save_recipe(recipe: Recipe, overwrite: bool = False) -> Path:
    """Write a user recipe as TOML (atomically); refuses to clobber unless asked."""
    from aigc_cli.config import write_toml

    path = user_file(recipe.name)
    if path.exists() and not overwrite:
        raise UsageError(f"recipe {recipe.name!r} already exists at {path}", hint="use --force to replace it")
    data = recipe.model_dump(exclude_none=True, exclude_defaults=True)
    data["name"] = recipe.name
    data.setdefault("prompt", recipe.prompt)
    write_toml(path, data)
    return path
