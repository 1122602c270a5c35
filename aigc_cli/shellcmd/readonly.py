"""The one table of programs known to be read-only, and how each may be used read-only.

`aigc cmd --yes` with no terminal runs a command only when every program in
it is here and used in a read-only way (``shellcmd.safety`` walks the
command; this module only answers for one program and its arguments). A
program not in the table is "not known to be safe", whatever it does: the
table is a list of what is known harmless, never a list of what is harmful.

Each entry names the options that would make the program write, run
something or change the system (GNU accepts any unambiguous abbreviation
of a long option, so ``--out`` counts as ``--output``), and optionally a
custom check. ``any_args`` marks programs no argument can turn into a
writer or a runner: only those may take arguments that are not known when
the command is read (``$VAR``, ``*.txt``, ``$(...)``, or what ``xargs``
appends), since a file named ``-delete`` or a variable holding ``-o x``
would otherwise change what they do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from aigc_cli.shellcmd.rules import operands

Check = Callable[[list[str]], "str | None"]


@dataclass(frozen=True)
class Program:
    """How one program may be used read-only."""

    refuse: frozenset[str] = field(default_factory=frozenset)  # e.g. {"-o", "--output"}
    max_operands: int | None = None  # e.g. uniq IN [OUT]: OUT would be written
    check: Check | None = None  # a custom rule: the reason it is not read-only, or None
    any_args: bool = False  # no argument can make it write or run anything
    literal_first: bool = False  # ... once its first argument is known (printf: `-v NAME` sets a variable)


def _p(
    *refuse: str,
    max_operands: int | None = None,
    check: Check | None = None,
    any_args: bool = False,
    literal_first: bool = False,
) -> Program:
    return Program(frozenset(refuse), max_operands, check, any_args, literal_first)


def _no_operands(args: list[str]) -> str | None:
    return "with an operand changes something" if operands(args) else None


def _find(args: list[str]) -> str | None:
    """find's actions that delete, run, or write to a file."""
    bad = {"-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprint0", "-fprintf", "-fls"}
    hit = next((a for a in args if a in bad), None)
    return f"find {hit} deletes, runs or writes" if hit else None


# system(), any pipe (`print | cmd`, `cmd | getline`, `|&`), print/printf into a file, gawk's @-calls
_AWK_RUNS = re.compile(r"\bsystem\s*\(|\||\bprint[f]?\b[^;{}]*>|@")


def _awk(args: list[str]) -> str | None:
    """awk is a language: its program may run commands (``system()``, ``| "sh"``) or write files."""
    program = None
    i = 0
    while i < len(args):
        word = args[i]
        if word in ("-f", "--file", "-i", "--include", "-l", "--load", "-E", "--exec") or word.startswith(
            ("-f", "--fi", "--inc", "--lo", "--exe")
        ):
            return f"awk {word} loads a program from a file"
        if word in ("-v", "-F", "--assign", "--field-separator"):
            i += 2
            continue
        if word.startswith("-") and word != "-":
            i += 1
            continue
        program = word
        break
    if program is None:
        return "awk without a program"
    # every word, not only the first program: gawk takes several `-e PROGRAM`
    return "its awk program runs commands or writes files" if any(_AWK_RUNS.search(a) for a in args) else None


_GIT_READ = {
    "status",
    "log",
    "diff",
    "show",
    "blame",
    "shortlog",
    "describe",
    "rev-parse",
    "rev-list",
    "ls-files",
    "ls-tree",
    "cat-file",
    "grep",
    "whatchanged",
    "show-ref",
    "merge-base",
    "name-rev",
    "count-objects",
    "version",
}
_GIT_CONFIG_READ = {
    "-l",
    "--list",
    "--get",
    "--get-all",
    "--get-regexp",
    "--global",
    "--system",
    "--local",
    "--show-origin",
    "--show-scope",
    "--name-only",
    "-z",
    "--null",
    "--bool",
    "--int",
    "--path",
    "--includes",
    "--no-includes",
}
_GIT_LIST_ONLY = {
    "-a",
    "--all",
    "-r",
    "--remotes",
    "-v",
    "-vv",
    "--verbose",
    "--list",
    "-l",
    "--show-current",
    "--no-color",
    "--color",
    "--column",
    "--no-column",
    "-q",
    "--quiet",
}


def _git(args: list[str]) -> str | None:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        word = args[i]
        if word == "-C":
            i += 2
            continue
        if (
            word in ("--no-pager", "--no-optional-locks", "-P", "--paginate", "-p", "--bare")
            or word.startswith("--git-dir=")
            or word.startswith("--work-tree=")
        ):
            i += 1
            continue
        return f"git {word} can change what git runs"  # -c core.pager=..., --exec-path, ...
    if i >= len(args):
        return None
    sub, rest = args[i], args[i + 1 :]
    for word in rest:
        if _abbrev_of(
            word,
            ("--output", "--ext-diff", "--textconv", "--filters", "--exec", "--upload-pack", "--open-files-in-pager"),
        ):
            return f"git {sub} {word} writes a file or runs a program"
        if sub == "grep" and (word == "-O" or word.startswith("-O")):
            return "git grep -O runs a program"
    if sub in _GIT_READ:
        return None
    if sub in ("branch", "tag", "remote", "stash", "config", "reflog", "worktree"):
        return _git_listing(sub, rest)
    return f"git {sub} is not known to be read-only"


def _git_listing(sub: str, rest: list[str]) -> str | None:
    """``git branch``/``tag``/``remote``/``stash``/``config``/``reflog``/``worktree``: only their listing forms."""
    ok = (
        (
            sub in ("branch", "tag")
            and (
                all(
                    w in _GIT_LIST_ONLY
                    or w.startswith(("--sort=", "--format=", "--contains", "--merged", "--points-at"))
                    for w in rest
                    if w.startswith("-")
                )
                and (not operands(rest) or {"-l", "--list"} & set(rest))
            )
        )
        or (
            sub == "remote"
            and all(w in ("-v", "--verbose", "show", "get-url") or not w.startswith("-") for w in rest)
            and rest[:1] in ([], ["-v"], ["--verbose"], ["show"], ["get-url"])
        )
        or (sub == "stash" and rest[:1] in (["list"], ["show"]))
        or (
            sub == "config"
            and bool({"-l", "--list", "--get", "--get-all", "--get-regexp"} & set(rest))
            and all(w in _GIT_CONFIG_READ or w.startswith("--type=") for w in rest if w.startswith("-"))
        )
        or (sub == "reflog" and rest[:1] in ([], ["show"]) and not _abbrev_in(rest, ("--expire", "--delete")))
        or (sub == "worktree" and rest[:1] == ["list"])
    )
    return None if ok else f"git {sub} {' '.join(rest[:1])} is not a listing".replace("  ", " ")


_ANY = _p(any_args=True)

PROGRAMS: dict[str, Program] = {
    # files and their contents
    "ls": _ANY,
    "cat": _ANY,
    "head": _ANY,
    "tail": _ANY,
    "wc": _ANY,
    "stat": _ANY,
    "du": _ANY,
    "df": _ANY,
    "tac": _ANY,
    "nl": _ANY,
    "rev": _ANY,
    "fold": _ANY,
    "fmt": _ANY,
    "paste": _ANY,
    "join": _ANY,
    "comm": _ANY,
    "column": _ANY,
    "expand": _ANY,
    "unexpand": _ANY,
    "od": _ANY,
    "hexdump": _ANY,
    "strings": _ANY,
    "basename": _ANY,
    "dirname": _ANY,
    "realpath": _ANY,
    "readlink": _ANY,
    "md5sum": _ANY,
    "sha1sum": _ANY,
    "sha224sum": _ANY,
    "sha256sum": _ANY,
    "sha384sum": _ANY,
    "sha512sum": _ANY,
    "b2sum": _ANY,
    "cksum": _ANY,
    "base64": _ANY,
    "base32": _ANY,
    "grep": _ANY,
    "egrep": _ANY,
    "fgrep": _ANY,
    "cut": _ANY,
    "tr": _ANY,
    "diff": _ANY,
    "cmp": _ANY,
    "file": _p("-C", "--compile"),
    "xxd": _p(max_operands=1),
    "uniq": _p(max_operands=1),
    "sort": _p("-o", "--output", "--compress-program"),
    "tree": _p("-o", "-R", "--output"),
    "rg": _p("--pre", "--pre-glob", "--search-zip", "-z", "--hostname-bin"),  # each runs a program
    "jq": _p(),
    "find": _p(check=_find),
    "awk": _p(check=_awk),
    "gawk": _p(check=_awk),
    "mawk": _p(check=_awk),
    "nawk": _p(check=_awk),
    "git": _p(check=_git),
    # text and values
    "echo": _ANY,
    "printf": _p("-v", any_args=True, literal_first=True),
    "seq": _ANY,
    "true": _ANY,
    "false": _ANY,
    ":": _ANY,
    "test": _ANY,
    "[": _ANY,
    # the system, read
    "pwd": _ANY,
    "whoami": _ANY,
    "id": _ANY,
    "groups": _ANY,
    "uname": _ANY,
    "arch": _ANY,
    "nproc": _ANY,
    "uptime": _ANY,
    "free": _ANY,
    "ps": _ANY,
    "pgrep": _ANY,
    "w": _ANY,
    "who": _ANY,
    "tty": _ANY,
    "which": _ANY,
    "whereis": _ANY,
    "printenv": _ANY,
    "locale": _ANY,
    "lscpu": _ANY,
    "lsblk": _ANY,
    "lsusb": _ANY,
    "lspci": _ANY,
    "getconf": _ANY,
    "cal": _ANY,
    "date": _p("-s", "--set"),
    "hostname": _p("-F", "--file", "-b", "--boot", check=_no_operands),
    "env": _p(check=_no_operands),  # after its wrapper form is looked through: only printing
    # moving around, finishing
    "cd": _ANY,
    "exit": _ANY,
    "sleep": _ANY,
    "command": _ANY,  # `command -v NAME` (its wrapper form is looked through)
}

# wrappers that run the rest of their arguments as a command, judged in turn
WRAPPERS = {"time", "nice", "timeout", "xargs", "command", "env"}
# what a variable set for one command (``LC_ALL=C sort``) may be: nothing that changes what runs
HARMLESS_VARIABLES = re.compile(r"(LC_[A-Z]+|LANG|LANGUAGE|TZ|COLUMNS|LINES|NO_COLOR|TERM)")


def _abbrev_of(word: str, options: tuple[str, ...]) -> bool:
    """``word`` is one of ``options`` or a GNU abbreviation of one (``--out`` for ``--output``)."""
    if not word.startswith("--") or len(word) < 3:
        return False
    given = word.split("=", 1)[0]
    return any(opt.startswith(given) for opt in options if opt.startswith("--"))


def _abbrev_in(args: list[str], options: tuple[str, ...]) -> bool:
    return any(_abbrev_of(a, options) for a in args)


def _short_hits(word: str, refuse: frozenset[str]) -> bool:
    """A ``-xyz`` cluster holding a refused short option (``-no`` holds ``-o``)."""
    letters = {f"-{c}" for c in word[1:]}
    return bool(letters & refuse)


def judge_program(name: str, args: list[str]) -> str | None:
    """Why ``name args`` is not known to be read-only (None: it is)."""
    program = PROGRAMS.get(name)
    if program is None:
        return f"{name} is not a known read-only program"
    for word in args:
        if word == "--":
            break
        if word.startswith("--") and _abbrev_of(word, tuple(program.refuse)):
            return f"{name} {word} writes or runs something"
        if word.startswith("-") and not word.startswith("--") and len(word) > 1 and _short_hits(word, program.refuse):
            return f"{name} {word} writes or runs something"
    if program.max_operands is not None and len(operands(args)) > program.max_operands:
        return f"{name} with {len(operands(args))} operands writes the last one"
    reason = program.check(args) if program.check else None
    return (
        reason
        if reason is None or reason.split(" ", 1)[0] in (name, "its") or reason.startswith(("git", "find", "awk"))
        else f"{name} {reason}"
    )


def literal_first(name: str) -> bool:
    """``name``'s first argument must be known when the command is read (``printf -v PATH``)."""
    program = PROGRAMS.get(name)
    return program is not None and program.literal_first


def any_args(name: str) -> bool:
    """No argument can make ``name`` write or run anything."""
    program = PROGRAMS.get(name)
    return program is not None and program.any_args
