"""Entry point: builds the Typer app and turns errors into exit codes."""

from __future__ import annotations

import os
import sys

# Plain click-style help and errors: typer's rich formatting imports rich,
# markdown-it and pygments (~90 ms), half of what `aigc --help` may cost.
os.environ.setdefault("TYPER_USE_RICH", "0")

import typer  # noqa: E402

from aigc_cli import __version__


def _version(value: bool) -> None:
    if value:
        print(f"aigc {__version__}")
        raise typer.Exit()


# every command, in the order `aigc --help` lists them; each is aigc_cli/cli/commands/NAME.py
# with `register(app)`. `aigc ask ...` builds only `ask` (its module's imports and typer's
# signature walk), not the other ~20 commands: issue #26 §23, bench/RESULTS.md.
COMMANDS: list[str] = [
    "ask",
    "config",
    "history",
    "memory",
    "doctor",
    "chat",
    "write",
    "summarize",
    "plan",
    "run",
    "transcribe",
    "recipes",
    "models",
    "tokens",
    "kb",
    "batch",
    "speak",
    "image",
    "cmd",
    "completion",
    "tools",
    "mcp",
]


def build_app(only: str | None = None) -> typer.Typer:
    """The command tree; with ``only`` (a name in ``COMMANDS``) just that command under the root."""
    app = typer.Typer(
        name="aigc",
        help="A personal AI assistant for the terminal: ask, write, summarize, plan and chat.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", "-V", callback=_version, is_eager=True, help="Show the version."
        ),
    ) -> None:
        """A personal AI assistant for the terminal."""

    import importlib

    for name in [only] if only in COMMANDS else COMMANDS:
        importlib.import_module(f"aigc_cli.cli.commands.{name}").register(app)
    return app


def _command(only: str | None = None) -> typer.core.TyperGroup:
    """The app as the click command it runs as, in the one help style (cli/helpstyle.py).

    Equal to calling the app itself with pretty exceptions off, as ours are.
    """
    from typer.main import get_command

    from aigc_cli.cli.helpstyle import apply

    return apply(get_command(build_app(only)))


def _invoked() -> str | None:
    """The command on the command line, when only it needs building (not for completion)."""
    if os.environ.get("_AIGC_COMPLETE") or len(sys.argv) < 2:
        return None
    return sys.argv[1]


def _one_line(text: str) -> str:
    """Messages may quote servers or files; on stderr each must stay one line, with no escape sequence."""
    from aigc_cli.termsafe import visible

    return visible(" ".join(str(text).split()))


def _fail(message: str, hint: str | None, code: int) -> None:
    print(f"aigc: error: {_one_line(message)}", file=sys.stderr)
    if hint:
        print(f"  hint: {_one_line(hint)}", file=sys.stderr)
    sys.exit(code)


def _usage_hint(exc: Exception) -> str:
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "aigc"
    return f"see `{path} --help`"


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM/SIGHUP: unwind like Ctrl-C, so a streaming answer is stored before exiting."""
    from aigc_cli.errors import Terminated

    raise Terminated(signum)


def _catch_termination() -> None:
    """`timeout 5 aigc ask ...`, `kill`, a closed terminal: keep what arrived (exit 143/129).

    Without a handler these signals end the process at once, losing the
    partial answer that Ctrl-C keeps. ``aigc chat`` installs its own SIGHUP
    handler, to the same effect. A signal ignored by the parent (``nohup``)
    stays ignored.
    """
    import signal

    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _terminate)


def _say_terminated(signum: int) -> None:
    import signal

    try:
        print(f"\naigc: stopped by {signal.Signals(signum).name}", file=sys.stderr)
    except (OSError, ValueError):  # the terminal that closed took stderr with it
        pass


def _reader_gone() -> None:
    """The reader went away (``| head``): not our failure, so exit 0 with nothing on stderr.

    stdout is pointed at /dev/null so the interpreter's last flush cannot fail again.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.exit(0)


def _run_app() -> object:
    """The app's return value; a closed stdout (click turns EPIPE into exit 1) ends quietly.

    Classes are matched by name: typer vendors its own copy of click.
    """
    try:
        code = _command(_invoked())(standalone_mode=False)
        sys.stdout.flush()  # what is still buffered meets a closed pipe here, not at exit
    except SystemExit:
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":  # click met EPIPE while a command printed
            _reader_gone()
        raise
    except BrokenPipeError:
        _reader_gone()
    return code


def _help_if_bare(exc: Exception) -> None:
    """`aigc` alone shows the help (exit 0); a group alone (`aigc history`) shows its help, exit 2.

    click raises these as usage errors whose message is the whole help text,
    which the one-line error format would squash onto one line.
    """
    if type(exc).__name__ != "NoArgsIsHelpError":  # typer's vendored click: matched by name
        return
    ctx = getattr(exc, "ctx", None)
    top = ctx is None or ctx.parent is None
    try:
        out = sys.stdout if top else sys.stderr
        out.write(exc.format_message() + "\n")  # type: ignore[attr-defined]
        out.flush()
    except BrokenPipeError:
        _reader_gone()
    sys.exit(0 if top else 2)


def main() -> None:
    """Run the CLI: one line on stderr and a documented exit code for every failure."""
    from aigc_cli.errors import EXIT_INTERRUPTED, AigcError, ReaderGone, Terminated

    _catch_termination()
    from aigc_cli.notices import to_stderr

    to_stderr()  # the core's notices (aigc_cli/notices.py) as `aigc: ...` lines
    debug = os.environ.get("AIGC_DEBUG") == "1"
    if os.environ.get("_AIGC_COMPLETE"):  # the shell asks for completions (see cli/commands/completion.py)
        from aigc_cli.cli.commands.completion import install

        install()
    try:
        from aigc_cli.cli.argcheck import check_argv

        check_argv(sys.argv[1:])  # bytes that are not UTF-8: one usage line, not a crash later
        # typer returns the exit code (130 for Ctrl-C) instead of raising Exit
        code = _run_app()
        if isinstance(code, int) and code:
            if code == EXIT_INTERRUPTED:
                print("\naigc: interrupted", file=sys.stderr)
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        print("\naigc: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except typer.TyperException as exc:  # click's usage and parameter errors (public base class)
        _help_if_bare(exc)
        if getattr(exc, "exit_code", 1) == 2:
            _fail(exc.format_message(), _usage_hint(exc), 2)  # type: ignore[attr-defined]
        exc.show()  # type: ignore[attr-defined]
        sys.exit(getattr(exc, "exit_code", 1))
    except Terminated as exc:
        _say_terminated(exc.signum)
        sys.exit(exc.code)
    except AigcError as exc:
        if debug:
            raise
        _fail(exc.message, exc.hint, exc.exit_code)
    except (BrokenPipeError, ReaderGone):
        _reader_gone()
    except Exception as exc:  # noqa: BLE001 - last line of defence
        if debug:
            raise
        _fail(f"unexpected {type(exc).__name__}: {exc}", "rerun with AIGC_DEBUG=1 for details", 1)
