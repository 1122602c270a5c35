"""`aigc cmd`: a request becomes one shell command, shown, explained and run only on `r`.

On a terminal: the command, any destructive parts with their reasons, and a
one-key menu (r run, e explain, m modify, c copy, a/Esc/Ctrl-C abort; Enter
does nothing). A destructive command, or one holding control characters
(shown made visible), needs `yes` typed in full. In a pipe it prints only
the command and never runs it, so `aigc cmd ... | sh` is the user's own
choice; `--yes` with no terminal runs only a command known to be read-only
(shellcmd.safety). Exit status: the command's when it ran, 130 when aborted,
7 when the answer holds no command.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from aigc_cli.cli import options as opt


def register(app: typer.Typer) -> None:
    app.command("cmd", help="Turn a request into a shell command; run it only when you say so.")(cmd)


def cmd(
    request: Annotated[Optional[list[str]], typer.Argument(help="What the command should do.")] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Print the command and an explanation, then exit.")
    ] = False,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            "-y",
            help="Run it without the menu if it is known to be read-only (anything else gets the menu on a terminal and is refused without one).",
        ),
    ] = False,
    shell_init: Annotated[
        Optional[str],
        typer.Option(
            "--shell-init",
            metavar="SHELL",
            help="Print the bash|zsh|fish snippet binding Alt-G (cmd.key) to this, and exit.",
        ),
    ] = None,
    shell: Annotated[
        Optional[str],
        typer.Option("--shell", metavar="NAME", help="Write the command for this shell (default: $SHELL)."),
    ] = None,
    model: opt.Model = None,
    backend: opt.BackendName = None,
    temperature: opt.Temperature = None,
    max_tokens: opt.MaxTokens = None,
    model_path: opt.ModelPath = None,
    no_log: opt.NoLog = False,
) -> None:
    from aigc_cli.cli import cmd_flow
    from aigc_cli.cli.options import Common

    common = Common(
        model=model,
        backend=backend,
        temperature=temperature,
        max_tokens=max_tokens,
        model_path=model_path,
        no_log=no_log,
    )
    cmd_flow.main(request, explain=explain, yes=yes, shell_init=shell_init, shell=shell, common=common)
