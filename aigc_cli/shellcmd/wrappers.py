"""Commands that run other commands: wrappers (``sudo``, ``env``, ``xargs``), ``find -exec``
and shells' ``-c CODE``. The classifier looks through them so that the command
that really runs meets the rule table (``rules.py``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from aigc_cli.shellcmd import readonly

# wrapper -> its options that take a value (skipped together with it)
_WRAPPERS: dict[str, set[str]] = {
    "sudo": {"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"},
    "doas": {"-u", "-C"},
    "env": {"-u", "-C", "-S", "--unset", "--chdir"},
    "nice": {"-n", "--adjustment"},
    "ionice": {"-c", "-n", "-p", "-P", "-u"},
    "nohup": set(),
    "time": {"-f", "-o"},
    "builtin": set(),
    "exec": {"-a"},
    "stdbuf": {"-i", "-o", "-e"},
    "timeout": {"-s", "-k", "--signal", "--kill-after"},
    "watch": {"-n", "-d", "--interval"},
    "xargs": {"-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a", "--max-args", "--max-procs", "--delimiter"},
    "command": set(),
    "busybox": set(),
    "toybox": set(),
    "parallel": {"-j", "--jobs", "-S", "--sshlogin", "-a", "--arg-file", "--delay", "--timeout"},
}


def unwrap(name: str, argv: list[str]) -> tuple[list[str] | None, str | None]:
    """The command a wrapper runs (``sudo -u x rm y`` -> ``rm y``), or (None, None).

    The second value names a wrapper that feeds the command many arguments
    (``xargs``), which makes even a plain ``rm`` a bulk delete.
    """
    takes_value = _WRAPPERS.get(name)
    if takes_value is None or (name == "command" and "-v" in argv[1:2]):
        return None, None
    i = 1
    while i < len(argv):
        word = argv[i]
        if word == "--":
            i += 1
            break
        if word.startswith("-") and len(word) > 1:
            i += 2 if word in takes_value else 1
        elif name == "env" and "=" in word:
            i += 1
        elif name == "timeout" and re.fullmatch(r"[\d.]+[smhd]?", word):
            i += 1
            break
        else:
            break
    return argv[i:], (name if name in ("xargs", "parallel") else None)


def find_exec(args: list[str]) -> Iterator[list[str]]:
    """The commands ``find -exec CMD ... ;`` runs on each match."""
    i = 0
    while i < len(args):
        if args[i] in ("-exec", "-execdir", "-ok", "-okdir"):
            j = i + 1
            while j < len(args) and args[j] not in (";", "\\;", "+"):
                j += 1
            if j > i + 1:
                yield args[i + 1 : j]
            i = j
        i += 1


def shell_code(name: str, args: list[str]) -> str | None:
    """The code string of ``bash -c CODE`` / ``fish --command CODE`` / ``eval CODE``."""
    if name == "eval":
        return " ".join(args) or None
    for i, word in enumerate(args):
        if word.startswith("--command="):
            return word.split("=", 1)[1]
        if (
            word == "--command" or (word.startswith("-") and not word.startswith("--") and "c" in word)
        ) and i + 1 < len(args):
            return args[i + 1]
    return None


def wraps(name: str, argv: list[str]) -> bool:
    """``command -v ls`` and a bare ``env`` print; every other wrapper form runs what follows."""
    if name == "command":
        return not (argv[1:2] and argv[1] in ("-v", "-V"))
    return True


# For the read-only verdict (safety.py): wrapper -> (options that take a value, options that
# take none); a wrapper used with any other option is not judged read-only.
_WRAPPER_OPTIONS: dict[str, tuple[set[str], set[str]]] = {
    "time": ({"-f", "--format"}, {"-p", "--portability", "-v", "--verbose"}),
    "nice": ({"-n", "--adjustment"}, set()),
    "timeout": ({"-s", "--signal", "-k", "--kill-after"}, {"--preserve-status", "--foreground", "-v", "--verbose"}),
    "xargs": (
        {
            "-I",
            "-n",
            "-P",
            "-L",
            "-d",
            "-E",
            "-s",
            "-a",
            "--max-args",
            "--max-procs",
            "--delimiter",
            "--arg-file",
            "--max-lines",
            "--max-chars",
            "--eof",
        },
        {"-0", "--null", "-r", "--no-run-if-empty", "-t", "--verbose", "-x", "--exit"},
    ),
    "command": (set(), {"-p"}),
    "env": ({"-u", "--unset"}, {"-i", "--ignore-environment", "-0", "--null", "-"}),
}


def read_only_end(name: str, argv: list[str]) -> int | None:
    """Where the wrapped command starts in ``argv`` (``len(argv)``: none), or None for options not judged."""
    with_value, plain = _WRAPPER_OPTIONS[name]
    i = 1
    while i < len(argv):
        word = argv[i]
        if word == "--":
            return i + 1
        if word in with_value:
            i += 2
        elif word in plain or (word.split("=", 1)[0] in with_value and "=" in word):
            i += 1
        elif name == "nice" and word[:1] == "-" and word[1:].lstrip("-").isdigit():
            i += 1
        elif name in ("xargs", "timeout") and word[:1] == "-" and word[1:2].isalpha() and word[:2] in with_value:
            i += 1  # -n1, -I{}: the value glued on
        elif word.startswith("-"):
            return None
        elif name == "env" and "=" in word:
            if not readonly.HARMLESS_VARIABLES.fullmatch(word.split("=", 1)[0]):
                return None
            i += 1
        elif name == "timeout":
            return i + 1  # the duration, then the command
        else:
            return i
    return i
