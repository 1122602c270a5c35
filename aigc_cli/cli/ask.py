"""`aigc ask`: a one-shot question; piped stdin becomes delimited context."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from aigc_cli.cli import options as opt


def register(app: typer.Typer) -> None:
    app.command(help="Ask a one-shot question; piped stdin becomes context.")(ask)


def ask(
    question: Annotated[Optional[list[str]], typer.Argument(help="The question.")] = None,
    model: opt.Model = None,
    backend: opt.BackendName = None,
    system: opt.System = None,
    temperature: opt.Temperature = None,
    max_tokens: opt.MaxTokens = None,
    no_stream: opt.NoStream = False,
    as_json: opt.Json = False,
    model_path: opt.ModelPath = None,
    continue_last: opt.Continue = False,
    cid: opt.Cid = None,
    no_log: opt.NoLog = False,
    truncate: opt.Truncate = False,
    files: Annotated[
        Optional[list[str]], typer.Option("--file", "-f", metavar="PATH", help="Add a file's text as context (repeatable).")
    ] = None,
    save: Annotated[
        Optional[str], typer.Option("--save", metavar="NAME", help="Save the system prompt and options as a recipe.")
    ] = None,
) -> None:
    from aigc_cli import inputs
    from aigc_cli.cli.common import run_and_show
    from aigc_cli.errors import UsageError
    from aigc_cli.messages import GenOptions
    from aigc_cli.session import TurnRequest

    from aigc_cli.cli.tasks import ask_recipe, join_sources, save_setup

    if save:
        save_setup(save, system=system, model=model, backend=backend, temperature=temperature, max_tokens=max_tokens)
    piped = inputs.read_stdin()
    prompt = inputs.compose(" ".join(question or []), join_sources(files or [], piped))
    if not prompt.strip():
        if save:
            return
        raise UsageError("nothing to ask", hint='aigc ask "your question"  or  echo text | aigc ask')
    prompt, recipe_system = ask_recipe(prompt)
    req = TurnRequest(
        prompt=prompt,
        system=system if system is not None else recipe_system,
        backend=backend,
        model_path=model_path,
        options=GenOptions(model=model, temperature=temperature, max_tokens=max_tokens),
        continue_last=continue_last,
        cid=cid,
        log=not no_log,
        truncate=truncate,
        stream=not no_stream,
    )
    run_and_show(req, as_json=as_json)
