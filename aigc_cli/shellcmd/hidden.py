"""Destructive commands in disguise: the forms that hide what runs from the plain rules.

A denylist is never complete (``shellcmd.safety`` is what guards unattended
runs); these rules exist for the red warning and the typed ``yes`` on a
terminal, and cover what was seen to get through: inline code in an
interpreter (``python3 -c 'shutil.rmtree(...)'``, perl ``rmtree``, ruby
``rm_rf``, node ``rmSync``, awk ``system()``), an editor running a shell
command (``vim -c ':!rm ...'``), ``pkill -f .``, ``ln -sf`` over a file,
``unlink``, recursive ACL changes on broad paths, and the questions
``classify`` asks about pipelines and downloads. Pure functions over words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol


class Paths(Protocol):
    def existing_file(self, word: str) -> bool: ...
    def broad(self, word: str) -> bool: ...


# interpreters that read a program from stdin when given no script (``... | sh``)
STDIN_INTERPRETERS = re.compile(
    r"(sh|bash|zsh|dash|ksh|fish|python[\d.]*|perl|ruby|node|nodejs|php|lua|pwsh|tclsh|busybox)"
)
# interpreter -> the options whose next word is code to run
_INLINE = {
    "python": ("-c",),
    "perl": ("-e", "-E"),
    "ruby": ("-e",),
    "node": ("-e", "--eval", "-p", "--print"),
    "php": ("-r",),
    "lua": ("-e",),
    "pwsh": ("-c", "-command"),
    "powershell": ("-c", "-command"),
}
_CODE_DANGER = re.compile(
    r"rmtree|\bremove\s*\(|\bunlink|\brmdir|rm_rf|rm_r\b|rmSync|rimraf|\brm\s+-|\bos\.system|subprocess|\bsystem\s*\("
    r"|\bexec[lv]?p?e?\s*\(|\beval\s*\(|popen|\bspawn|child_process|shell_exec|passthru|`[^`]+`|\btruncate|__import__"
    r"|b64decode|base64|FileUtils|File\.delete|Remove-Item|writeFileSync|\bkill\s*\(",
    re.I,
)
_AWK_DANGER = re.compile(r"\bsystem\s*\(|\|\s*(&|\")|\bprint[f]?\b[^;{}]*>\s*\"")
_CATCH_ALL = re.compile(r"\^?(\.[*+]?)?\$?")
_EDITORS = {"vi", "vim", "nvim", "ex", "view", "gvim", "vimdiff"}


def _family(name: str) -> str:
    return "python" if re.fullmatch(r"python[\d.]*", name) else "node" if name == "nodejs" else name


def inline_code(name: str, args: list[str]) -> str | None:
    """The code of ``python3 -c CODE``, ``perl -e CODE`` (also ``-pe``), ``node --eval CODE``..."""
    options = _INLINE.get(_family(name))
    if not options:
        return None
    for i, word in enumerate(args):
        low = word.lower()
        clustered = _family(name) in ("perl", "ruby") and re.fullmatch(r"-[a-zA-Z]*[eE]", word)
        if (low in options or clustered) and i + 1 < len(args):
            return args[i + 1]
        if low.startswith(("--eval=", "--print=")):
            return word.split("=", 1)[1]
        if _family(name) == "python" and word.startswith("-c") and len(word) > 2:
            return word[2:]
    return None


def _inline(name: str, args: list[str], paths: Paths) -> list[str]:
    code = inline_code(name, args)
    if code is not None and _CODE_DANGER.search(code):
        return [f"runs inline {name} code that deletes files or runs commands"]
    return []


def _awk(name: str, args: list[str], paths: Paths) -> list[str]:
    program = next((a for a in args if not a.startswith("-")), "")
    return [f"its {name} program runs commands or writes files (system())"] if _AWK_DANGER.search(program) else []


def _editor(name: str, args: list[str], paths: Paths) -> list[str]:
    for i, word in enumerate(args):
        command = (
            args[i + 1] if word in ("-c", "--cmd") and i + 1 < len(args) else word[1:] if word.startswith("+") else ""
        )
        if "!" in command or "system(" in command:
            return [f"runs a shell command from the editor ({name} -c ':!…')"]
    return []


def _pkill(name: str, args: list[str], paths: Paths) -> list[str]:
    patterns = [a for a in args if not a.startswith("-")]
    if any(_CATCH_ALL.fullmatch(p) for p in patterns) and (name == "pkill" or "-r" in args or "--regexp" in args):
        return [f"kills every process it can ({name} matching everything)"]
    return []


def _ln(name: str, args: list[str], paths: Paths) -> list[str]:
    flags = {c for w in args if w.startswith("-") and not w.startswith("--") for c in w[1:]}
    forced = "f" in flags or any(w.startswith("--f") and "--force".startswith(w) for w in args)
    words = [a for a in args if not a.startswith("-")]
    if forced and len(words) >= 2 and paths.existing_file(words[-1]):
        return [f"replaces the existing file {words[-1]} with a link (ln -f)"]
    return []


def _acl(name: str, args: list[str], paths: Paths) -> list[str]:
    recursive = any(
        w == "-R" or (w.startswith("-") and not w.startswith("--") and "R" in w) or w == "--recursive" for w in args
    )
    broad = [w for w in args if not w.startswith("-") and paths.broad(w) and w.startswith(("/", "~", "$HOME", "."))]
    return [f"recursive permission change on a broad path ({broad[0]})"] if recursive and broad else []


Rule = Callable[[str, list[str], Paths], list[str]]
RULES: dict[str, Rule] = {
    "pkill": _pkill,
    "killall": _pkill,
    "ln": _ln,
    "unlink": lambda name, args, paths: ["deletes a file (unlink)"],
    "setfacl": _acl,
    "chattr": _acl,
    **{e: _editor for e in _EDITORS},
    **{a: _awk for a in ("awk", "gawk", "mawk", "nawk", "busybox-awk")},
}


def check(name: str, args: list[str], paths: Paths) -> list[str]:
    """The reasons ``name args`` is destructive in a way the main table does not see."""
    rule = RULES.get(name) or (_inline if _INLINE.get(_family(name)) else None)
    return rule(name, args, paths) if rule else []


def reads_code_from_stdin(name: str, args: list[str]) -> bool:
    """``sh``, ``bash -s``, ``python3 -``: an interpreter that runs what the pipe feeds it."""
    if not STDIN_INTERPRETERS.fullmatch(name) or inline_code(name, args) is not None:
        return False
    if any(w in ("-c", "--command") for w in args):
        return False
    operands = [a for a in args if not a.startswith("-") or a == "-"]
    return not operands or operands[0] == "-" or "-s" in args


_NAMED = re.compile(r"\$(\w+)|\$\{(\w+)\}|\$\{(\w+):?[-=]([^}]*)\}")


def resolve_name(word: str, assignments: dict[str, str]) -> str | None:
    """The program a ``$RM`` / ``${RM:-rm}`` names, from the script's own assignments (None: unknown)."""
    m = _NAMED.fullmatch(word)
    if not m:
        return None
    var = m.group(1) or m.group(2) or m.group(3)
    if var in assignments:
        return assignments[var].strip("'\"")
    return m.group(4).strip("'\"") if m.group(4) is not None else None


def download_targets(argv: list[str], redirects: list[tuple[str, str]]) -> set[str]:
    """Files a downloader writes (``curl -o x.sh``, ``wget -O x.sh``, ``curl ... > x.sh``)."""
    out = {t for op, t in redirects if op in (">", ">|", "&>")}
    for i, word in enumerate(argv):
        if word in ("-o", "-O", "--output", "--output-document") and i + 1 < len(argv):
            out.add(argv[i + 1])
        elif word.startswith(("--output=", "--output-document=")):
            out.add(word.split("=", 1)[1])
    return {t.removeprefix("./") for t in out}
