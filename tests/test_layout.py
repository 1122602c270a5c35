"""The layout's rules (docs/ARCHITECTURE.md, "Layers"): no import circles, and the
core never imports the UI libraries. Read from the source with ast, every import
counted (function-level ones too), so a lazy import cannot hide a circle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "aigc_cli"
UI_LIBS = ("typer", "rich", "prompt_toolkit")
UI_MODULES = ("aigc_cli.cli", "aigc_cli.chat.repl", "aigc_cli.render")


def _modules() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                deps.add(node.module)
                deps.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[name] = deps
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    edges = {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}
    found, state, stack = [], {}, []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(edges[m]):
            if state.get(d) == 1:
                found.append(stack[stack.index(d) :] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)
    return found


def test_the_import_graph_has_no_circle():
    assert _cycles(_modules()) == []


def test_the_core_never_imports_typer_rich_or_prompt_toolkit():
    offenders = {
        module: sorted(d for d in deps if d.split(".")[0] in UI_LIBS)
        for module, deps in _modules().items()
        if not module.startswith(UI_MODULES)
    }
    assert {m: d for m, d in offenders.items() if d} == {}


def test_only_the_backend_modules_import_their_sdks():
    sdk = {"openai": "aigc_cli.backends.openai", "llama_cpp": "aigc_cli.backends."}
    for module, deps in _modules().items():
        for lib, home in sdk.items():
            if any(d.split(".")[0] == lib for d in deps):
                assert module.startswith(home), f"{module} imports {lib}"


# ------------------------------------------------------------ direction
# The dependency direction docs/ARCHITECTURE.md draws ("Dependency direction"),
# package by package: each lower package may import only the leaves and the
# packages listed under it. Function-level imports count.

LEAVES = {
    "config",
    "config_sections",
    "messages",
    "errors",
    "paths",
    "tokens",
    "textsplit",
    "modeltable",
    "fileio",
    "termsafe",
    "inputs",
    "notices",
    "webpage",
    "names",
}
BELOW = {
    "store": set(),
    "recipes": set(),
    "localmodels": set(),
    "backends": {"localmodels"},
    "context": {"backends"},
    "kb": {"backends", "store"},
    "memory": {"backends", "context", "store"},
}
# upward edges in work that landed this round, each a debt with its owner's reason
KNOWN_UPWARD = {
    ("store", "tools"): "store/toolcalls.py reads rows into tools.base.ToolRecord (the row type belongs in store/)",
    ("backends", "speech"): "backends/local.py speaks through speech/espeak.py (an engine, not a backend concern)",
}


def _unit(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "aigc_cli" else None


def _package_edges() -> set[tuple[str, str]]:
    edges = set()
    for module, deps in _modules().items():
        src = _unit(module)
        for dep in deps:
            dst = _unit(dep)
            if src and dst and src != dst and dst != "__version__":
                edges.add((src, dst))
    return edges


def test_the_core_packages_import_only_downwards():
    edges = _package_edges()
    upward = sorted(
        (src, dst)
        for src, dst in edges
        if src in BELOW and dst not in LEAVES | BELOW[src] and (src, dst) not in KNOWN_UPWARD
    )
    assert upward == []


def test_the_leaves_import_no_package():
    edges = _package_edges()
    assert sorted((s, d) for s, d in edges if s in LEAVES and d not in LEAVES) == []


def test_nothing_imports_the_cli_but_the_entry_point():
    edges = _package_edges()
    assert sorted(s for s, d in edges if d == "cli" and s != "__main__") == []


def test_the_core_never_prints():
    """User-facing text leaves the core as return values, errors or notices (aigc_cli/notices.py)."""
    ui = ("aigc_cli/cli/", "aigc_cli/chat/repl.py", "aigc_cli/render.py", "aigc_cli/__main__.py")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if rel.startswith(ui):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


def test_no_backend_name_is_compared_outside_backends():
    """Backend-specific rules go through the Backend contract (backends/base.py), not `== "local"`."""
    names = {"local", "openai"}
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if rel.startswith("aigc_cli/backends/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Compare)
                and any(isinstance(c, ast.Constant) and c.value in names for c in [node.left, *node.comparators])
                and not any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
            ):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


def test_sql_lives_in_the_store():
    """Every SQL statement is in store/ (or kb/, whose bases are their own SQLite files)."""
    starts = ("INSERT INTO", "INSERT OR", "DELETE FROM", "CREATE TABLE")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if rel.startswith(("aigc_cli/store/", "aigc_cli/kb/")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = " ".join(node.value.split()).upper()
                if (
                    (text.startswith("SELECT ") and " FROM " in text)
                    or text.startswith(starts)
                    or (text.startswith("UPDATE ") and " SET " in text)
                ):
                    offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


def test_the_editor_is_chosen_in_one_place():
    """$VISUAL/$EDITOR is read by cli/editor.py only: every command edits the same way."""
    readers = sorted(
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*.py")
        if '"EDITOR"' in path.read_text(encoding="utf-8")
    )
    assert readers == ["aigc_cli/cli/editor.py"]


def test_names_are_checked_in_one_place():
    """Recipe, knowledge-base and MCP server names follow aigc_cli/names.py's one rule."""
    users = sorted(
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*.py")
        if any(f"fullmatch({name}" in path.read_text(encoding="utf-8") for name in ("NAME_RE", "recipes.NAME_RE"))
    )
    assert users == ["aigc_cli/names.py"]


def test_a_bad_recipe_name_is_one_usage_error():
    import pytest

    from aigc_cli.errors import UsageError
    from aigc_cli.recipes import check_name, is_name, user_file

    assert is_name("tl.dr-2") and not is_name("../config") and not is_name("x" * 65)
    for call in (check_name, user_file):
        with pytest.raises(UsageError, match="bad recipe name '../config'") as caught:
            call("../config")
        assert caught.value.exit_code == 2


def _private_typer_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [n for n in names if n.startswith(("typer._", "click")) or "_click" in n]
    return found


def test_no_module_touches_typer_or_click_internals():
    """Completion uses typer's public autocompletion= (cli/complete_values.py); nothing reaches further."""
    offenders = {str(p.relative_to(PACKAGE)): _private_typer_imports(p) for p in PACKAGE.rglob("*.py")}
    assert {p: found for p, found in offenders.items() if found} == {}


def test_each_command_is_one_module_named_as_typed_and_none_imports_another():
    """cli/commands/NAME.py for every command in cli/main.py's COMMANDS; what two share lives in cli/."""
    from aigc_cli.cli.main import COMMANDS

    folder = PACKAGE / "cli" / "commands"
    assert sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__") == sorted(COMMANDS)
    graph = _modules()
    crossing = {
        m: sorted(d for d in deps if d.startswith("aigc_cli.cli.commands.") and d.count(".") == 3 and d != m)
        for m, deps in graph.items()
        if m.startswith("aigc_cli.cli.commands.")
    }
    assert {m: d for m, d in crossing.items() if d} == {}
