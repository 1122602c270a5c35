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
) -> None:
    from aigc_cli import inputs, session
    from aigc_cli.cli.common import deliver, gen_options, settings_and_backend
    from aigc_cli.errors import UsageError

    piped = inputs.read_stdin()
    prompt = inputs.compose(" ".join(question or []), piped)
    if not prompt.strip():
        raise UsageError("nothing to ask", hint='aigc ask "your question"  or  echo text | aigc ask')
    settings, be = settings_and_backend(backend, model_path)
    options = gen_options(model, temperature, max_tokens, settings, be)
    messages = session.build_messages(system, [], prompt)
    deliver(be, messages, options, as_json=as_json, stream=not no_stream)
