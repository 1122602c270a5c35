"""The recipe template engine (aigc_cli/recipes/template.py): sections nest,
values are inserted once and never read as a template, malformed templates
are one clear error with a position. The engine is pure, so it is tested
in-process; the failing-first bug test also runs the real `aigc`."""

from __future__ import annotations

import pytest

from aigc_cli.recipes import template as t

NESTED_SAME_NAME = "{{#a}}x{{#a}}y{{/a}}z{{/a}}!"


def test_nested_sections_of_the_same_name_unset_render_only_the_rest():
    assert t.render(NESTED_SAME_NAME, {"a": ""}) == "!"


def test_nested_sections_of_the_same_name_set_render_every_body():
    assert t.render(NESTED_SAME_NAME, {"a": "1"}) == "xyz!"


def test_nested_same_name_section_in_a_system_prompt_sends_no_tag(aigc_api, fake):
    """Issue #11's bug, end to end: the old regex engine sent `z{{/a}}!`."""
    folder = aigc_api.home / "recipes"
    folder.mkdir()
    (folder / "nest.toml").write_text(
        f'system = "{NESTED_SAME_NAME}"\nprompt = "{{{{input}}}}"\n[params.a]\ndefault = ""\n', encoding="utf-8"
    )
    assert aigc_api("run", "nest", "hi").code == 0
    assert fake.chat_requests[-1]["json"]["messages"][0] == {"role": "system", "content": "!"}


def test_inverted_section_inside_a_section_of_the_same_name():
    assert t.render("{{#a}}[{{^a}}never{{/a}}]{{/a}}", {"a": "v"}) == "[]"


def test_a_value_that_looks_like_a_tag_is_inserted_verbatim():
    assert t.render("<{{x}}>", {"x": "{{y}} {{#y}}z{{/y}} \\{{ $x %s"}) == "<{{y}} {{#y}}z{{/y}} \\{{ $x %s>"


def test_a_value_that_closes_a_section_does_not_close_it():
    assert t.render("{{#a}}{{b}}|{{/a}}end", {"a": "1", "b": "{{/a}}"}) == "{{/a}}|end"


def test_escaped_braces_are_a_literal_pair():
    assert t.render("\\{{x}}", {"x": "no"}) == "{{x}}"


def test_two_backslashes_before_a_tag_are_one_backslash_and_the_tag():
    assert t.render("\\\\{{x}}", {"x": "v"}) == "\\v"


def test_extra_braces_before_a_tag_are_text():
    assert t.render("{{{x}}}", {"x": "v"}) == "{v}"


def test_spaces_inside_a_tag_are_allowed():
    assert t.render("{{ #a }}{{ a }}{{ /a }}", {"a": "v"}) == "v"


def test_booleans_read_as_yes_and_no_and_none_as_nothing():
    assert t.render("{{a}}/{{b}}/{{c}}", {"a": True, "b": False, "c": None}) == "yes/no/"


@pytest.mark.parametrize("value", [None, "", 0, False])
def test_unset_values_skip_a_section(value):
    assert t.render("{{#a}}on{{/a}}{{^a}}off{{/a}}", {"a": value}) == "off"


def test_a_kept_name_with_no_value_stays_as_written():
    assert t.render("Host: {{ Hostname }}", {}, keep={"Hostname"}) == "Host: {{ Hostname }}"


def test_a_kept_name_with_a_value_is_filled():
    assert t.render("Host: {{Hostname}}", {"Hostname": "example.com"}, keep={"Hostname"}) == "Host: example.com"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a {{ b-c }}", "bad tag '{{ b-c }}' at line 1, column 3"),
        ("x\n  {{base64('x')}}", "bad tag \"{{base64('x')}}\" at line 2, column 3"),
        ("{{}}", "bad tag '{{}}' at line 1, column 1"),
        ("oops {{", "bad tag '{{' at line 1, column 6"),
        ("{{/a}}", "{{/a}} at line 1, column 1 closes a section that is not open"),
        (
            "{{#a}}{{#b}}{{/a}}{{/b}}",
            "{{/a}} at line 1, column 13 closes {{/b}}'s section (opened at line 1, column 7)",
        ),
        ("{{^a}}", "section {{^a}} is never closed (opened at line 1, column 1)"),
    ],
    ids=["bad-name", "expression", "empty", "unclosed-tag", "stray-close", "crossed", "unclosed-section"],
)
def test_a_malformed_template_is_one_error_with_its_position(text, problem):
    with pytest.raises(t.TemplateError) as err:
        t.parse(text)
    assert str(err.value).startswith(problem)


def test_the_error_says_how_to_write_literal_braces():
    with pytest.raises(t.TemplateError, match=r"write \\\{\{ for a literal \{\{"):
        t.parse("{{ x.y }}")


def test_variables_are_listed_in_order_of_first_use_with_sections():
    assert t.variables("{{b}}{{#a}}{{c}}{{/a}}{{b}}") == ["b", "a", "c"]


def test_literal_text_renders_back_to_itself():
    text = "\\{{ {{x}} {{{ \\\\{{#y}} }}"
    assert t.render(t.literal(text), {"x": "no", "y": "no"}) == text


def test_a_malformed_user_recipe_template_is_exit_3_naming_the_file(aigc_api, fake):
    folder = aigc_api.home / "recipes"
    folder.mkdir()
    path = folder / "vue.toml"
    path.write_text('prompt = "<h1>{{ page.title }}</h1> {{input}}"\n', encoding="utf-8")
    r = aigc_api("run", "vue", "x")
    assert r.code == 3
    assert r.err.splitlines()[0].startswith(f"aigc: error: recipe {path}: prompt: bad tag '{{{{ page.title }}}}'")
    assert fake.chat_requests == []
