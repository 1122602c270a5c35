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
                found.append(stack[stack.index(d):] + [d])
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
