"""Filling a recipe for one request: checked values in, system and prompt out.

The user's values are type-checked against the recipe's parameters
(``check_values``), merged over the defaults, and rendered once by the
template engine; a parameter with no value follows its ``unset`` rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aigc_cli.recipes.template as template
from aigc_cli.errors import UsageError
from aigc_cli.recipes.model import (
    INPUT,
    INPUT_ZH,
    ParamValue,
    Recipe,
    coerce,
    describe_params,
    uses_input,
)

LANG_PARAMS = {"lang", "to"}
LANGUAGES = {
    "zh": "Chinese (中文)",
    "zh-cn": "Simplified Chinese (简体中文)",
    "zh-tw": "Traditional Chinese (繁體中文)",
    "en": "English",
    "ja": "Japanese (日本語)",
    "ko": "Korean (한국어)",
    "fr": "French (français)",
    "de": "German (Deutsch)",
    "es": "Spanish (español)",
    "ru": "Russian (русский)",
    "pt": "Portuguese",
    "it": "Italian",
    "ar": "Arabic",
    "hi": "Hindi",
    "vi": "Vietnamese",
    "th": "Thai",
}


@dataclass
class Rendered:
    """What a recipe turns into for one request, and warnings for stderr."""

    system: str | None
    prompt: str
    notices: list[str] = field(default_factory=list)


def language_label(value: Any) -> Any:
    """``zh`` -> ``Chinese (中文)``: small models follow a name better than a code."""
    if isinstance(value, str):
        return LANGUAGES.get(value.strip().lower(), value)
    return value


def _unset_rules(recipe: Recipe, merged: Mapping[str, Any]) -> tuple[set[str], list[str]]:
    """Names to keep as written, and the notices for parameters left without a value."""
    keep: set[str] = set()
    notices: list[str] = []
    missing_required: list[str] = []
    for name, p in recipe.params.items():
        if merged.get(name) is not None or p.unset == "empty":
            continue
        if p.unset == "error":
            missing_required.append(name)
            continue
        keep.add(name)
        if p.unset == "warn":
            notices.append(
                f"warning: recipe {recipe.name!r} uses {{{{{name}}}}} but it has no value, so it is sent "
                f"as written; set it with --set {name}=…"
            )
    if missing_required:
        sets = " ".join(f"--set {n}=…" for n in missing_required)
        raise UsageError(f"recipe {recipe.name!r} needs a value for {', '.join(missing_required)}", hint=sets)
    return keep, notices


def render(recipe: Recipe, values: Mapping[str, Any], user_input: str = "") -> Rendered:
    """Fill the recipe with checked parameter values and the user's text.

    A template that never mentions ``{{input}}`` still gets the user's text,
    appended as delimited content, so no input is ever silently dropped.
    """
    merged: dict[str, Any] = {**recipe.defaults(), **values, INPUT: user_input}
    for key in LANG_PARAMS & merged.keys():
        merged[key] = language_label(merged[key])
    keep, notices = _unset_rules(recipe, merged)
    # the template's own surrounding whitespace goes; the user's text is kept as it is
    system = template.render(recipe.system.strip(), merged, keep) if recipe.system else None
    prompt = template.render(recipe.prompt.strip(), merged, keep)
    if user_input.strip() and not uses_input(recipe):
        from aigc_cli.inputs import compose

        prompt = compose(prompt, user_input)
    return Rendered(system=system or None, prompt=prompt, notices=notices)


def render_completion(recipe: Recipe, values: Mapping[str, Any], user_input: str = "") -> str | None:
    """The recipe's completion text for ``user_input``, or None if it has none.

    Unlike ``prompt`` its trailing whitespace is kept: where the template ends is
    where the model starts writing (``Subject: ...\n\nHi team,\n\n``)."""
    if recipe.completion is None:
        return None
    merged: dict[str, Any] = {
        **recipe.defaults(),
        **values,
        INPUT: user_input.strip(),
        INPUT_ZH: mostly_chinese(user_input),
    }
    for key in LANG_PARAMS & merged.keys():
        merged[key] = language_label(merged[key])
    keep, _ = _unset_rules(recipe, merged)
    return template.render(recipe.completion.prompt.lstrip(), merged, keep)


def mostly_chinese(text: str) -> bool:
    """Whether Han characters outnumber Latin letters (each Han character says about a word)."""
    han = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return han > 0 and han * 4 >= latin


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
