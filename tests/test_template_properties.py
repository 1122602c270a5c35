"""Property tests (hypothesis) for the template engine: a well-formed
template renders exactly what an independent walk of its tree gives (so no
tag ever leaks and sections nest), values are never read as templates, and
any text at all either parses or is one TemplateError with a position."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from aigc_cli.recipes import fabric, llm
from aigc_cli.recipes import template as t

NAMES = st.sampled_from(["a", "b", "lang", "x_1"])
# text made of the characters that matter to the engine, and a few others
TRICKY = st.text(alphabet=st.sampled_from(list("{}\\#^/$%s ax\n中")), max_size=12)
VALUE = st.one_of(
    TRICKY,
    st.sampled_from(["{{x}}", "$x", "%s", "\\{{", "{{#a}}", "{{/a}}", "${a}", "\\\\{{a}}"]),
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
)
VALUES = st.dictionaries(NAMES, VALUE)
FAST = settings(max_examples=300, deadline=None)


@dataclass(frozen=True)
class Sec:
    name: str
    inverted: bool
    body: tuple


def nodes(depth: int = 3) -> st.SearchStrategy[tuple]:
    leaf = st.one_of(TRICKY.map(lambda s: ("text", s)), NAMES.map(lambda n: ("var", n)))
    if depth == 0:
        return st.lists(leaf, max_size=4).map(tuple)
    sec = st.builds(Sec, NAMES, st.booleans(), st.deferred(lambda: nodes(depth - 1)))
    return st.lists(st.one_of(leaf, sec), max_size=4).map(tuple)


def merged(tree: tuple) -> list:
    """Adjacent texts as one (their escapes must not meet at a boundary)."""
    out: list = []
    for n in tree:
        if isinstance(n, tuple) and n[0] == "text" and out and isinstance(out[-1], tuple) and out[-1][0] == "text":
            out[-1] = ("text", out[-1][1] + n[1])
        else:
            out.append(n)
    return out


def serialize(tree: tuple, last: bool = True) -> str:
    parts = merged(tree)
    out = []
    for i, n in enumerate(parts):
        at_end = last and i == len(parts) - 1
        if isinstance(n, Sec):
            sigil = "^" if n.inverted else "#"
            out.append(f"{{{{{sigil}{n.name}}}}}{serialize(n.body, last=False)}{{{{/{n.name}}}}}")
        elif n[0] == "var":
            out.append(f"{{{{{n[1]}}}}}")
        else:
            out.append(t.literal(n[1]) if at_end else t.literal_before_tag(n[1]))
    return "".join(out)


def reference(tree: tuple, values: dict) -> str:
    out = []
    for n in tree:
        if isinstance(n, Sec):
            if t.truthy(values.get(n.name)) != n.inverted:
                out.append(reference(n.body, values))
        elif n[0] == "var":
            out.append(t.show(values.get(n[1])))
        else:
            out.append(n[1])
    return "".join(out)


@FAST
@given(nodes(), VALUES)
def test_a_well_formed_template_renders_as_its_tree_says(tree, values):
    assert t.render(serialize(tree), values) == reference(tree, values)


@FAST
@given(nodes())
def test_a_well_formed_template_always_parses(tree):
    assert isinstance(t.parse(serialize(tree)), tuple)


@FAST
@given(TRICKY, VALUE, TRICKY)
def test_a_value_reaches_the_output_verbatim(before, value, after):
    tpl = t.literal_before_tag(before) + "{{a}}" + t.literal(after)
    assert t.render(tpl, {"a": value}) == before + t.show(value) + after


@FAST
@given(st.text(max_size=60))
def test_literal_of_any_text_renders_back_to_it(text):
    assert t.render(t.literal(text), {"a": "v", "x": "v"}) == text


@FAST
@given(st.text(alphabet=st.sampled_from(list("{}\\#^/ ab\n")), max_size=30))
def test_any_text_parses_or_is_one_error_with_a_position(text):
    try:
        t.parse(text)
    except t.TemplateError as exc:
        message = str(exc)
        assert "\n" not in message
        assert re.search(r"line \d+, column \d+", message)


@FAST
@given(st.text(alphabet=st.sampled_from(list("{}\\ ab_Ax\n")), max_size=40), st.dictionaries(NAMES, TRICKY))
def test_a_fabric_pattern_renders_as_written_with_only_given_values_filled(text, values):
    names = set(fabric.placeholders(text))
    expected = fabric.PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    assert t.render(fabric.to_template(text), values, keep=names) == expected


@FAST
@given(st.text(alphabet=st.sampled_from(list("${}\\ ab_5\n")), max_size=40), TRICKY)
def test_an_llm_template_renders_like_string_template(text, value):
    tpl = llm.to_template(text)
    values = {n: value for n in t.variables(tpl)}
    assert t.render(tpl, values) == string.Template(text).safe_substitute(values)
