"""The terminal side of `aigc cmd`: showing the command, reading one key, `yes`, editing, copying.

Keys are read from the terminal itself (``/dev/tty`` when stdin is a pipe,
since piped stdin was the request's context), one at a time in raw mode:
``r`` ``e`` ``m`` ``c`` ``a``, Esc and Ctrl-C; Enter and anything else do
nothing, so a stray Enter can never run a command. ``yes`` for a destructive
command is read as a whole line, in the terminal's normal mode.
"""

from __future__ import annotations

import base64
import os
import select
import sys
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from aigc_cli.shellcmd.classify import Finding
    from aigc_cli.shellcmd.safety import Judgement

ESC = "esc"
CTRL_C = "ctrl-c"
_MENU_KEYS = {"r", "e", "m", "c", "a"}


def _style(code: str, text: str) -> str:
    return text if os.environ.get("NO_COLOR") else f"\x1b[{code}m{text}\x1b[0m"


class Terminal:
    """The terminal `aigc cmd` talks to: stdout for showing, the tty for keys."""

    def __init__(self) -> None:
        if sys.stdin is not None and sys.stdin.isatty():
            self.tty: IO[bytes] = os.fdopen(os.dup(sys.stdin.fileno()), "rb", buffering=0)
            self.own_stdin = False
        else:
            self.tty = open("/dev/tty", "rb", buffering=0)  # noqa: SIM115 - closed in close()
            self.own_stdin = True
        self.fd = self.tty.fileno()
        self.out = sys.stdout

    @staticmethod
    def available() -> bool:
        """True when stdout is a terminal and there is a terminal to read keys from.

        Without termios (Windows) there is no raw key reading: `aigc cmd`
        then behaves as in a pipe and prints the command.
        """
        try:
            import termios  # noqa: F401
        except ImportError:
            return False
        try:
            if not sys.stdout.isatty():
                return False
            if sys.stdin is not None and sys.stdin.isatty():
                return True
            os.close(os.open("/dev/tty", os.O_RDONLY))
            return True
        except (OSError, ValueError, AttributeError):
            return False

    def close(self) -> None:
        self.tty.close()

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    # ------------------------------------------------------------ showing

    def show(self, command: str, verdict: "Judgement") -> None:
        """The command (its destructive parts in red) and, for each finding, its reason.

        A command holding control or invisible characters is shown with them
        made visible (``␛``, ``␍``, ``<U+202E>``): what is shown is what runs.
        One neither known to be safe nor destructive says so.
        """
        from aigc_cli.termsafe import visible

        findings = verdict.findings
        self.say()
        shown = verdict.visible if verdict.control_chars else _highlight(command, findings)
        for line in shown.split("\n"):
            self.say("  " + (_style("1", line) if verdict.control_chars else line))
        self.say()
        whole = " ".join(command.split())
        for f in findings:  # the part it is about, unless that is the whole command
            part = f"  ({visible(f.text, strict=True)})" if f.text and f.text != whole else ""
            self.say(_style("1;31", "  ! destructive: ") + visible(f.reason, strict=True) + part)
        if verdict.control_chars:
            self.say(_style("1;31", "  ! hidden characters: ") + "control or invisible characters, shown as ␛ ␍ <U+…>")
        elif not findings and not verdict.known_safe:
            self.say(_style("1;33", "  ? not known to be safe: ") + visible("; ".join(verdict.reasons), strict=True))
        if findings or not verdict.known_safe:
            self.say()

    def menu(self) -> None:
        keys = [("r", "run"), ("e", "explain"), ("m", "modify"), ("c", "copy"), ("a", "abort")]
        self.out.write("  " + "   ".join(f"{_style('1', k)} {label}" for k, label in keys) + "  ")
        self.out.flush()

    # ------------------------------------------------------------ reading

    def key(self) -> str:
        """The next menu key (``r``, ``e``, ``m``, ``c``, ``a``, ``esc``, ``ctrl-c``); others are skipped."""
        import termios
        import tty

        old = termios.tcgetattr(self.fd)
        try:
            tty.setraw(self.fd)
            while True:
                data = os.read(self.fd, 1)
                if not data or data == b"\x04":
                    return CTRL_C  # the terminal went away or Ctrl-D: nothing runs
                if data == b"\x03":
                    return CTRL_C
                if data == b"\x1b":
                    if select.select([self.fd], [], [], 0.05)[0]:
                        os.read(self.fd, 64)  # an arrow or function key's sequence: not Esc
                        continue
                    return ESC
                char = data.decode("ascii", "ignore").lower()
                if char in _MENU_KEYS:
                    return char
        finally:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, old)
            self.say()

    def confirm(self, destructive: bool = True) -> bool:
        """Ask for ``yes`` typed in full (Ctrl-C raises KeyboardInterrupt)."""
        what = "This command is destructive." if destructive else "This command holds hidden characters."
        self.out.write(_style("1;31", f"  {what}") + " Type yes to run it: ")
        self.out.flush()
        line = os.read(self.fd, 1024)
        if not line:
            return False
        return line.decode("utf-8", "replace").strip() == "yes"

    def edit(self, command: str) -> str | None:
        """The command edited in place (prefilled); None when the edit was cancelled."""
        from prompt_toolkit import PromptSession
        from prompt_toolkit.input import create_input
        from prompt_toolkit.output import create_output

        multiline = "\n" in command
        hint = "Alt-Enter or Esc Enter accepts" if multiline else "Enter accepts"
        self.say(_style("2", f"  edit the command ({hint}, Ctrl-C cancels)"))
        tty_text = os.fdopen(os.dup(self.fd), "r", encoding="utf-8", errors="replace")
        try:
            session: PromptSession[str] = PromptSession(
                input=create_input(stdin=tty_text), output=create_output(stdout=self.out)
            )
            return session.prompt("> ", default=command, multiline=multiline)
        except (KeyboardInterrupt, EOFError):
            return None
        finally:
            tty_text.close()

    def copy(self, text: str) -> None:
        """Put ``text`` on the terminal's clipboard with OSC 52 (tmux passes it through when wrapped)."""
        payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
        seq = f"\x1b]52;c;{payload}\x07"
        if os.environ.get("TMUX"):
            seq = "\x1bPtmux;" + seq.replace("\x1b", "\x1b\x1b") + "\x1b\\"
        self.out.write(seq)
        self.out.flush()


def _highlight(command: str, findings: list["Finding"]) -> str:
    """The command in bold, with the spans the findings point at in red."""
    spans = sorted({f.span for f in findings if f.span is not None})
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(_style("1", command[pos:start]) if command[pos:start] else "")
        out.append(_style("1;31", command[start:end]))
        pos = end
    out.append(_style("1", command[pos:]) if command[pos:] else "")
    # styles end at each line break, so that every shown line is styled on its own
    return "".join(out).replace("\n", "\x1b[0m\n\x1b[1m") if not os.environ.get("NO_COLOR") else "".join(out)
