"""fabric patterns as recipes, keeping every character their authors wrote.

A pattern is a folder with ``system.md`` (the instructions) and an optional
``user.md``; fabric fills ``{{input}}`` and ``{{name}}`` placeholders. Many
patterns also *show* other tools' braces: Nuclei's ``{{Hostname}}`` and
``{{base64('x')}}``, Vue's ``{{ frontmatter.title }}``. So on import:

* every ``{{`` that is not a plain ``{{name}}`` is escaped: it is text;
* each plain ``{{name}}`` becomes a parameter that, when the user gives no
  value, is sent *as written* (``unset = "keep"``): an unset pattern reaches
  the model exactly as its author wrote it;
* a name the pattern obviously needs (``lang_code`` in ``translate``: used in
  the prose, in a file that uses no other brace syntax) gets ``unset =
  "warn"``: left as written too, but the user is told how to set it.
"""

from __future__ import annotations

import re
from pathlib import Path

import aigc_cli.recipes.template as template
from aigc_cli.errors import ConfigError
from aigc_cli.recipes.model import INPUT, Param

# a plain placeholder, not part of a longer run of braces ({{{x}}} is someone else's syntax)
PLACEHOLDER = re.compile(r"(?<!\{)\{\{\s*(" + template.NAME + r")\s*\}\}")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_INLINE_CODE = re.compile(r"`[^`\n]*`")


def to_template(text: str) -> str:
    """Pattern text as a recipe template: placeholders kept, every other ``{{`` literal."""
    out: list[str] = []
    pos = 0
    for m in PLACEHOLDER.finditer(text):
        out.append(template.literal_before_tag(text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(template.literal(text[pos:]))
    return "".join(out)


def placeholders(text: str) -> list[str]:
    """Plain ``{{name}}`` placeholders, in order of first use."""
    return list(dict.fromkeys(m.group(1) for m in PLACEHOLDER.finditer(text)))


def uses_other_braces(text: str) -> bool:
    """Whether the text has ``{{`` that are not plain placeholders (Nuclei, Vue, Jinja...)."""
    return text.count("{{") > len(PLACEHOLDER.findall(text))


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code spans."""
    kept: list[str] = []
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            kept.append(_INLINE_CODE.sub("", line))
    return "\n".join(kept)


def needed(text: str) -> set[str]:
    """Names the instructions need: used in the prose of a file with no other braces."""
    if uses_other_braces(text):
        return set()
    return set(placeholders(_prose(text))) - {INPUT}


def read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def inside(path: Path, folder: Path) -> Path:
    """``path`` if it (through any links) stays within ``folder``; else ConfigError naming it.

    Why: a pattern's ``system.md`` linked to ``~/.ssh/id_rsa`` or any other
    file would become a system prompt sent to the API (issue #25 §8).
    """
    target = path.resolve()
    if not target.is_relative_to(folder.resolve()):
        raise ConfigError(f"{path} is a link to {target}, outside {folder}: refused (links must stay inside)")
    return path


def fields(folder: Path) -> tuple[dict[str, object], list[str]]:
    """Recipe fields for a pattern folder, and notes for the import report."""
    system_src = read(inside(folder / "system.md", folder))
    user_path = folder / "user.md"
    user_src = read(inside(user_path, folder)).strip() if user_path.is_file() else ""
    prose = system_src + "\n" + user_src
    names = [n for n in placeholders(prose) if n != INPUT]
    must = needed(system_src) | needed(user_src)
    user = to_template(user_src)
    if INPUT in placeholders(prose):
        prompt = user or "Follow the instructions above."
    else:
        prompt = f"{user}\n\n{{{{input}}}}" if user else "{{input}}"
    params = {
        n: Param(
            unset="warn" if n in must else "keep",
            help=f"imported variable; sent as {{{{{n}}}}} unless set",
        )
        for n in names
    }
    notes = [f"needs {{{{{n}}}}}: set it with --set {n}=… when you run it" for n in names if n in must]
    return {
        "description": f"imported from fabric pattern {folder.name}",
        "system": to_template(system_src.strip()),
        "prompt": prompt,
        "params": params,
    }, notes
