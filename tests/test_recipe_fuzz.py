"""Fuzzing (hypothesis) the parsers that read user files: recipe TOML, fabric
patterns and llm templates. Each either gives a recipe that renders, or one
ConfigError line; nothing else escapes. The parsers are pure, so they are
driven in-process on real files in a temporary folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

import tomli_w
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aigc_cli.errors import ConfigError, UsageError
from aigc_cli.recipes import fill, imports, load

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXT = st.text(alphabet=st.sampled_from(list("{}\\#^/$ ab_x\n\r中\"'")), max_size=30)
TEMPLATE = st.one_of(TEXT, st.sampled_from(["{{input}}", "{{a}}", "{{#a}}x{{/a}}", "{{^b}}y{{/b}}", "{{a"]))
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, width=16), TEXT)


def one_line(exc: Exception) -> bool:
    return "\n" not in getattr(exc, "message", str(exc))


def renders(recipe) -> None:
    """Rendering with the defaults either works or asks for a required value."""
    try:
        out = fill.render(recipe, {}, "the input")
    except UsageError:
        assert any(p.unset == "error" for p in recipe.params.values())
        return
    assert isinstance(out.prompt, str)


# ------------------------------------------------------------------- TOML

PARAM = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["string", "int", "bool", "choice", "float"]),
        "default": SCALAR.filter(lambda v: v is not None),
        "choices": st.lists(TEXT, max_size=3),
        "help": TEXT,
        "unset": st.sampled_from(["empty", "keep", "warn", "error", "never"]),
    },
)
RECIPE = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["fuzz", "other"]),
        "system": TEMPLATE,
        "prompt": TEMPLATE,
        "params": st.dictionaries(st.sampled_from(["a", "b", "input", "1x"]), PARAM, max_size=3),
        "temperature": SCALAR.filter(lambda v: v is not None),
        "max_tokens": st.integers(-2, 5),
        "colour": TEXT,
    },
)


@SETTINGS
@given(RECIPE)
@example({"params": {"a": {"type": "choice", "default": False, "choices": ["\n"]}}})  # found by the fuzzer
def test_a_recipe_file_loads_and_renders_or_is_one_config_error(data):
    try:
        recipe = load.parse_recipe(tomli_w.dumps(data), "fuzz.toml", "fuzz")
    except ConfigError as exc:
        assert exc.message.startswith("recipe fuzz.toml: ") and one_line(exc)
        return
    renders(recipe)


@SETTINGS
@given(st.text(max_size=80))
def test_any_text_as_a_recipe_file_is_a_recipe_or_one_config_error(text):
    try:
        load.parse_recipe(text, "fuzz.toml", "fuzz")
    except ConfigError as exc:
        assert exc.message.startswith("recipe fuzz.toml: ")


# ----------------------------------------------------------------- fabric


@SETTINGS
@given(TEXT, st.one_of(st.none(), TEXT))
def test_a_fabric_pattern_imports_and_sends_its_text_as_written(system, user):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pattern"
        folder.mkdir()
        (folder / "system.md").write_bytes(system.encode())
        if user is not None:
            (folder / "user.md").write_bytes(user.encode())
        [item] = imports.prepare([folder])
        out = fill.render(item.recipe, {}, "")
        # CRLF survives only as far as reading text does (Python reads \r\n as \n)
        expected = (folder / "system.md").read_text(encoding="utf-8").strip() or None
        assert out.system == expected


@SETTINGS
@given(st.binary(max_size=40))
def test_a_fabric_pattern_of_any_bytes_imports_or_is_one_config_error(data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pattern"
        folder.mkdir()
        (folder / "system.md").write_bytes(data)
        try:
            [item] = imports.prepare([folder])
        except imports.ImportFailed as exc:
            assert len(exc.problems) == 1 and str(folder) in exc.problems[0]
            return
        renders(item.recipe)


# -------------------------------------------------------------------- llm

DOLLAR_TEXT = st.text(alphabet=st.sampled_from(list("${}\\ ab_5\n{")), max_size=30)
# mostly-valid templates, so that the import-then-render path is exercised too
PLAUSIBLE_LLM = st.fixed_dictionaries(
    {"prompt": DOLLAR_TEXT.filter(str.strip)},
    optional={
        "system": DOLLAR_TEXT,
        "defaults": st.dictionaries(st.sampled_from(["a", "b", "a5"]), SCALAR, max_size=3),
        "options": st.fixed_dictionaries({"temperature": st.floats(0, 2)}),
        "schema_object": st.just({"type": "object", "properties": {"a": {"type": "string"}}}),
        "extract": st.booleans(),
        "fragments": st.lists(TEXT, max_size=2),
    },
)
WILD_LLM = st.fixed_dictionaries(
    {},
    optional={
        "system": st.one_of(DOLLAR_TEXT, SCALAR),
        "prompt": st.one_of(DOLLAR_TEXT, SCALAR),
        "model": SCALAR,
        "defaults": st.one_of(st.dictionaries(st.sampled_from(["a", "b", "input"]), SCALAR, max_size=3), SCALAR),
        "options": st.one_of(st.dictionaries(st.sampled_from(["temperature", "max_tokens", "top_p"]), SCALAR), SCALAR),
        "schema_object": st.one_of(st.dictionaries(st.sampled_from(["type", "properties"]), SCALAR), SCALAR),
        "extract": st.booleans(),
        "fragments": st.lists(TEXT, max_size=2),
        "name": TEXT,
        "unknown": SCALAR,
    },
)
LLM_DOC = st.one_of(PLAUSIBLE_LLM, WILD_LLM)


def import_llm(text: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tpl.yaml"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            [item] = imports.prepare([path])
        except imports.ImportFailed as exc:
            assert len(exc.problems) == 1 and exc.problems[0].startswith(f"{path}: ")
            assert one_line(exc)
            return None
        return item


@SETTINGS
@given(LLM_DOC)
def test_an_llm_template_imports_and_renders_or_is_one_config_error(doc):
    item = import_llm(yaml.safe_dump(doc, allow_unicode=True))
    if item is not None:
        renders(item.recipe)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("$:{}[]-'\"\n ab#&*!|>%@`")), max_size=40))
def test_any_text_as_an_llm_template_imports_or_is_one_config_error(text):
    item = import_llm(text)
    if item is not None:
        renders(item.recipe)
