"""The verdict on one command: may it run with nobody watching, is it destructive, what is it really.

``judge(command, shell)`` is the one function every caller asks (``aigc cmd``
now, the ``shell`` tool later). A command may run unattended only on a
*positive* verdict: it holds no control or invisible characters, the
destructive classifier finds nothing, and every program in it is in the
read-only table (``shellcmd.readonly``) used in a read-only way. "Not
recognised as destructive" is not "safe": anything the walk below does not
understand is a reason, and a reason means no.

The walk reads bashlex's tree (never the raw text), so quoting, ``&&``,
subshells, loops and ``$(...)`` cannot hide a program; the words' source
text is read too, because bashlex drops some quoting (``$'...'``) that
decides what a word becomes. Refused outright: a program whose name is not
known until the command runs (``$RM``, ``${X:-rm}``, ``$(...)``, globs,
brace expansion), ``eval``/``exec``/``source``, shell functions (one can
stand in for ``ls``), variables set for a command unless harmless
(``LC_ALL=C``), a pipe into an interpreter, any redirection that writes
(except to ``/dev/null``), here-documents with expansions, programs run by a
path outside the system folders, and shells bashlex cannot read (fish,
PowerShell: judged on a terminal only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aigc_cli import termsafe
from aigc_cli.shellcmd import readonly, rules, wrappers
from aigc_cli.shellcmd.classify import Finding, classify

POSIX_SHELLS = {"bash", "sh", "zsh", "dash", "ksh"}
_SYSTEM_DIRS = ("/bin/", "/usr/bin/", "/usr/local/bin/", "/sbin/", "/usr/sbin/")
_CODE_RUNNERS = {
    "eval",
    "exec",
    "source",
    ".",
    "alias",
    "trap",
    "builtin",
    "enable",
    "coproc",
    "declare",
    "typeset",
    "export",
    "readonly",
    "local",
    "set",
    "shopt",
    "unset",
    "hash",
    "read",
    "mapfile",
    "readarray",
}
# reading code from the pipe (awk only with `-f -`, but it is named all the same)
_PIPE_INTERPRETERS = rules.INTERPRETERS | {"lua", "tclsh", "busybox", "php", "python2", "osascript", "parallel"}
_WRITES = {">", ">>", ">|", "&>", "&>>", ">&", "<>"}
# zsh arrays tied to variables that decide what runs (`for path in /tmp/x` sets PATH)
_ZSH_TIED = {"path", "cdpath", "fpath", "manpath", "module_path", "mailpath", "psvar", "fignore", "_"}
_ZSH_FLAGS = re.compile(r"\$\{[(~=^+#]|\$[~=^+#]")
_READS = {"<", "<<<", "<&", "<<", "<<-"}


@dataclass(frozen=True)
class Judgement:
    """What ``judge`` found: runnable with nobody watching or not, and why.

    ``reasons`` says why it may not run unattended (empty when it may);
    ``visible`` is the command with every control or invisible character
    shown (``␛``, ``␍``, ``<U+202E>``): what a person must be shown.
    """

    runnable_unattended: bool
    destructive: bool
    reasons: list[str]
    visible: str
    known_safe: bool = False  # every program known read-only, used read-only
    control_chars: bool = False
    findings: list[Finding] = field(default_factory=list)  # the destructive parts, with their spans


def judge(command: str, shell: str = "bash", cwd: str | Path | None = None) -> Judgement:
    """The verdict on ``command`` for ``shell``, judged against ``cwd`` (default: the current directory)."""
    findings = classify(command, shell, cwd)
    control = termsafe.has_unsafe(command, strict=True)
    unknown = not_read_only(command, shell, Path(cwd) if cwd is not None else Path.cwd())
    reasons: list[str] = []
    if control:
        reasons.append("it holds control or invisible characters (shown as ␛, ␍, <U+…>)")
    reasons.extend(f.reason for f in findings)
    if not findings:  # a destructive command's own reasons say enough
        reasons.extend(unknown)
    return Judgement(
        runnable_unattended=not reasons,
        destructive=bool(findings),
        reasons=reasons,
        visible=termsafe.visible(command, strict=True),
        known_safe=not unknown and not findings and not control,
        control_chars=control,
        findings=findings,
    )


def not_read_only(command: str, shell: str = "bash", cwd: Path | None = None) -> list[str]:
    """Why ``command`` is not known to be read-only (empty: every part of it is).

    With ``cwd``, a git command is read-only only if the repository it reads
    has no config that runs a program (shellcmd/gitconfig.py)."""
    if shell not in POSIX_SHELLS:
        return [f"only bash, zsh and sh commands are judged for running unattended, not {shell}"]
    if not command.strip():
        return ["the command is empty"]
    import bashlex

    try:
        trees = bashlex.parse(command)
    except Exception:  # noqa: BLE001 - bashlex raises several unrelated types on syntax it lacks
        return ["it cannot be read as a simple bash command"]
    walk = _Walk(command, shell)
    for tree in trees:
        walk.node(tree)
    if "`" in command:  # an escaped or quoted one is literal, but each shell escapes its own way
        walk.add("it holds a backtick, which a shell may run as a command")
    if cwd is not None and not walk.reasons:
        from aigc_cli.shellcmd import gitconfig

        walk.reasons.extend(gitconfig.reasons(cwd, walk.git, walk.moved))
    return walk.reasons


class _Walk:
    """Collects every reason a parsed command is not known to be read-only."""

    def __init__(self, text: str, shell: str) -> None:
        self.text = text
        self.shell = shell
        self.reasons: list[str] = []
        self.git: list[list[str]] = []  # each git command's arguments: its repository's config is checked
        self.moved = False  # a cd before git: which repository it reads is not known from the text

    def add(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)

    def node(self, n: Any) -> None:
        kind = getattr(n, "kind", "")
        if kind == "command":
            self.command(n)
        elif kind == "pipeline":
            self.pipeline(n)
        elif kind in ("list", "compound", "if", "for", "while", "until"):
            if kind == "for":
                self.loop_variable(n)
            for part in (getattr(n, "parts", None) or []) + (getattr(n, "list", None) or []):
                if getattr(part, "kind", "") == "word":
                    self.substitutions(part)  # `for f in $(...)`: the list's words
                else:
                    self.node(part)
            for r in getattr(n, "redirects", None) or []:
                self.redirect(r)
        elif kind == "function":
            self.add("it defines a shell function (which could stand in for any program)")
        elif kind not in ("reservedword", "operator", "pipe"):
            self.add(f"it uses shell syntax that is not judged ({kind})")

    def loop_variable(self, n: Any) -> None:
        """``for PATH in /tmp/x; do ls; done`` sets PATH: a loop may set only a plain lower-case name."""
        words = [p for p in n.parts if getattr(p, "kind", "") == "word"]
        var = words[0].word if words else ""
        if not re.fullmatch(r"[a-z][a-z0-9_]*", var) or var in _ZSH_TIED:
            self.add(f"its loop sets the variable {var}")

    def pipeline(self, n: Any) -> None:
        stages = [p for p in n.parts if getattr(p, "kind", "") not in ("pipe", "reservedword")]
        for i, stage in enumerate(stages):
            words = [p for p in getattr(stage, "parts", None) or [] if getattr(p, "kind", "") == "word"]
            name = _basename(words[0].word) if words else ""
            if i > 0 and name in _PIPE_INTERPRETERS:
                self.add(f"it pipes into an interpreter ({name})")
            self.node(stage)

    def command(self, n: Any) -> None:
        words = []
        for part in n.parts:
            kind = getattr(part, "kind", "")
            if kind == "assignment":
                name = part.word.split("=", 1)[0]
                if not readonly.HARMLESS_VARIABLES.fullmatch(name) or self.dynamic(part):
                    self.add(f"it sets the variable {name}")
            elif kind == "redirect":
                self.redirect(part)
            elif kind == "word":
                self.substitutions(part)
                words.append(part)
        if words:
            self.argv([w.word for w in words], [self.dynamic(w) for w in words], None)

    def argv(self, argv: list[str], dyn: list[bool], via: str | None) -> None:
        """One program and its arguments (after any wrapper was looked through)."""
        if dyn[0]:
            self.add(f"the program's name is not known until it runs ({argv[0]})")
            return
        name = self.program_name(argv[0])
        if name is None:
            return
        if name == "git":
            self.git.append(argv[1:])
        self.moved = self.moved or name in ("cd", "pushd", "popd")
        if name in _CODE_RUNNERS:
            self.add(f"it runs text as code or changes the shell ({name})")
        elif name in rules.ROOT:
            self.add(f"it runs as root ({name})")
        elif name in readonly.WRAPPERS and wrappers.wraps(name, argv):
            self.wrapped(name, argv, dyn)
        elif readonly.literal_first(name) and len(dyn) > 1 and dyn[1]:
            self.add(f"{name}'s first argument is not known until it runs ({argv[1]})")
        elif any(dyn[1:]) and not readonly.any_args(name):
            word = next(a for a, d in zip(argv[1:], dyn[1:]) if d)
            self.add(f"{name}'s arguments are not known until it runs ({word})")
        elif via == "xargs" and not readonly.any_args(name):
            self.add(f"xargs hands {name} arguments that could change what it does")
        else:
            reason = readonly.judge_program(name, argv[1:])
            if reason:
                self.add(reason)

    def wrapped(self, name: str, argv: list[str], dyn: list[bool]) -> None:
        start = wrappers.read_only_end(name, argv)
        if start is None:
            self.add(f"{name} is used with options that are not judged ({' '.join(argv[1:3])})")
        elif start < len(argv):
            self.argv(argv[start:], dyn[start:], name)
        elif any(dyn[1:]):
            self.add(f"{name}'s arguments are not known until it runs")

    def program_name(self, word: str) -> str | None:
        if "/" not in word:
            return word
        if any(word.startswith(d) and "/" not in word[len(d) :] for d in _SYSTEM_DIRS):
            return _basename(word)
        self.add(f"it runs a program by its path ({word})")
        return None

    def redirect(self, r: Any) -> None:
        heredoc = getattr(r, "heredoc", None)
        if heredoc is not None and any(c in heredoc.value for c in "$`"):
            self.add("it holds a here-document with expansions")
        target = getattr(r, "output", None)
        if isinstance(target, int) or target is None:
            return  # 2>&1: a descriptor, not a file
        self.substitutions(target)
        if r.type in _READS:
            return
        if r.type not in _WRITES or target.word != "/dev/null" or self.dynamic(target):
            self.add(f"it writes to a file ({r.type} {target.word})")

    def substitutions(self, word: Any) -> None:
        """Commands inside ``$(...)``, backticks and ``<(...)`` of a word are judged like any other.

        A substitution bashlex does not report (inside ``${X:-$(...)}``, ``$(( ))``) is one
        that cannot be judged: the word's source is counted against what was parsed.
        """
        pos = getattr(word, "pos", None)
        source = self.text[pos[0] : pos[1]] if pos else ""
        if _source_substitutions(source) > _parsed_substitutions(word):
            self.add(f"it hides a substitution where it cannot be judged ({source})")
        if self.shell == "zsh" and _ZSH_FLAGS.search(source):
            self.add(f"it uses zsh expansion flags, which can run code ({source})")
        for part in getattr(word, "parts", None) or []:
            kind = getattr(part, "kind", "")
            if kind in ("commandsubstitution", "processsubstitution"):
                self.node(part.command)

    def dynamic(self, word: Any) -> bool:
        """True when what the word becomes is not known from its text (expansions, globs, braces)."""
        source = self.text[word.pos[0] : word.pos[1]]
        return _active(source, zsh=self.shell == "zsh")


def _active(source: str, zsh: bool = False) -> bool:
    """Does the word's source text hold an unquoted expansion, glob or brace (``$`` also in "...")?

    zsh also expands ``(...)`` (glob qualifiers, which can run code) and a
    leading ``=`` (a program's path).
    """
    if zsh and source.startswith("="):
        return True
    specials = "*?[{()" if zsh else "*?[{"
    quote = ""
    escaped = False
    for ch in source:
        if escaped:
            escaped = False
        elif quote == "'":
            quote = "" if ch == "'" else quote
        elif ch == "\\":
            escaped = True
        elif ch in "$`":
            return True
        elif quote == '"':
            quote = "" if ch == '"' else quote
        elif ch in "'\"":
            quote = ch
        elif ch in specials:
            return True
    return False


def _source_substitutions(source: str) -> int:
    """How many ``$(...)``, backtick pairs and ``<(...)``/``>(...)`` the shell would run in ``source``."""
    count = ticks = 0
    quote = ""
    escaped = False
    for i, ch in enumerate(source):
        if escaped:
            escaped = False
        elif quote == "'":
            quote = "" if ch == "'" else quote
        elif ch == "\\":
            escaped = True
        elif ch == "$" and source[i + 1 : i + 2] == "(" and source[i + 2 : i + 3] != "(":
            count += 1
        elif ch in "<>" and source[i + 1 : i + 2] == "(" and quote != '"':
            count += 1
        elif ch == "`":
            ticks += 1
        elif ch == '"':
            quote = "" if quote == '"' else '"'
        elif ch == "'" and quote != '"':
            quote = "'"
    return count + (ticks + 1) // 2


def _parsed_substitutions(node: Any) -> int:
    """How many command and process substitutions bashlex found in ``node``, nested ones included."""
    found = 1 if getattr(node, "kind", "") in ("commandsubstitution", "processsubstitution") else 0
    for attr in ("parts", "list"):
        for child in getattr(node, attr, None) or []:
            found += _parsed_substitutions(child)
    for attr in ("command", "output"):
        child = getattr(node, attr, None)
        if child is not None and not isinstance(child, (int, str)):
            found += _parsed_substitutions(child)
    return found


def _basename(word: str) -> str:
    return word.rsplit("/", 1)[-1]
