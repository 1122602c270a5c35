"""Which commands are destructive, and why: rules over the parsed simple commands.

A destructive command is one whose damage a second look would have
prevented: recursive or forced deletes, raw writes to disks, recursive
permission changes on broad paths, anything under ``sudo``, redirections over
an existing file, a downloaded script piped into a shell, history-rewriting git,
``DROP``/``TRUNCATE`` fed to a SQL client, killing every process, fork bombs.
The rules read the commands ``parse`` found (wrappers like ``sudo``, ``env``,
``xargs``, ``find -exec`` and ``sh -c '...'`` are looked through), so quoting
or chaining cannot hide one. Paths are judged against the current directory:
``> notes.txt`` only counts when ``notes.txt`` exists there.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from aigc_cli.shellcmd import hidden, rules, wrappers
from aigc_cli.shellcmd.parse import Script, Simple, parse


@dataclass(frozen=True)
class Finding:
    """One reason a command is destructive, and the part of the script it is about."""

    reason: str
    text: str
    span: tuple[int, int] | None = None


@dataclass
class _Context:
    script: str
    shell: str
    cwd: Path
    home: Path
    depth: int = 0
    assignments: dict[str, str] | None = None  # NAME=value set in the script, for ``$NAME`` as a program


def classify(script: str, shell: str = "bash", cwd: str | Path | None = None) -> list[Finding]:
    """Every reason ``script`` is destructive (empty: it is not), each reason once."""
    ctx = _Context(script, shell, Path(cwd or os.getcwd()), Path.home())
    found = _classify(ctx)
    seen: set[str] = set()
    unique = []
    for f in found:
        if f.reason not in seen:
            seen.add(f.reason)
            unique.append(f)
    return unique


def _classify(ctx: _Context) -> list[Finding]:
    parsed = parse(ctx.script, ctx.shell)
    ctx.assignments = {**(ctx.assignments or {}), **parsed.assignments}
    out: list[Finding] = []
    for cmd in parsed.commands:
        out.extend(_command(cmd, ctx))
    out.extend(_pipelines(parsed, ctx))
    out.extend(_script_level(parsed, ctx))
    return out


def _finding(reason: str, cmd: Simple, ctx: _Context) -> Finding:
    if cmd.span is not None:
        text = ctx.script[cmd.span[0] : cmd.span[1]]
    else:
        text = " ".join(cmd.argv)
    return Finding(reason, " ".join(text.split()), cmd.span)


def _command(cmd: Simple, ctx: _Context, via: str | None = None) -> list[Finding]:
    """The findings for one simple command, looking through wrappers like ``sudo``."""
    out = [_finding(reason, cmd, ctx) for reason in _redirects(cmd, ctx)]
    argv = cmd.argv
    while argv:
        if any(c in argv[0] for c in "$`"):  # `$RM -rf`, `${RM:-rm} -rf`, `$(echo rm) -rf`
            named = hidden.resolve_name(argv[0], ctx.assignments or {})
            if named is None:
                out.append(_finding(f"runs a program named by a variable or substitution ({argv[0]})", cmd, ctx))
                return out
            argv = [named, *argv[1:]]
        name = _name(argv[0])
        if name in rules.ROOT:
            out.append(_finding(f"runs as root ({name})", cmd, ctx))
        inner, via_now = wrappers.unwrap(name, argv)
        if inner is None:
            break
        via = via_now or via
        argv = inner
    if not argv:
        return out
    name = _name(argv[0])
    if name in rules.SHELLS and ctx.depth < 3:
        out.extend(_nested_shell(argv, cmd, ctx))
    for reason in rules.check(name, argv[1:], via, _Paths(ctx)) + hidden.check(name, argv[1:], _Paths(ctx)):
        out.append(_finding(reason, cmd, ctx))
    if name == "find":
        for inner in wrappers.find_exec(argv[1:]):
            out.extend(_command(Simple(inner, span=cmd.span), ctx, via="find"))
    return out


def _nested_shell(argv: list[str], cmd: Simple, ctx: _Context) -> list[Finding]:
    """``sh -c 'rm -rf x'`` and ``eval '...'``: classify the string they run."""
    code = wrappers.shell_code(_name(argv[0]), argv[1:])
    if code is None:
        return []
    if "$(" in code or "`" in code or hidden.resolve_name(code.strip(), {}) is None and code.strip().startswith("$"):
        return [_finding(f'runs code built while it runs ({_name(argv[0])} "$(…)")', cmd, ctx)]
    inner = _Context(code, ctx.shell if _name(argv[0]) == "eval" else _name(argv[0]), ctx.cwd, ctx.home, ctx.depth + 1)
    return [Finding(f.reason, _finding("", cmd, ctx).text, cmd.span) for f in _classify(inner)]


def _redirects(cmd: Simple, ctx: _Context) -> list[str]:
    out = []
    for op, target in cmd.redirects:
        if op not in (">", ">|", "&>", ">&", "1>", "2>"):
            continue  # >> appends, < reads
        path = _Paths(ctx)
        if path.is_device(target):
            out.append(f"writes raw data to the device {target}")
        elif path.existing_file(target):
            out.append(f"overwrites the existing file {target}")
    return out


def _pipelines(parsed: Script, ctx: _Context) -> list[Finding]:
    """``curl ... | sh``: a downloaded script run by an interpreter."""
    out = []
    for stages in parsed.pipelines:
        names = [_effective_name(s.argv) for s in stages]
        for i, name in enumerate(names):
            if name in rules.DOWNLOADERS and any(n in rules.INTERPRETERS for n in names[i + 1 :]):
                target = stages[-1]
                span = (stages[0].span[0], target.span[1]) if stages[0].span and target.span else None
                text = ctx.script[span[0] : span[1]] if span else " | ".join(" ".join(s.argv) for s in stages)
                out.append(Finding("runs a script downloaded from the network", " ".join(text.split()), span))
                break
    out.extend(_piped_code(parsed, ctx))
    for cmd in parsed.commands:  # bash <(curl ...), sh -c "$(wget -O- ...)"
        if _effective_name(cmd.argv) in rules.INTERPRETERS and any(
            _effective_name(s.argv) in rules.DOWNLOADERS for s in cmd.substituted
        ):
            out.append(_finding("runs a script downloaded from the network", cmd, ctx))
    return out


def _piped_code(parsed: Script, ctx: _Context) -> list[Finding]:
    """``echo ... | base64 -d | sh``: whatever an interpreter reads from a pipe runs, seen or not.

    When the first stage is ``echo``/``printf`` of plain words, what they
    print is classified too, so ``echo rm -rf x | sh`` also says why.
    """
    out = []
    for stages in parsed.pipelines:
        for stage in stages[1:]:
            argv = _effective_argv(stage.argv)
            if argv and hidden.reads_code_from_stdin(_name(argv[0]), argv[1:]):
                out.append(_finding(f"runs code piped into an interpreter ({_name(argv[0])})", stage, ctx))
                first = stages[0].argv
                if first[:1] in (["echo"], ["printf"]) and ctx.depth < 3:
                    inner = _Context(" ".join(first[1:]), ctx.shell, ctx.cwd, ctx.home, ctx.depth + 1)
                    out.extend(Finding(f.reason, _finding("", stage, ctx).text, stage.span) for f in _classify(inner))
                break
    return out


def _downloaded_then_run(parsed: Script, ctx: _Context) -> list[Finding]:
    """``curl -o x.sh URL && sh x.sh``: a file just downloaded, then run."""
    fetched: set[str] = set()
    for cmd in parsed.commands:
        argv = _effective_argv(cmd.argv)
        if argv and _name(argv[0]) in rules.DOWNLOADERS:
            fetched |= hidden.download_targets(argv, cmd.redirects)
    out = []
    for cmd in parsed.commands if fetched else []:
        argv = _effective_argv(cmd.argv)
        words = {w.removeprefix("./") for w in argv[1:]} if argv and _name(argv[0]) in rules.INTERPRETERS else set()
        if argv and (argv[0].removeprefix("./") in fetched or words & fetched):
            out.append(_finding("runs a script downloaded from the network", cmd, ctx))
    return out


def _script_level(parsed: Script, ctx: _Context) -> list[Finding]:
    """Rules about the script as a whole: SQL fed to a client, fork bombs, downloads run."""
    out = _downloaded_then_run(parsed, ctx)
    names = {_effective_name(c.argv) for c in parsed.commands}
    sql_clients = names & rules.SQL_CLIENTS
    if sql_clients:
        text = "\n".join([ctx.script, *parsed.heredocs])
        reason = rules.sql_danger(text, sql_clients)
        if reason:
            client = next(c for c in parsed.commands if _effective_name(c.argv) in sql_clients)
            out.append(_finding(reason, client, ctx))
    for name, body in parsed.functions.items():
        if any(_effective_name(c.argv) == name for c in body):
            out.append(Finding("a function that calls itself (a fork bomb)", f"{name}() {{ … }}", None))
    if not parsed.functions and _FORK_BOMB.search(ctx.script):
        out.append(Finding("a function that calls itself (a fork bomb)", _FORK_BOMB.search(ctx.script).group(0), None))  # type: ignore[union-attr]
    return out


# `:(){ :|:& };:` and `bomb() { bomb | bomb & }` in a syntax the parser did not take
_FORK_BOMB = re.compile(r"([\w:.-]+)\s*\(\)\s*\{[^}]*?\1\s*\|\s*\1")


def _name(word: str) -> str:
    return word.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()


def _effective_argv(argv: list[str]) -> list[str]:
    """The command actually run, with its arguments, once wrappers are looked through."""
    while argv:
        inner, _ = wrappers.unwrap(_name(argv[0]), argv)
        if inner is None:
            return argv
        argv = inner
    return []


def _effective_name(argv: list[str]) -> str:
    """The command actually run once wrappers are looked through (``sudo bash`` -> ``bash``)."""
    while argv:
        inner, _ = wrappers.unwrap(_name(argv[0]), argv)
        if inner is None:
            return _name(argv[0])
        argv = inner
    return ""


class _Paths:
    """Path questions the rules ask, answered against the current directory and home."""

    def __init__(self, ctx: _Context) -> None:
        self.cwd = ctx.cwd
        self.home = ctx.home

    def resolve(self, word: str) -> Path:
        word = re.sub(r"^(\$HOME|\$\{HOME\})(?=/|$)", str(self.home), word)
        return (self.cwd / os.path.expanduser(word)).resolve(strict=False)

    def is_device(self, word: str) -> bool:
        return bool(rules.DISK_DEVICE.match(word))

    def existing_file(self, word: str) -> bool:
        if word.startswith("/dev/") or any(ch in word for ch in "$`*?"):
            return False
        try:
            return self.resolve(word).is_file()
        except (OSError, ValueError):
            return False

    def broad(self, word: str) -> bool:
        """``/``, a top-level folder (``/etc``), the home folder or one above it."""
        try:
            path = self.resolve(word.rstrip("*") or ".")
        except (OSError, ValueError):
            return False
        if len(path.parts) <= 2:
            return True
        return path == self.home or path in self.home.parents
