"""The recipe template engine: a small parser, a tree, one rendering pass.

Syntax (a strict subset of mustache, plus one escape):

* ``{{name}}`` inserts a value (spaces inside the braces are allowed);
* ``{{#name}}...{{/name}}`` keeps its body only when the value is set,
  ``{{^name}}...{{/name}}`` only when it is unset; sections nest, also
  sections of the same name;
* ``\\{{`` is a literal ``{{`` (``literal()`` escapes text this way);
* any other ``{{`` is a mistake and is reported with its line and column,
  never passed through silently.

Why a parser of our own and not chevron or pystache: mustache's ``{{x}}``
HTML-escapes, its sections iterate over lists and call lambdas, it has
partials, comments and delimiter changes, and it has no ``\\{{`` escape; every
one of those would have to be switched off or pre-processed, and the two
libraries disagree on the edge cases. The grammar above fits in one regular
expression and a stack, and owning it gives exact error positions and the one
property that matters: a value is inserted once, as a plain string, and is
never parsed, so ``{{x}}``, ``$x``, ``%s`` or ``\\{{`` inside user text reach
the model verbatim (see ``render``).

Pure: no I/O, no pydantic, nothing from the rest of aigc.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# a whole tag: ``{{`` [space] [#^/] [space] name [space] ``}}``
TAG = re.compile(r"\{\{\s*([#^/]?)\s*(" + NAME + r")\s*\}\}")
# where the next thing to look at starts: ``{{`` and the backslashes before it
_START = re.compile(r"(\\*)\{\{")
TAG_HELP = "a tag is {{name}}, {{#name}}, {{^name}} or {{/name}}; write \\{{ for a literal {{"


class TemplateError(ValueError):
    """A template that cannot be parsed; the message names the line and column."""


@dataclass(frozen=True)
class Text:
    """Literal text, already unescaped."""

    text: str


@dataclass(frozen=True)
class Var:
    """``{{name}}``; ``source`` is the tag exactly as written (kept for ``keep``)."""

    name: str
    source: str


@dataclass(frozen=True)
class Section:
    """``{{#name}}`` (``inverted`` False) or ``{{^name}}`` (True) with its body."""

    name: str
    inverted: bool
    body: tuple[Node, ...]


Node = Text | Var | Section


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def _snippet(text: str, pos: int) -> str:
    end = text.find("}}", pos, pos + 40)
    piece = text[pos : end + 2] if end != -1 else text[pos : pos + 20]
    return piece.split("\n", 1)[0]


def _tokens(text: str) -> Iterator[tuple[str, str, str, int]]:
    """(kind, name-or-text, source, position): kind is "text", "var", "#", "^" or "/".

    Backslashes matter only right before ``{{``: each pair is one backslash,
    and an odd one left over makes the ``{{`` literal. Extra ``{`` before a
    tag (``{{{x}}}``) are plain text.
    """
    pos = 0
    buf: list[str] = []
    while True:
        m = _START.search(text, pos)
        if m is None:
            buf.append(text[pos:])
            break
        slashes = len(m.group(1))
        at = m.start() + slashes  # where the ``{{`` is
        buf.append(text[pos : m.start()] + "\\" * (slashes // 2))
        if slashes % 2:  # ``\{{``: a literal ``{{``
            buf.append("{{")
            pos = m.end()
            continue
        tag = TAG.match(text, at)
        if tag is None:
            if text.startswith("{{{", at):
                buf.append("{")
                pos = at + 1
                continue
            raise TemplateError(f"bad tag {_snippet(text, at)!r} at {_where(text, at)}: {TAG_HELP}")
        if "".join(buf):
            yield "text", "".join(buf), "", at
        buf = []
        yield tag.group(1) or "var", tag.group(2), tag.group(0), at
        pos = tag.end()
    if "".join(buf):
        yield "text", "".join(buf), "", len(text)


def parse(text: str) -> tuple[Node, ...]:
    """The template as a tree; a bad tag or an unbalanced section is a TemplateError."""
    stack: list[tuple[str, bool, int, list[Node]]] = []
    out: list[Node] = []
    for kind, value, source, pos in _tokens(text):
        if kind == "text":
            out.append(Text(value))
        elif kind == "var":
            out.append(Var(value, source))
        elif kind in "#^":
            stack.append((value, kind == "^", pos, out))
            out = []
        else:  # "/"
            if not stack:
                raise TemplateError(f"{{{{/{value}}}}} at {_where(text, pos)} closes a section that is not open")
            name, inverted, start, parent = stack.pop()
            if name != value:
                raise TemplateError(
                    f"{{{{/{value}}}}} at {_where(text, pos)} closes {{{{/{name}}}}}'s section "
                    f"(opened at {_where(text, start)})"
                )
            parent.append(Section(name, inverted, tuple(out)))
            out = parent
    if stack:
        name, inverted, start, _ = stack[-1]
        sigil = "^" if inverted else "#"
        raise TemplateError(f"section {{{{{sigil}{name}}}}} is never closed (opened at {_where(text, start)})")
    return tuple(out)


def names(nodes: tuple[Node, ...]) -> list[str]:
    """Every name the tree refers to, in order of first use."""
    seen: dict[str, None] = {}

    def walk(ns: tuple[Node, ...]) -> None:
        for n in ns:
            if isinstance(n, Var):
                seen.setdefault(n.name, None)
            elif isinstance(n, Section):
                seen.setdefault(n.name, None)
                walk(n.body)

    walk(nodes)
    return list(seen)


def variables(text: str) -> list[str]:
    """Names a template refers to, in order of first use (TemplateError if malformed)."""
    return names(parse(text))


def truthy(value: Any) -> bool:
    """Set, for a section: not None, "", 0 or False."""
    return value is not None and value != "" and value is not False and value != 0


def show(value: Any) -> str:
    """A value as inserted: booleans read as yes/no, None as nothing."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def render_tree(nodes: tuple[Node, ...], values: Mapping[str, Any], keep: AbstractSet[str] = frozenset()) -> str:
    """The tree filled with ``values``.

    Each value is converted to a string and appended to the output; the
    output is never parsed again, which is what makes values inert. A name in
    ``keep`` with no value (None) is written back as its tag, as written.
    """
    out: list[str] = []

    def walk(ns: tuple[Node, ...]) -> None:
        for n in ns:
            if isinstance(n, Text):
                out.append(n.text)
            elif isinstance(n, Var):
                value = values.get(n.name)
                out.append(n.source if value is None and n.name in keep else show(value))
            elif truthy(values.get(n.name)) != n.inverted:
                walk(n.body)

    walk(nodes)
    return "".join(out)


def render(text: str, values: Mapping[str, Any], keep: AbstractSet[str] = frozenset()) -> str:
    """Parse and render in one go (TemplateError if the template is malformed)."""
    return render_tree(parse(text), values, keep)


def literal(text: str) -> str:
    """Any text as a template that renders back to exactly that text."""
    return _START.sub(lambda m: m.group(1) * 2 + "\\{{", text)


def literal_before_tag(text: str) -> str:
    """``literal(text)`` for a piece that a tag will follow directly.

    Backslashes at its end (or before its last ``{``) are doubled, so they
    stay backslashes instead of escaping the tag that comes next.
    """
    out = literal(text)
    m = _TRAIL.search(out)
    if m is None:  # cannot happen: every part of _TRAIL may be empty, so it matches at the end
        return out
    return out[: m.start()] + m.group(1) * 2 + m.group(2)


_TRAIL = re.compile(r"(\\*)(\{?)\Z")
