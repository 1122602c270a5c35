"""The recipe data model: ``Recipe`` and its typed ``Param``s, validated by pydantic.

Validation parses both templates (``template.parse``), so a recipe that
loaded is one that renders: every tag is well formed, every section closed,
every name declared.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

import aigc_cli.recipes.template as template
from aigc_cli import names

INPUT = "input"  # the one variable every recipe has: the user's text
# completion templates only: true when the input is mostly Chinese. A base model
# is not told a task, so a translation page must label its languages itself.
INPUT_ZH = "input_zh"
NAME_RE = f"^{names.NAME_RE}$"  # recipes become NAME.toml: the one plain-name rule (aigc_cli/names.py)


def is_name(name: str) -> bool:
    """A plain recipe name (it becomes ``NAME.toml`` in the recipes folder, never a path)."""
    return names.is_plain(name)


def check_name(name: str) -> str:
    """``name`` if it is a plain recipe name, else the one UsageError every command gives."""
    return names.check(name, "recipe")


ParamValue = str | int | bool
# what a parameter with no value (no --set, no default) does where it is used:
#   empty - renders as nothing (and a section on it is skipped): the default;
#   keep  - the tag stays as written, e.g. Nuclei's {{Hostname}} in an imported pattern;
#   warn  - as keep, and the user is told on stderr how to set it;
#   error - the recipe refuses to run without it (exit 2).
Unset = Literal["empty", "keep", "warn", "error"]


UNSET_NOTE = {"keep": " (sent as written unless set)", "warn": " (needed)", "error": " (required)"}


class Param(BaseModel):
    """One typed parameter: its type, default, help text and (for choice) choices."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["string", "int", "bool", "choice"] = "string"
    default: ParamValue | None = None
    help: str = ""
    choices: list[str] | None = None
    unset: Unset = "empty"
    # int only: the range a value must fall in, so `--bullets -1` is refused at
    # parse time instead of sending "use exactly -1 bullet points"
    min: int | None = None
    max: int | None = None

    @model_validator(mode="after")
    def _check(self) -> Param:
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice parameter needs a non-empty `choices` list")
        if self.type != "choice" and self.choices is not None:
            raise ValueError('`choices` is only for type = "choice"')
        if self.type != "int" and (self.min is not None or self.max is not None):
            raise ValueError('`min` and `max` are only for type = "int"')
        if self.default is not None:
            self.default = coerce(self, self.default, "default")
        return self


class Completion(BaseModel):
    """The recipe framed for a base model (``Backend.prompt_style == "completion"``):
    a text the model continues (same template syntax as ``prompt``), where it stops,
    and how long it may run. A base model echoes instructions; it continues documents."""

    model_config = ConfigDict(extra="forbid")

    prompt: str
    stop: list[str] = Field(default_factory=list)
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)  # a small base model rambles when hot


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
    completion: Completion | None = None  # base models (docs/ARCHITECTURE.md, "Base models")

    @model_validator(mode="after")
    def _check_template(self) -> Recipe:
        for pname in self.params:
            if not re.fullmatch(template.NAME, pname) or pname == INPUT:
                raise ValueError(f"bad parameter name {pname!r} (letters, digits, _; not 'input')")
        known = set(self.params) | {INPUT}
        for label, text in (("system", self.system or ""), ("prompt", self.prompt)):
            check_template(text, known, label)
        if self.completion:
            check_template(self.completion.prompt, known | {INPUT_ZH}, "completion.prompt")
        return self

    def defaults(self) -> dict[str, ParamValue | None]:
        return {k: p.default for k, p in self.params.items()}


def check_template(text: str, known: set[str], label: str) -> None:
    """Raise ValueError for a malformed template or an undeclared name."""
    try:
        used = template.variables(text)
    except template.TemplateError as exc:
        raise ValueError(f"{label}: {exc}") from None
    for name in used:
        if name not in known:
            raise ValueError(f"{label} uses {{{{{name}}}}} but there is no parameter {name!r}")


def uses_input(recipe: Recipe) -> bool:
    """Whether either template mentions ``{{input}}`` (else the input is appended)."""
    return INPUT in template.variables(recipe.system or "") or INPUT in template.variables(recipe.prompt)


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
            value = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"{key} must be a whole number, not {raw!r}") from None
        return _in_range(param, value, key)
    if isinstance(raw, bool | int | float) and not isinstance(raw, str):
        raw = str(raw).lower() if isinstance(raw, bool) else str(raw)
    if param.type == "choice" and raw not in (param.choices or []):
        raise ValueError(f"{key} must be one of {', '.join(param.choices or [])}, not {raw!r}")
    return str(raw)


def _in_range(param: Param, value: int, key: str) -> int:
    low, high = param.min, param.max
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"{low if low is not None else ''}..{high if high is not None else ''}"
        raise ValueError(f"{key} must be in the range {span}, not {value}")
    return value


def describe_params(recipe: Recipe) -> str:
    """One line per parameter, for error hints and `recipes show`."""
    if not recipe.params:
        return f"recipe {recipe.name!r} has no parameters"
    lines = []
    for name, p in recipe.params.items():
        kind = "|".join(p.choices or []) if p.type == "choice" else p.type
        default = "" if p.default is None else f" (default {p.default!r})"
        default = default or UNSET_NOTE.get(p.unset, "")
        lines.append(f"{name}: {kind}{default}{' - ' + p.help if p.help else ''}")
    return "parameters: " + "; ".join(lines)
