"""What became of a generated command, kept with its turn in the history store.

The turn itself (request and answer) is stored by ``session.run_turn`` like
any other; this adds one row in ``commands`` (SQL in store/commands.py) keyed by the answer's message:
the command as finally chosen (after ``m`` edits), the shell, whether it ran
and its exit status. It is written when the command is shown, again just
before it runs and once more when it exits, so an aigc killed while the
command runs still says that it ran.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandRecord:
    """The command an `aigc cmd` turn settled on, and whether and how it ran."""

    command: str
    shell: str
    ran: bool
    exit_status: int | None

    def to_json(self) -> dict[str, object]:
        return {"command": self.command, "shell": self.shell, "ran": self.ran, "exit_status": self.exit_status}

    def to_markdown(self) -> str:
        """A section for `history show`, after the conversation's messages."""
        if not self.ran:
            outcome = "not run"
        elif self.exit_status is None:
            outcome = "run (no exit status recorded)"
        else:
            outcome = f"run, exit status {self.exit_status}"
        return f"\n## Command ({outcome})\n\n```{self.shell}\n{self.command}\n```\n"


def remember(
    conversation_id: str | None, command: str, shell: str, *, ran: bool = False, exit_status: int | None = None
) -> None:
    """Record the command of the conversation's last answer (nothing when the turn was not stored)."""
    if conversation_id is None:
        return
    from aigc_cli.store import commands
    from aigc_cli.store.db import Store

    store = Store.open(create=False)
    if store is None:
        return
    with store:
        commands.save(store, conversation_id, command, shell, ran, exit_status)


def lookup(conversation_id: str) -> CommandRecord | None:
    """The command recorded for the conversation's last answer, if any."""
    from aigc_cli.store import commands
    from aigc_cli.store.db import Store

    store = Store.open(create=False)
    if store is None:
        return None
    with store:
        row = commands.of_last_answer(store, conversation_id)
    return CommandRecord(*row) if row else None
