"""`aigc ask`: a one-shot question; piped stdin and --file text become delimited context."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from aigc_cli.cli.options import Common, task_command


def register(app: typer.Typer) -> None:
    app.command(help="Ask a one-shot question; piped stdin becomes context.")(ask)


@task_command("ask")
def ask(
    question: Annotated[Optional[list[str]], typer.Argument(help="The question.")] = None,
    files: Annotated[
        Optional[list[str]],
        typer.Option("--file", "-f", metavar="PATH", help="Add a file's text as context (repeatable)."),
    ] = None,
    save: Annotated[
        Optional[str], typer.Option("--save", metavar="NAME", help="Save the system prompt and options as a recipe.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="With --save: replace a recipe of yours with that name.")
    ] = False,
    speak: Annotated[
        bool, typer.Option("--speak", help="Read the answer aloud as it streams (see `aigc speak`).")
    ] = False,
    *,
    common: Common,
    params: dict[str, Any],
) -> None:
    import sys

    from aigc_cli import inputs
    from aigc_cli.cli.common import show_turn
    from aigc_cli.errors import UsageError
    from aigc_cli.session.tasks import run_ask, save_setup

    if save:
        path = save_setup(save, origin="aigc ask", system=common.system, model=common.model, backend=common.backend,
                          temperature=common.temperature, max_tokens=common.max_tokens, overwrite=force)  # fmt: skip
        print(f"aigc: saved recipe {save!r} ({path}); run it with `aigc run {save} ...`", file=sys.stderr)
    piped = None if common.stdin_attached else inputs.read_stdin()  # `-a -`: stdin is an attachment
    common.outside_input = bool(files or piped)  # tools: text the user did not type (tools/policy.py)
    prompt = inputs.compose(" ".join(question or []), inputs.join_sources(files or [], piped))
    if not prompt.strip() and not common.attach:
        if save:
            return
        raise UsageError("nothing to ask", hint='aigc ask "your question"  or  echo text | aigc ask')
    words = " ".join(question or []).strip() or None
    show_turn(lambda s, sink: run_ask(prompt, common, s, sink, kb_query=words), as_json=common.as_json, speak=speak)
