"""A shell script as the simple commands it runs, for the destructive-command rules.

The rules in ``classify`` look at *simple commands* (a name, its words and
its redirections) and at *pipelines* (which command feeds which), never at
the raw text, so quoting, ``&&``, subshells, loops and ``$(...)`` cannot hide
an ``rm -rf``. POSIX shells (bash, zsh, sh) are parsed with bashlex, a port of
bash's own grammar. What bashlex does not implement (``case``, ``[[ ]]``,
``$(( ))``) and the other shells' syntax (fish, PowerShell) go through a
``shlex`` tokenizer that splits on every operator and bracket instead: coarser,
but it still sees each command's words, which is what the rules need.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

# bashlex only knows POSIX/bash syntax; these shells go straight to shlex
_NOT_POSIX = {"fish", "powershell", "pwsh", "cmd"}
# tokens made of these characters are operators in the shlex fallback
_PUNCT = ";&|<>(){}"
_REDIRECT_OPS = {">", ">|", ">>", "&>", "&>>", ">&", "<", "<<", "<<<", "<>"}
# words that open or close a block in fish/sh and are not commands themselves
_KEYWORDS = {
    "if",
    "then",
    "else",
    "elif",
    "fi",
    "do",
    "done",
    "while",
    "until",
    "for",
    "in",
    "end",
    "begin",
    "and",
    "or",
    "not",
    "!",
    "function",
    "switch",
    "case",
    "esac",
    "{",
    "}",
}


@dataclass
class Simple:
    """One simple command: its words, its redirections and where it sits in the script."""

    argv: list[str]
    redirects: list[tuple[str, str]] = field(default_factory=list)  # (operator, target)
    span: tuple[int, int] | None = None  # character range in the script, when known
    substituted: list["Simple"] = field(default_factory=list)  # commands inside $(...), <(...)

    @property
    def name(self) -> str:
        """The command's name as a rule matches it: basename, lower case (``/bin/RM`` -> ``rm``)."""
        return self.argv[0].rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower() if self.argv else ""


@dataclass
class Script:
    """Every simple command of a script, its pipelines, and the functions it defines."""

    commands: list[Simple] = field(default_factory=list)
    pipelines: list[list[Simple]] = field(default_factory=list)  # stages, in order, 2 or more
    functions: dict[str, list[Simple]] = field(default_factory=dict)  # name -> commands in its body
    heredocs: list[str] = field(default_factory=list)
    assignments: dict[str, str] = field(default_factory=dict)  # NAME=value seen anywhere (``RM=rm; $RM``)


def parse(script: str, shell: str = "bash") -> Script:
    """The script's commands; never raises, whatever the text is."""
    out = Script()
    if shell in _NOT_POSIX:
        _shlex_into(script, out, 0, backslash=shell == "fish")
        return out
    if not _bashlex_into(script, out, 0):
        offset = 0
        for line in script.splitlines(keepends=True):
            if line.strip() and not _bashlex_into(line, out, offset):
                _shlex_into(line, out, offset)
            offset += len(line)
    return out


# ------------------------------------------------------------------ bashlex


def _bashlex_into(text: str, out: Script, offset: int) -> bool:
    """Parse with bashlex into ``out``; False (``out`` untouched) if bashlex cannot."""
    import bashlex

    try:
        trees = bashlex.parse(text)
    except Exception:  # noqa: BLE001 - bashlex raises several unrelated types on syntax it lacks
        return False
    part = Script()
    walker = _Walker(part, offset)
    for tree in trees:
        walker.node(tree)
    out.commands.extend(part.commands)
    out.pipelines.extend(part.pipelines)
    out.functions.update(part.functions)
    out.heredocs.extend(part.heredocs)
    out.assignments.update(part.assignments)
    return True


class _Walker:
    """Turns a bashlex tree into ``Simple`` commands (recursing into every construct)."""

    def __init__(self, out: Script, offset: int) -> None:
        self.out = out
        self.offset = offset

    def node(self, n: object, sink: list[Simple] | None = None) -> list[Simple]:
        """Walk ``n``; the simple commands found are appended to ``sink`` and returned."""
        sink = [] if sink is None else sink
        kind = getattr(n, "kind", "")
        if kind == "command":
            sink.append(self.command(n))
        elif kind == "pipeline":
            stages = [self.node(p) for p in n.parts if getattr(p, "kind", "") != "pipe"]  # type: ignore[attr-defined]
            self.out.pipelines.append([s[-1] if s else Simple([]) for s in stages])
            for s in stages:
                sink.extend(s)
        elif kind == "function":
            name = n.parts[0].word  # type: ignore[attr-defined]
            body: list[Simple] = []
            for p in n.parts[1:]:  # type: ignore[attr-defined]
                self.node(p, body)
            self.out.functions[name] = body
            sink.extend(body)
        else:
            for child in _children(n):
                self.node(child, sink)
            redirects = [self.redirect(r) for r in getattr(n, "redirects", []) or []]
            if redirects:  # `{ ...; } > file`: the block's redirections, as a command of its own
                pseudo = Simple([], [r for r in redirects if r], self.span(n))
                self.out.commands.append(pseudo)
                sink.append(pseudo)
        if kind == "command":
            self.out.commands.append(sink[-1])
        return sink

    def command(self, n: object) -> Simple:
        simple = Simple([], span=self.span(n))
        for part in n.parts:  # type: ignore[attr-defined]
            kind = getattr(part, "kind", "")
            if kind == "word":
                simple.argv.append(part.word)
                simple.substituted.extend(self.substitutions(part))
            elif kind == "redirect":
                red = self.redirect(part)
                if red:
                    simple.redirects.append(red)
            elif kind == "assignment":
                name, _, value = part.word.partition("=")
                self.out.assignments[name] = value
        return simple

    def redirect(self, r: object) -> tuple[str, str] | None:
        if getattr(r, "heredoc", None) is not None:
            self.out.heredocs.append(r.heredoc.value)  # type: ignore[attr-defined]
        target = getattr(r, "output", None)
        if isinstance(target, int):  # 2>&1: a descriptor, not a file
            return None
        if target is not None:
            self.substitutions(target)
        return (r.type, target.word) if target is not None else None  # type: ignore[attr-defined]

    def substitutions(self, word: object) -> list[Simple]:
        """Commands inside ``$(...)``, backticks and ``<(...)`` of one word (also recorded)."""
        found: list[Simple] = []
        for part in getattr(word, "parts", []) or []:
            if getattr(part, "kind", "") in ("commandsubstitution", "processsubstitution"):
                self.node(part.command, found)
        return found

    def span(self, n: object) -> tuple[int, int] | None:
        pos = getattr(n, "pos", None)
        return (pos[0] + self.offset, pos[1] + self.offset) if pos else None


def _children(n: object) -> list[object]:
    """The sub-nodes of a list, compound, if/for/while node (whatever holds them)."""
    kids: list[object] = []
    for attr in ("parts", "list"):
        value = getattr(n, attr, None)
        if isinstance(value, list):
            kids.extend(value)
    command = getattr(n, "command", None)
    if command is not None and getattr(n, "kind", "") != "command":
        kids.append(command)
    return kids


# ------------------------------------------------------------------ shlex fallback


def _tokens(text: str, backslash: bool = True) -> list[str]:
    """Words and operators; unbalanced quotes fall back to splitting on spaces.

    PowerShell and cmd paths are full of backslashes, which are not escapes there.
    """
    lexer = shlex.shlex(text.replace("\n", " ;\n"), posix=True, punctuation_chars=_PUNCT)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    if not backslash:
        lexer.escape = ""
    try:
        return list(lexer)
    except ValueError:
        return text.replace("\n", " ; ").split()


def _shlex_into(text: str, out: Script, offset: int, backslash: bool = True) -> None:
    """Split the tokens into simple commands at every operator and bracket."""
    pipeline: list[Simple] = []
    current = Simple([])
    tokens = _tokens(text, backslash)
    cursor = [0]  # where the next command's words are searched for in ``text`` (its span)
    skipping = False  # inside `for x in ...` / `case x in` up to the next operator
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if skipping and not _is_operator(tok):
            i += 1
            continue
        skipping = False
        if tok in _REDIRECT_OPS and i + 1 < len(tokens) and not _is_operator(tokens[i + 1]):
            target = tokens[i + 1]
            if not (tok == ">&" and (target.isdigit() or target == "-")):
                current.redirects.append((tok, target))
            i += 2
            continue
        if _is_operator(tok) or tok in ("{", "}"):
            _close(current, out, pipeline, text, offset, cursor)
            if tok not in ("|", "|&"):
                _end_pipeline(pipeline, out)
            current = Simple([])
        elif not current.argv and tok in ("for", "case", "switch"):
            skipping = True
        elif current.argv or tok not in _KEYWORDS:
            if not current.argv and "=" in tok and tok.split("=", 1)[0].isidentifier():
                name, _, value = tok.partition("=")  # VAR=value before the command
                out.assignments[name] = value
            else:
                current.argv.append(tok)
        i += 1
    _close(current, out, pipeline, text, offset, cursor)
    _end_pipeline(pipeline, out)
    out.functions.update(_block_functions(tokens))


def _block_functions(tokens: list[str]) -> dict[str, list[Simple]]:
    """fish's ``function NAME ... end``: each function's commands (blocks nest until ``end``)."""
    found: dict[str, list[Simple]] = {}
    open_functions: list[tuple[str, int]] = []
    depth = 0
    segment: list[str] = []
    for tok in [*tokens, ";"]:
        if not _is_operator(tok):
            segment.append(tok)
            continue
        head = segment[0] if segment else ""
        if head == "function" and len(segment) > 1:
            depth += 1
            open_functions.append((segment[1], depth))
            found.setdefault(segment[1], [])
        elif head in ("if", "for", "while", "begin", "switch"):
            depth += 1
        elif head == "end":
            if open_functions and open_functions[-1][1] == depth:
                open_functions.pop()
            depth = max(depth - 1, 0)
        if head and head != "function":
            for name, _ in open_functions:
                found[name].append(Simple([head]))
        segment = []
    return found


def _is_operator(tok: str) -> bool:
    return bool(tok) and all(ch in _PUNCT for ch in tok)


def _close(cmd: Simple, out: Script, pipeline: list[Simple], text: str, offset: int, cursor: list[int]) -> None:
    if not cmd.argv and not cmd.redirects:
        return
    if cmd.argv:
        start = text.find(cmd.argv[0], cursor[0])
        if start >= 0:
            end = text.find(cmd.argv[-1], start)
            end = end + len(cmd.argv[-1]) if end >= 0 else start + len(cmd.argv[0])
            cmd.span = (offset + start, offset + end)
            cursor[0] = end
    out.commands.append(cmd)
    pipeline.append(cmd)


def _end_pipeline(pipeline: list[Simple], out: Script) -> None:
    if len(pipeline) > 1:
        out.pipelines.append(list(pipeline))
    pipeline.clear()
