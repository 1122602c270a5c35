"""llm (simonw/llm) YAML templates as recipes.

An llm template has ``system``, ``prompt``, ``model``, ``defaults``,
``options``, ``schema_object``, ``extract``, ``fragments``...; placeholders are
Python ``string.Template``'s ``$name`` / ``${name}`` (``$$`` is a ``$``).
What aigc has an equivalent for is imported; everything else is named in the
report, never dropped silently:

* ``schema_object`` -> ``json_schema`` (a structured-output recipe, also when
  the template has nothing else);
* ``defaults`` -> parameter defaults; a variable with no default is required
  when the recipe runs (llm refuses to run without it too);
* ``options.temperature`` / ``options.max_tokens`` -> the recipe's own;
* ``fragments``, ``extract``, other options and unknown keys -> reported.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aigc_cli.recipes.template as template
from aigc_cli.errors import ConfigError
from aigc_cli.recipes.fabric import read
from aigc_cli.recipes.model import INPUT, Param

_DOLLAR = re.compile(r"\$(?:(\$)|(" + template.NAME + r")|\{(" + template.NAME + r")\})")
KNOWN = {"name", "system", "prompt", "model", "defaults", "options", "schema_object"}
REPORTED = {
    "fragments": "aigc has no fragments; pass their text with --file",
    "system_fragments": "aigc has no fragments; pass their text with --file",
    "extract": "aigc prints the whole answer, not only its first code block",
    "extract_last": "aigc prints the whole answer, not only its last code block",
    "tools": "aigc recipes cannot call tools",
    "functions": "aigc recipes cannot call tools",
}
OPTIONS = {"temperature", "max_tokens"}


def to_template(text: str) -> str:
    """llm text as a recipe template: ``$name`` -> ``{{name}}``, every ``{{`` literal."""
    out: list[str] = []
    pos = 0
    for m in _DOLLAR.finditer(text):
        if m.group(1):  # "$$": a literal "$", part of the text
            continue
        out.append(template.literal_before_tag(text[pos : m.start()].replace("$$", "$")))
        out.append(f"{{{{{m.group(2) or m.group(3)}}}}}")
        pos = m.end()
    out.append(template.literal(text[pos:].replace("$$", "$")))
    return "".join(out)


ALIAS_GROWTH = 64 * 1024  # what aliases may add to a document, in expanded nodes + characters


def _children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _expanded_size(root: Any, limit: int) -> int:
    """The size of a composed YAML document with every alias expanded (nodes + scalar characters).

    Memoized per node, so a "billion laughs" document (each level aliasing the
    one below ten times) is measured in linear time instead of being built.
    Iterative (nesting may be deep); a cycle counts as too big; sizes stop at ``limit + 1``.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    visiting: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            visiting.discard(key)
            own = 1 + len(node.value) if isinstance(node.value, str) else 1
            sizes[key] = min(own + sum(sizes[id(c)] for c in _children(node)), limit + 1)
            continue
        if key in sizes:
            continue
        if key in visiting:  # an alias inside its own anchor
            return limit + 1
        visiting.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)
    return sizes[id(root)]


def _load_yaml(path: Path) -> Any:
    import yaml

    try:
        text = read(path)
        root = yaml.compose(text, Loader=yaml.SafeLoader)  # the node graph: aliases not yet expanded
        if root is None:
            return None
        limit = len(text) + ALIAS_GROWTH
        if _expanded_size(root, limit) > limit:
            raise ConfigError(f"{path}: refused: its aliases expand to more than {limit:,} nodes and characters")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {_yaml_problem(exc)}") from None
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. a date like 2024-13-45
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None


def _yaml_problem(exc: Exception) -> str:
    """PyYAML's several-line message as one line: the problem and where."""
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if problem and mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(exc).split())


def _text(path: Path, data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{path}: `{key}` must be text, not {type(value).__name__}")
    return value


def _mapping(path: Path, data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: `{key}` must be a mapping, not {type(value).__name__}")
    return {str(k): v for k, v in value.items()}


def _options(path: Path, data: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    options = _mapping(path, data, "options")
    out = {k: v for k, v in options.items() if k in OPTIONS}
    for k in sorted(set(options) - OPTIONS):
        notes.append(f"not imported: options.{k} (aigc sets only temperature and max_tokens per recipe)")
    return out


def _model(data: dict[str, Any], path: Path, notes: list[str]) -> str | None:
    model = data.get("model")
    if model is None:
        return None
    if not isinstance(model, str | int | float) or isinstance(model, bool):
        raise ConfigError(f"{path}: `model` must be a model name")
    name = str(model)
    if name.startswith("openai/"):
        notes.append(f"model {name} imported as {name.removeprefix('openai/')}")
        name = name.removeprefix("openai/")
    return name


def _params(texts: str, defaults: dict[str, Any], notes: list[str]) -> dict[str, Param]:
    """A string parameter per placeholder; its default from ``defaults``, else required."""
    used = [n for n in template.variables(texts) if n != INPUT]
    params: dict[str, Param] = {}
    for name in used:
        if name not in defaults:
            params[name] = Param(unset="error", help="imported variable (required)")
            notes.append(f"needs ${name}: set it with --set {name}=… when you run it")
        elif defaults[name] is None:
            params[name] = Param(help="imported variable")
            notes.append(f"defaults.{name} is empty (llm would send 'None'); it is sent as nothing unless set")
        else:
            params[name] = Param(default=str(defaults[name]), help="imported variable")
    for name in sorted(set(defaults) - set(used) - {INPUT}):
        notes.append(f"not imported: defaults.{name} (the template does not use ${name})")
    return params


def fields(path: Path) -> tuple[dict[str, Any], list[str]]:
    """Recipe fields for one llm template file, and notes for the import report."""
    data = _load_yaml(path)
    if isinstance(data, str):
        data = {"prompt": data}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: not an llm template (expected a mapping or a text)")
    data = {str(k): v for k, v in data.items()}
    notes: list[str] = []
    system, prompt = _text(path, data, "system"), _text(path, data, "prompt")
    schema = data.get("schema_object")
    if schema is not None and not isinstance(schema, dict):
        raise ConfigError(f"{path}: `schema_object` must be a JSON schema (a mapping)")
    if not (prompt or system or schema):
        raise ConfigError(f"{path}: an llm template needs a `prompt`, a `system` or a `schema_object`")
    for key in sorted(set(data) - KNOWN):
        if data[key] in (None, False, [], {}):
            continue
        notes.append(f"not imported: {key} ({REPORTED.get(key, 'not an llm template field aigc knows')})")
    out: dict[str, Any] = {
        "description": f"imported from llm template {path.name}",
        "system": to_template(system) if system else None,
        "prompt": to_template(prompt) if prompt else "{{input}}",
        "model": _model(data, path, notes),
        "json_schema": schema,
        **_options(path, data, notes),
    }
    out["params"] = _params((out["system"] or "") + "\n" + out["prompt"], _mapping(path, data, "defaults"), notes)
    return out, notes
