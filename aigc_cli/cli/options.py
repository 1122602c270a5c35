"""The options the commands share, declared once, and ``task_command``, which adds them.

Each shared option (``-m``, ``-b``, ``-s``, ``-c``, ``--cid``, ``--kb``, ``-T``,
``-a`` ...) is an ``Annotated`` alias a command names in its signature. The task
commands (ask, write, run, summarize, plan, cmd) take them all through
``task_command``, which also gives a built-in recipe one real option per
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

from aigc_cli.cli.complete_values import (
    complete_backends,
    complete_conversations,
    complete_knowledge_bases,
    complete_models,
)
from aigc_cli.session.options import TaskOptions

Model = Annotated[Optional[str], typer.Option("--model", "-m", help="Model name.", autocompletion=complete_models)]
BackendName = Annotated[
    Optional[str],
    typer.Option("--backend", "-b", help="Backend: openai, local, or a plugin's.", autocompletion=complete_backends),
]
System = Annotated[Optional[str], typer.Option("--system", "-s", help="System prompt.")]


def finite(value: Optional[float]) -> Optional[float]:
    """``-t nan`` passes click's range check (every comparison with NaN is false): refuse it here."""
    if value is not None and value != value:  # NaN is the one float unequal to itself
        raise typer.BadParameter("not a number: give a value from 0 to 2")
    return value


def not_empty(value: Optional[str]) -> Optional[str]:
    """``--cid ""`` would silently start a new conversation: an empty id is a usage error."""
    if value is not None and not value.strip():
        raise typer.BadParameter("empty conversation id; see `aigc history list`")
    return value


Temperature = Annotated[
    Optional[float],
    typer.Option("--temperature", "-t", min=0.0, max=2.0, callback=finite, help="Sampling temperature."),
]
MaxTokens = Annotated[Optional[int], typer.Option("--max-tokens", min=1, help="Longest answer, in tokens.")]
NoStream = Annotated[bool, typer.Option("--no-stream", help="Wait for the whole answer.")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object: answer, backend, model, usage.")]
ModelPath = Annotated[
    Optional[str],
    typer.Option("--model-path", help="A GGUF file for the local backend (implies -b local)."),
]
Continue = Annotated[bool, typer.Option("--continue", "-c", help="Continue the most recent conversation.")]
Cid = Annotated[
    Optional[str],
    typer.Option(
        "--cid",
        metavar="ID",
        autocompletion=complete_conversations,
        callback=not_empty,
        help="Continue this conversation (a unique id prefix is enough).",
    ),
]
NoMemory = Annotated[bool, typer.Option("--no-memory", help="Leave out what aigc remembers about you (`aigc memory`).")]
Tools = Annotated[
    Optional[list[str]],
    typer.Option(
        "--tool",
        "-T",
        metavar="NAME",
        help="Let the model call this tool: a built-in, an MCP server or server:tool (repeatable; `aigc tools list`).",
    ),
]
NoTools = Annotated[bool, typer.Option("--no-tools", help="No tools this time (not even tools.default).")]
Attach = Annotated[
    Optional[list[str]],
    typer.Option(
        "--attach",
        "-a",
        metavar="PATH|URL|-",
        help="Attach an image, PDF, web page, audio or text file ('-' reads stdin; repeatable).",
    ),
]
AttachOriginal = Annotated[
    bool, typer.Option("--attach-original", help="Send attached images as they are (not downscaled, metadata kept).")
]
NoLog = Annotated[bool, typer.Option("--no-log", help="Do not store this turn in the history.")]
Truncate = Annotated[
    bool,
    typer.Option(
        "--truncate",
        help="If the input alone is too large for the model's window, cut its middle instead of failing.",
    ),
]
Kb = Annotated[
    Optional[str],
    typer.Option(
        "--kb",
        metavar="NAME",
        autocompletion=complete_knowledge_bases,
        help="Answer from this knowledge base (aigc kb add), citing its passages.",
    ),
]


# the shared task options: python name -> (annotation, default)
_COMMON: dict[str, tuple[Any, Any]] = {
    "model": (Model, None),
    "backend": (BackendName, None),
    "system": (System, None),
    "temperature": (Temperature, None),
    "max_tokens": (MaxTokens, None),
    "continue_last": (Continue, False),
    "cid": (Cid, None),
    "no_log": (NoLog, False),
    "no_memory": (NoMemory, False),
    "truncate": (Truncate, False),
    "no_stream": (NoStream, False),
    "as_json": (Json, False),
    "model_path": (ModelPath, None),
    "kb": (Kb, None),
    "attach": (Attach, None),
    "attach_original": (AttachOriginal, False),
    "tools": (Tools, None),
    "no_tools": (NoTools, False),
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
    return Annotated[
        Optional[py_type], typer.Option(flag, help=help_text, metavar=metavar, show_default=False, **bounds)
    ]


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
        extra = {
            name: (_param_annotation(name, spec), None)
            for name, spec in (builtin_params(recipe) if recipe else {}).items()
        }
        shared = {
            k: ((_with_help(a, helps[k]) if k in (helps or {}) else a), d)
            for k, (a, d) in (_COMMON if common else {}).items()
        }
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
