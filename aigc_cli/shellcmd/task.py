"""`aigc cmd`'s turns: the request becomes a command, the command an explanation.

Both are recipes (aigc_cli/prompts/cmd.toml and cmd-explain.toml), run as
stored turns through ``session.tasks`` like every task, so a user can
override the prompts and every flag (-m, -b, --no-log...) means what it
means elsewhere. This module gathers what the prompts need (shell, OS,
current folder) and turns the command turn's answer into the bare command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aigc_cli.shellcmd.shells import Shell, os_name

if TYPE_CHECKING:
    from aigc_cli.config import Settings
    from aigc_cli.session.options import TaskOptions
    from aigc_cli.session.request import TurnRequest, TurnResult

COMMAND_RECIPE = "cmd"
EXPLAIN_RECIPE = "cmd-explain"


@dataclass
class Generated:
    """The command turn: the bare command ("" when the turn stopped early) and the turn itself."""

    command: str
    result: "TurnResult"


def command_values(shell: Shell, cwd: str) -> dict[str, str]:
    """The ``cmd`` recipe's parameters: which shell and OS to write for, and where."""
    return {"shell": shell.name, "os": os_name(), "cwd": cwd}


def generate(request: str, shell: Shell, cwd: str, opts: "TaskOptions", settings: "Settings") -> Generated:
    """Ask for one command and reduce the answer to it; its record starts as "not run".

    A turn stopped early (Ctrl-C, a backend error) comes back with an empty
    command and ``result.error`` set, for the caller to show and re-raise.
    """
    from aigc_cli import recipes
    from aigc_cli.session.tasks import run_recipe
    from aigc_cli.shellcmd import record
    from aigc_cli.shellcmd.extract import extract_command

    recipe = recipes.get_recipe(COMMAND_RECIPE)
    result = run_recipe(recipe, command_values(shell, cwd), request, opts, settings)
    if result.error is not None:
        return Generated("", result)
    command = extract_command(result.answer.text, shell.name)
    if command:
        record.remember(result.conversation_id, command, shell.name)
    return Generated(command, result)


def explain_request(request: str, command: str, shell: Shell, opts: "TaskOptions") -> "TurnRequest":
    """The explanation turn (its own conversation, so the command's keeps its recipe)."""
    from aigc_cli import recipes
    from aigc_cli.session.tasks import render, task_request

    recipe = recipes.get_recipe(EXPLAIN_RECIPE)
    values = {"shell": shell.name, "os": os_name()}
    return task_request(recipe, render(recipe, values, explain_input(request, command, shell)), opts)


def explain_input(request: str, command: str, shell: Shell) -> str:
    """The explain turn's input: the request (so the answer uses its language), then the command.

    Shaped like a composed prompt (delimited context, then the instruction),
    so the history titles the turn by the instruction: "Explain ... ls -la".
    """
    head = f"<request>\n{request.strip()}\n</request>\n\n"
    if "\n" in command:
        return head + f"Explain this {shell.name} script:\n```{shell.name}\n{command}\n```"
    return head + f"Explain this {shell.name} command: {command}"
