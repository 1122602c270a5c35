"""One help style for every command (issue #26, item 21), applied in one place.

typer's plain help mixes styles: options without a metavar show their type
(`<str>`, `<float range>`), required arguments show as `{key}` and optional
ones as `[TEXT]...`, and click cuts a command's summary at the first period,
so "Print one setting, e.g. ..." becomes "Print one setting, e.g.". Rather
than fix each declaration (and every future one), the click command tree is
walked once before it runs:

- an option value is an UPPER placeholder: N for whole numbers, NUMBER for
  other numbers, PATH for paths, else the option's own name (`--model MODEL`);
- an argument is its UPPER name, `...` when repeatable, in `[]` when optional;
- a command's summary in its group's list is its whole first sentence.
"""

from __future__ import annotations

import re
from types import MethodType
from typing import Any

_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)\.(?=\s|$)")


def first_sentence(text: str) -> str:
    """The first sentence of ``text``, whole (an "e.g." does not end it)."""
    para = " ".join(text.split("\n\n", 1)[0].split())
    m = _SENTENCE_END.search(para)
    return para[: m.end()] if m else para


def _option_metavar(option: Any) -> str | None:
    type_name = getattr(option.type, "name", "")
    if type_name in ("int", "int range", "integer", "integer range"):
        return "N"
    if type_name in ("float", "float range"):
        return "NUMBER"
    if type_name in ("path", "file"):
        return "PATH"
    if type_name in ("str", "text", ""):
        longest = max(option.opts, key=len)
        return longest.lstrip("-").replace("-", "_").upper()
    return None  # choices and the like keep click's own [a|b]


def _argument_name(argument: Any) -> str:
    raw = argument.metavar or argument.name or "ARG"
    return raw.removesuffix("...").strip("[]{}").removesuffix("...").upper()


def _argument_metavar(self: Any, ctx: Any, *, usage: bool = False) -> str:
    var = _argument_name(self) + ("..." if self.nargs != 1 else "")
    return f"[{var}]" if usage and not self.required else var


def _fix_param(param: Any) -> None:
    if param.param_type_name == "argument":
        param.make_metavar = MethodType(_argument_metavar, param)
    elif param.param_type_name == "option" and not param.is_flag and param.metavar is None:
        param.metavar = _option_metavar(param)


def apply(command: Any) -> Any:
    """Give ``command`` and every command under it the one style; returns it."""
    for param in command.params:
        _fix_param(param)
    for sub in getattr(command, "commands", {}).values():
        if sub.short_help is None and sub.help:
            sub.short_help = first_sentence(sub.help)
        apply(sub)
    return command
