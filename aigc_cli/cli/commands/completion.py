"""`aigc completion bash|zsh|fish`: a shell completion script, and the values it completes.

The script is click's (as typer ships it): on Tab the shell runs ``aigc``
with ``_AIGC_COMPLETE=complete_SHELL`` and the words typed so far, and click
resolves which command, option or argument is being completed. Commands
and options come from the command tree itself; the values that live in the
user's data come from cli/complete_values.py's callbacks, named on each option
and argument (typer's ``autocompletion=``):

* recipe names after ``run``, ``recipes show|edit|rm|path`` and ``--recipe``;
* model names (local GGUFs too) after ``-m/--model``, ``models default|use|rm``;
* conversation ids (titles as help) after ``--cid`` and ``history show|rm|title|export``;
* knowledge bases after ``--kb`` (when the kb feature is installed);
* backend names after ``-b/--backend``.

None of that is imported unless a completion is asked for, so the normal
start of ``aigc`` pays only for registering this one small command.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

COMPLETE_VAR = "_AIGC_COMPLETE"
PROG = "aigc"
SHELLS = ("bash", "zsh", "fish")


def register(app: typer.Typer) -> None:
    app.command("completion", help="Print the shell completion script: aigc completion bash|zsh|fish.")(completion)


def completion(
    shell: Annotated[str, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")],
) -> None:
    from typer.completion import get_completion_script

    from aigc_cli.errors import UsageError

    if shell not in SHELLS:
        raise UsageError(f"no completion for {shell!r}", hint="aigc completion bash|zsh|fish")
    sys.stdout.write(get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell).strip() + "\n")


# ------------------------------------------------------------------ the hook


def install() -> None:
    """When the shell asks for completions: register typer's completion classes (bash, zsh, fish).

    The app is built with ``add_completion=False`` (``aigc completion SHELL``
    replaces typer's ``--install-completion``), so typer does not do this
    itself. The user's values come from the ``autocompletion=`` callbacks in
    cli/complete_values.py, typer's public API.
    """
    from typer.completion import completion_init

    completion_init()
