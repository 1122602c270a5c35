"""Every command's help in one style (issue #26, item 21): UPPER placeholders,
arguments as NAME / [NAME] / NAME..., whole first sentences as summaries.

Walks the same click command the installed `aigc` runs (cli/main.py), so a
new command or option is checked the day it is added.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from aigc_cli.cli.helpstyle import first_sentence
from aigc_cli.cli.main import _command

PLACEHOLDER = r"(?:[A-Z][A-Z0-9_]*(?:[=|](?:[A-Z][A-Z0-9_]*|-))*(?:\.\.\.)?)"
CHOICES = r"(?:[a-z0-9_-]+(?:\|[a-z0-9_-]+)+)"  # literal values, typed as shown
SIZE = r"(?:[A-Z]x[A-Z])"  # WxH: a width and a height
USAGE_WORD = re.compile(rf"^(?:\[OPTIONS\]|COMMAND|\[ARGS\]\.\.\.|--|{PLACEHOLDER})$")


def _usage_ok(words: str) -> bool:
    """Each word a placeholder; an optional part in [] holds placeholders (or `--`)."""
    for token in re.findall(r"\[[^\]]*\](?:\.\.\.)?|\S+", words):
        inner = token[1:-1].split() if token.startswith("[") and token != "[OPTIONS]" else [token]
        if token == "[ARGS]...":
            continue
        if not all(USAGE_WORD.match(w) for w in inner):
            return False
    return True


def _commands() -> Iterator[tuple[str, Any, Any]]:
    root = _command()

    def walk(cmd: Any, path: list[str], parent: Any) -> Iterator[tuple[str, Any, Any]]:
        ctx = cmd.context_class(cmd, info_name=path[-1], parent=parent)
        yield " ".join(path), cmd, ctx
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, [*path, name], ctx)

    return walk(root, ["aigc"], None)


COMMANDS = list(_commands())


@pytest.mark.parametrize("path, cmd, ctx", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_help_uses_one_style(path, cmd, ctx):
    text = cmd.get_help(ctx)
    usage = text.splitlines()[0]
    assert usage.startswith(f"Usage: {path} ")
    assert _usage_ok(usage[len(f"Usage: {path} ") :]), usage
    assert not re.search(r"<[a-z][^>]*>", text), "a type placeholder like <str>"
    for param in cmd.params:
        if param.param_type_name == "option" and not param.is_flag and not param.hidden:
            shown = param.make_metavar(ctx)
            assert re.fullmatch(f"{PLACEHOLDER}|{CHOICES}|{SIZE}", shown) or shown.startswith("["), (
                f"{param.opts}: {shown}"
            )
    if cmd.help:
        assert first_sentence(cmd.help).endswith((".", "!", "?", ")", "`")), cmd.help


@pytest.mark.parametrize(
    "path, cmd, ctx",
    [c for c in COMMANDS if getattr(c[1], "commands", None)],
    ids=[c[0] for c in COMMANDS if getattr(c[1], "commands", None)],
)
def test_group_listings_show_whole_first_sentences(path, cmd, ctx):
    for name, sub in cmd.commands.items():
        if sub.hidden:
            continue
        short = sub.get_short_help_str(limit=1000)
        assert not short.endswith(("e.g.", "i.e.")), f"{path} {name}: {short!r}"
        assert short == first_sentence(sub.help or short), f"{path} {name}: {short!r}"


def test_first_sentence_is_not_cut_at_an_abbreviation():
    assert first_sentence("Print one setting, e.g. `aigc config get model`. More.") == (
        "Print one setting, e.g. `aigc config get model`."
    )
