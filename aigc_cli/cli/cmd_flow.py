"""`aigc cmd`'s flow: generate the command, then show, explain, edit, copy or run it.

Split from cli/commands/cmd.py (which only declares the flags) so that registering
the command costs `aigc --help` nothing but its options: this module, and
what it imports, loads only when `aigc cmd` actually runs.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aigc_cli.cli.cmd_term import Terminal
    from aigc_cli.cli.options import Common
    from aigc_cli.shellcmd.shells import Shell

ABORTED = 130


def main(
    request: list[str] | None, *, explain: bool, yes: bool, shell_init: str | None, shell: str | None, common: "Common"
) -> None:
    """The whole command: ``--shell-init``, or generate and then explain / menu / run / print."""
    if shell_init:
        _print_init(shell_init)
        return
    from aigc_cli.shellcmd.shells import detect

    sh = detect(override=shell)
    text = _request_text(request)
    on_terminal = _terminal_available()
    command, cid = _generate(text, sh, common, spinner=on_terminal and sys.stderr.isatty())
    flow = _Flow(text, command, cid, sh, common)
    if explain:
        flow.explain_and_exit(on_terminal)
    elif on_terminal:
        flow.interactive(yes)
    elif yes:
        flow.run_unattended()
    else:
        print(command, flush=True)


def _terminal_available() -> bool:
    from aigc_cli.cli.cmd_term import Terminal

    return Terminal.available()


def _print_init(name: str) -> None:
    from aigc_cli.config import load_settings
    from aigc_cli.shellcmd.shells import init_snippet

    sys.stdout.write(init_snippet(name.lower(), load_settings().cmd.key))


def _request_text(words: list[str] | None) -> str:
    from aigc_cli import inputs
    from aigc_cli.errors import UsageError

    text = inputs.compose(" ".join(words or []), inputs.read_stdin())
    if not text.strip():
        raise UsageError("nothing to turn into a command", hint='aigc cmd "find the ten biggest files here"')
    return text


def _generate(text: str, sh: "Shell", common: "Common", *, spinner: bool) -> tuple[str, str | None]:
    """One stored turn through the ``cmd`` recipe; the bare command and its conversation id."""
    from aigc_cli.config import load_settings
    from aigc_cli.errors import UnusableAnswer
    from aigc_cli.shellcmd import task

    if spinner:
        sys.stderr.write("aigc: writing the command…")
        sys.stderr.flush()
    try:
        gen = task.generate(text, sh, os.getcwd(), common, load_settings())
    finally:
        if spinner:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
    for notice in gen.result.notices:
        print(f"aigc: {notice}", file=sys.stderr)
    gen.result.raise_error()
    if not gen.command:
        raise UnusableAnswer(
            "the model did not return a command", hint="rephrase the request, or try another model (-m)"
        )
    return gen.command, gen.result.conversation_id


class _Flow:
    """One generated command and what the user does with it."""

    def __init__(self, request: str, command: str, cid: str | None, sh: "Shell", common: "Common") -> None:
        from aigc_cli.shellcmd.safety import judge

        self.request = request
        self.command = command
        self.cid = cid
        self.shell = sh
        self.common = common
        self.verdict = judge(command, sh.name)

    def _set(self, command: str) -> None:
        from aigc_cli.shellcmd import record
        from aigc_cli.shellcmd.safety import judge

        self.command = command
        self.verdict = judge(command, self.shell.name)
        record.remember(self.cid, command, self.shell.name)

    @property
    def needs_yes(self) -> bool:
        """Destructive, or not what it looks like (control characters): `yes` typed in full."""
        return self.verdict.destructive or self.verdict.control_chars

    # ------------------------------------------------------------ modes

    def explain_and_exit(self, on_terminal: bool) -> None:
        if on_terminal:
            from aigc_cli.cli.cmd_term import Terminal

            term = Terminal()
            try:
                term.show(self.command, self.verdict)
            finally:
                term.close()
        else:
            print(self.command + "\n", flush=True)
        self._explain()

    def run_unattended(self) -> None:
        """``--yes`` with no terminal: run it only when it is known to be safe (else exit 2, nothing runs)."""
        from aigc_cli.errors import UsageError

        v = self.verdict
        if not v.runnable_unattended:
            what = "a destructive command" if v.destructive else "a command not known to be safe"
            raise UsageError(
                f"refusing to run {what} without a terminal ({'; '.join(v.reasons)}): {' '.join(v.visible.split())}",
                hint="run it on a terminal to confirm it, or pipe it yourself: aigc cmd ... | sh",
            )
        sys.exit(self._run(None))

    def interactive(self, yes: bool) -> None:
        from aigc_cli.cli.cmd_term import Terminal

        term = Terminal()
        try:
            code = self._menu(term, yes)
        finally:
            term.close()
        sys.exit(code)

    # ------------------------------------------------------------ the menu

    def _menu(self, term: "Terminal", yes: bool) -> int:
        term.show(self.command, self.verdict)
        if yes and self.verdict.known_safe:
            return self._run(term)
        if yes and self.needs_yes:
            code = self._confirmed_run(term)
            if code is not None:
                return code
        while True:
            term.menu()
            key = term.key()
            if key == "r":
                code = self._confirmed_run(term) if self.needs_yes else self._run(term)
                if code is not None:
                    return code
            elif key == "e":
                self._explain_in_menu(term)
            elif key == "m":
                edited = term.edit(self.command)
                if edited is not None and edited.strip() and edited.strip() != self.command:
                    self._set(edited.strip())
                term.show(self.command, self.verdict)
            elif key == "c":
                term.copy(self.command)
                print("aigc: copied the command to the clipboard (OSC 52); nothing ran", file=sys.stderr)
                return 0
            else:  # a, Esc, Ctrl-C
                print("aigc: aborted; nothing ran", file=sys.stderr)
                return ABORTED

    def _confirmed_run(self, term: "Terminal") -> int | None:
        """Run after `yes` typed in full; None (back to the menu) for anything else."""
        try:
            confirmed = term.confirm(self.verdict.destructive)
        except KeyboardInterrupt:
            term.say()
            print("aigc: aborted; nothing ran", file=sys.stderr)
            return ABORTED
        if confirmed:
            return self._run(term)
        term.say("  Not run.")
        return None

    def _run(self, term: "Terminal | None") -> int:
        from aigc_cli.shellcmd import record
        from aigc_cli.shellcmd.run import run

        record.remember(self.cid, self.command, self.shell.name, ran=True)
        stdin = term.tty if term is not None and term.own_stdin else None
        status = run(self.command, self.shell, stdin=stdin)
        record.remember(self.cid, self.command, self.shell.name, ran=True, exit_status=status)
        return status

    def _explain_in_menu(self, term: "Terminal") -> None:
        try:
            self._explain()
        except KeyboardInterrupt:
            term.say("\n  (explanation stopped)")
        term.show(self.command, self.verdict)

    def _explain(self) -> None:
        """The explanation as its own stored turn (recipe ``cmd-explain``), streamed as usual."""
        from aigc_cli.cli.common import run_and_show
        from aigc_cli.shellcmd import task

        run_and_show(task.explain_request(self.request, self.command, self.shell, self.common))
