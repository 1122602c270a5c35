"""Typer options generated from a built-in recipe's params, plus the shared ones.

The task commands (write, summarize, plan) get one real option per recipe
parameter, with its help text, so `aigc write --help` documents `--tone`.
Building them must stay cheap because it runs for every `aigc` start: the
built-in TOML is read with tomllib (cached), never validated with pydantic
here; validation happens when the command actually runs.
"""

from __future__ import annotations

import inspect
import tomllib
import typing
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Annotated, Any, Optional

import typer

from aigc_cli.cli import options as opt
from aigc_cli.session.options import TaskOptions

# the shared task options: python name -> (annotation, default)
_COMMON: dict[str, tuple[Any, Any]] = {
    "model": (opt.Model, None),
    "backend": (opt.BackendName, None),
    "system": (opt.System, None),
    "temperature": (opt.Temperature, None),
    "max_tokens": (opt.MaxTokens, None),
    "continue_last": (opt.Continue, False),
    "cid": (opt.Cid, None),
    "no_log": (opt.NoLog, False),
    "no_memory": (opt.NoMemory, False),
    "truncate": (opt.Truncate, False),
    "no_stream": (opt.NoStream, False),
    "as_json": (opt.Json, False),
    "model_path": (opt.ModelPath, None),
    "kb": (opt.Kb, None),
    "attach": (opt.Attach, None),
    "attach_original": (opt.AttachOriginal, False),
    "tools": (opt.Tools, None),
    "no_tools": (opt.NoTools, False),
}


# the shared options as one value (session/options.py: the core owns their meaning)
Common = TaskOptions


@lru_cache(maxsize=16)
def builtin_params(name: str) -> dict[str, dict[str, Any]]:
    """The raw ``[params]`` table of a built-in recipe (tomllib only, cached)."""
    from importlib.resources import files

    text = (files("aigc_cli") / "prompts" / f"{name}.toml").read_text(encoding="utf-8")
    params = tomllib.loads(text).get("params", {})
    return params if isinstance(params, dict) else {}


def _param_annotation(name: str, spec: dict[str, Any]) -> Any:
    flag = "--" + name.replace("_", "-")
    kind = spec.get("type", "string")
    help_text = str(spec.get("help", ""))
    if kind == "choice":
        help_text += f" [{'|'.join(map(str, spec.get('choices', [])))}]"
    default = spec.get("default")
    if default not in (None, "", False) and kind != "bool":
        help_text += f" [default: {default}]"
    if kind == "bool":
        return Annotated[Optional[bool], typer.Option(f"{flag}/--no-{flag[2:]}", help=help_text, show_default=False)]
    py_type = int if kind == "int" else str
    metavar = "N" if kind == "int" else ("CHOICE" if kind == "choice" else "TEXT")
    bounds = {k: spec[k] for k in ("min", "max") if kind == "int" and k in spec}  # checked at parse time
    return Annotated[Optional[py_type], typer.Option(flag, help=help_text, metavar=metavar, show_default=False, **bounds)]


def _with_help(annotation: Any, help_text: str) -> Any:
    """A shared option's annotation with this command's own help text."""
    import copy

    info = copy.copy(annotation.__metadata__[0])
    info.help = help_text
    return Annotated[annotation.__origin__, info]


def task_command(
    recipe: str | None, common: bool = True, helps: dict[str, str] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give ``func`` the shared options and one option per param of ``recipe``.

    ``helps`` replaces a shared option's help where it means something else
    here (``plan --json`` prints the plan, not ask's answer object).

    ``func`` declares its own arguments/options as usual plus ``common: Common``
    and ``params: dict``; the wrapper collects the generated options into those.
    Only options the user actually gave end up in ``params`` (None = not given),
    so the recipe in effect (maybe the user's override) supplies the defaults.
    """

    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        hints = typing.get_type_hints(func, include_extras=True)
        own = [
            inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default, annotation=hints[p.name])
            for p in inspect.signature(func).parameters.values()
            if p.name not in ("common", "params")
        ]
        extra = {name: (_param_annotation(name, spec), None) for name, spec in (builtin_params(recipe) if recipe else {}).items()}
        shared = {k: ((_with_help(a, helps[k]) if k in (helps or {}) else a), d)
                  for k, (a, d) in (_COMMON if common else {}).items()}
        generated = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)
            for name, (ann, default) in {**extra, **shared}.items()
        ]

        @wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            params = {k: kwargs.pop(k) for k in extra}
            shared_values = Common(**{k: kwargs.pop(k) for k in shared})
            if shared and not shared_values.no_tools:  # tools ask their questions on this terminal
                from aigc_cli.cli.tools_term import terminal_hooks

                shared_values.tool_hooks = terminal_hooks()
            return func(common=shared_values, params={k: v for k, v in params.items() if v is not None}, **kwargs)

        params_all = own + generated
        wrapper.__signature__ = inspect.Signature(params_all)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params_all}
        del wrapper.__wrapped__  # typer must see the generated signature, not func's
        return wrapper

    return deco
