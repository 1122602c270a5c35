"""`aigc chat`: the interactive chat (the loop itself is aigc_cli/chat/repl.py)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from aigc_cli.cli import options as opt
from aigc_cli.cli.complete_values import complete_recipes

if TYPE_CHECKING:
    from aigc_cli.chat.state import ChatState

RecipeName = Annotated[
    Optional[str],
    typer.Option(
        "--recipe",
        "-r",
        help="Chat through a recipe (system prompt, template, model).",
        autocompletion=complete_recipes,
    ),
]
Sets = Annotated[
    Optional[list[str]], typer.Option("--set", metavar="KEY=VALUE", help="A recipe parameter, key=value (repeatable).")
]


def register(app: typer.Typer) -> None:
    app.command(help="Chat interactively; piped stdin goes with the first message.")(chat)


def chat(
    model: opt.Model = None,
    backend: opt.BackendName = None,
    system: opt.System = None,
    recipe: RecipeName = None,
    sets: Sets = None,
    continue_last: opt.Continue = False,
    cid: opt.Cid = None,
    temperature: opt.Temperature = None,
    max_tokens: opt.MaxTokens = None,
    model_path: opt.ModelPath = None,
    no_log: opt.NoLog = False,
    kb: opt.Kb = None,
    no_memory: opt.NoMemory = False,
    tools: opt.Tools = None,
    no_tools: opt.NoTools = False,
    attach: opt.Attach = None,
    attach_original: opt.AttachOriginal = False,
    speak: Annotated[bool, typer.Option("--speak", help="Read answers aloud as they stream (/speak toggles).")] = False,
) -> int:
    from aigc_cli import inputs
    from aigc_cli.backends import choose_backend_name
    from aigc_cli.chat import repl
    from aigc_cli.chat import state as rs
    from aigc_cli.config import load_settings
    from aigc_cli.errors import UsageError
    from aigc_cli.session.choose import backend_flag

    if continue_last and cid:
        raise UsageError("use either -c (last conversation) or --cid ID, not both")
    piped = None if "-" in (attach or []) else inputs.read_stdin()  # `-a -`: stdin is an attachment
    settings = load_settings()
    backend = backend_flag(backend, model_path)
    state = rs.ChatState(
        settings=settings,
        backend_name=choose_backend_name(settings, backend),
        temperature=temperature,
        max_tokens=max_tokens,
        model_path=model_path,
        log=settings.log and not no_log,
        use_memories=not no_memory,
        speak=speak,
        pending_context=piped if piped and piped.strip() else None,
    )
    resumed = _resume(state, continue_last, cid)
    _apply_recipe(state, recipe, sets)
    _apply_flags(state, model, backend, system, temperature)
    _start_tools(state, [] if no_tools else (tools or settings.tools.default))
    if kb:
        from aigc_cli.kb.index import KnowledgeBase

        KnowledgeBase.open(kb).close()  # an unknown base is a usage error before the chat starts
        state.kb = kb
    if attach:  # loaded now, so a bad one fails before the chat starts; they go with the first message
        from aigc_cli.session.attach import load_specs

        state.attached = load_specs(
            attach, settings, original=attach_original, backend=state.backend_name, model_path=model_path
        )
    return repl.run_chat(state, resumed=resumed)


def _apply_recipe(state: "ChatState", recipe: str | None, sets: list[str] | None) -> None:
    """The recipe's setup (``--recipe``, with its ``--set`` parameters), its notices on stderr."""
    from aigc_cli.errors import UsageError

    if not recipe:
        if sets:
            raise UsageError("--set needs --recipe NAME")
        return
    from aigc_cli.chat.setup import apply_recipe, recipe_notices

    apply_recipe(state, recipe, sets)
    for notice in recipe_notices(state):
        print(f"aigc: {notice}", file=sys.stderr)


def _start_tools(state: "ChatState", names: list[str]) -> None:
    """The chat's tools (issue #21): ``-T``, else ``tools.default``; ``/tool`` toggles them later.
    An unknown name fails here, before the chat starts."""
    from aigc_cli.chat.tools import ChatTools
    from aigc_cli.cli.tools_term import terminal_hooks

    state.tools = ChatTools(hooks=terminal_hooks(), outside_next=state.pending_context is not None)
    for name in names:
        state.tools.toggle(name, state.settings)


def _resume(state: "ChatState", continue_last: bool, cid: str | None) -> bool:
    """Point the chat at a stored conversation for -c / --cid; True if it did."""
    from aigc_cli.chat import state as rs
    from aigc_cli.errors import UsageError

    if not (continue_last or cid):
        return False
    conv = rs.find_conversation(cid, last=continue_last)
    if conv is None:
        raise UsageError("there is no earlier conversation to continue", hint="start one with `aigc chat`")
    rs.adopt(state, conv)
    return True


def _apply_flags(
    state: "ChatState", model: str | None, backend: str | None, system: str | None, temperature: float | None
) -> None:
    """Flags win over a resumed conversation's and a recipe's setup."""
    if temperature is not None:
        state.temperature = temperature
    if backend:
        state.backend_name = backend
        state.model = None
    if model:
        state.model = model
    if system is not None:
        state.system = system
