"""typer's private API is used in one module only, and this test fails loudly when typer moves it.

Shell completion of the user's values (models, conversation ids, recipes)
subclasses typer's completion classes (cli/typer_private.py). If a typer
upgrade moves them, completion silently degrades to commands and options;
this test is where that is noticed, before a user does.
"""

from __future__ import annotations

import ast
from pathlib import Path

from aigc_cli.cli.typer_private import completion_api

PACKAGE = Path(__file__).resolve().parents[1] / "aigc_cli"


def test_this_typer_still_has_the_private_completion_api():
    api = completion_api()
    assert api is not None, "typer moved its private completion API: update aigc_cli/cli/typer_private.py"
    assert [c.name for c in api.shell_classes] == ["bash", "zsh", "fish"]
    assert api.completion_item("gpt-4o", help="x").value == "gpt-4o"


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found += [n for n in names if n.startswith(("typer._", "click._")) or n == "click" or n.startswith("click.")]
    return found


def test_no_other_module_touches_typer_or_click_internals():
    offenders = {
        str(p.relative_to(PACKAGE)): _private_imports(p)
        for p in PACKAGE.rglob("*.py")
        if p.name != "typer_private.py" and _private_imports(p)
    }
    assert offenders == {}
