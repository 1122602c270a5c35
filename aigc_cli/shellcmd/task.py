"""What the model is told: the values the ``cmd`` and ``cmd-explain`` recipes are filled with.

The prompts themselves are recipes (aigc_cli/prompts/cmd.toml and
cmd-explain.toml), so a user can override them like any task; this module
only gathers the facts they need: the shell, the OS and the current folder.
"""

from __future__ import annotations

from aigc_cli.shellcmd.shells import Shell, os_name

COMMAND_RECIPE = "cmd"
EXPLAIN_RECIPE = "cmd-explain"


def command_values(shell: Shell, cwd: str) -> dict[str, str]:
    """The ``cmd`` recipe's parameters: which shell and OS to write for, and where."""
    return {"shell": shell.name, "os": os_name(), "cwd": cwd}


def explain_values(shell: Shell) -> dict[str, str]:
    return {"shell": shell.name, "os": os_name()}


def explain_input(request: str, command: str, shell: Shell) -> str:
    """The explain turn's input: the request (so the answer uses its language), then the command.

    Shaped like a composed prompt (delimited context, then the instruction),
    so the history titles the turn by the instruction: "Explain ... ls -la".
    """
    head = f"<request>\n{request.strip()}\n</request>\n\n"
    if "\n" in command:
        return head + f"Explain this {shell.name} script:\n```{shell.name}\n{command}\n```"
    return head + f"Explain this {shell.name} command: {command}"
