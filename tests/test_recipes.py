"""Recipe files: user recipes, overriding built-ins, and every kind of broken
recipe giving a one-line error naming the file (exit 3) without a traceback
and without stopping the other recipes."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.openai_server import Reply

GOOD = """name = "haiku"
description = "A haiku about the input."
system = "You write haiku."
prompt = "Write a {{mood}} haiku about: {{input}}"

[params.mood]
type = "choice"
choices = ["happy", "sad"]
default = "happy"
help = "Mood of the poem."
"""


def put(aigc, name: str, text: str):
    folder = aigc.home / "recipes"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_recipe_runs_with_defaults_and_set_values(aigc_api, fake):
    put(aigc_api, "haiku", GOOD)
    aigc_api("run", "haiku", "autumn rain")
    assert fake.chat_requests[-1]["json"]["messages"] == [
        {"role": "system", "content": "You write haiku."},
        {"role": "user", "content": "Write a happy haiku about: autumn rain"},
    ]
    aigc_api("run", "haiku", "--set", "mood=sad", "autumn rain")
    assert fake.chat_requests[-1]["json"]["messages"][-1]["content"] == "Write a sad haiku about: autumn rain"


def test_recipe_model_and_temperature_are_used(aigc_api, fake):
    put(aigc_api, "haiku", GOOD.replace('name = "haiku"', 'name = "haiku"\nmodel = "gpt-4o"\ntemperature = 1.1'))
    aigc_api("run", "haiku", "snow")
    sent = fake.chat_requests[-1]["json"]
    assert (sent["model"], sent["temperature"]) == ("gpt-4o", 1.1)


def test_stdin_goes_into_the_input_variable(aigc_api, fake):
    put(aigc_api, "haiku", GOOD)
    aigc_api("run", "haiku", input="the sea\n")
    assert fake.chat_requests[-1]["json"]["messages"][-1]["content"] == "Write a happy haiku about: the sea\n"


def test_template_without_input_gets_the_input_appended_delimited(aigc_api, fake):
    put(aigc_api, "fixed", 'prompt = "Reply with one word."\n')
    aigc_api("run", "fixed", input="some text")
    assert fake.chat_requests[-1]["json"]["messages"] == [
        {"role": "user", "content": "<input>\nsome text\n</input>\n\nReply with one word."}
    ]


def test_user_recipe_overrides_the_builtin_of_the_same_name(aigc_api, fake):
    put(aigc_api, "summarize", 'prompt = "TL;DR: {{input}}"\n')
    aigc_api("summarize", input="long story")
    assert fake.chat_requests[-1]["json"]["messages"] == [{"role": "user", "content": "TL;DR: long story"}]
    listed = json.loads(aigc_api("recipes", "list", "--json").out)
    assert {"name": "summarize", "source": "override", "description": ""} in listed["recipes"]


def test_task_option_missing_from_an_override_is_a_usage_error(aigc_api, fake):
    put(aigc_api, "summarize", 'prompt = "TL;DR: {{input}}"\n')
    r = aigc_api("summarize", "--bullets", "3", input="long story")
    assert r.code == 2
    assert "recipe 'summarize' has no parameter 'bullets'" in r.err


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('prompt = "unterminated\n', "invalid TOML: "),
        ('prompt = "{{input}}"\ncolour = "red"\n', "colour: unknown field"),
        ('prompt = "Hello {{who}}: {{input}}"\n', "prompt uses {{who}} but there is no parameter 'who'"),
        ('prompt = "{{input}}"\ntemperature = "hot"\n', "temperature: Input should be a valid number"),
        (
            'prompt = "x"\n[params.n]\ntype = "int"\ndefault = "many"\n',
            "params.n: default must be a whole number, not 'many'",
        ),
        ('prompt = "x"\n[params.c]\ntype = "choice"\n', "choice parameter needs a non-empty `choices` list"),
        ('prompt = "{{#a}}x {{input}}"\n[params.a]\ntype = "bool"\n', "section {{#a}} is never closed"),
        ('name = "other"\nprompt = "x"\n', "name 'other' does not match the file name 'broken'"),
    ],
    ids=[
        "bad-toml",
        "unknown-field",
        "missing-variable",
        "wrong-type",
        "bad-default",
        "choice-without-choices",
        "unclosed-section",
        "name-mismatch",
    ],
)
def test_broken_recipe_is_a_config_error_naming_file_and_problem(aigc_api, fake, text, problem):
    path = put(aigc_api, "broken", text)
    r = aigc_api("run", "broken", "x")
    assert r.code == 3, r.err
    first = r.err.splitlines()[0]
    assert first.startswith(f"aigc: error: recipe {path}: ")
    assert problem in first
    assert "Traceback" not in r.err
    assert fake.chat_requests == []


def test_bad_toml_error_gives_the_line(aigc_api, fake):
    put(aigc_api, "broken", 'description = "ok"\nprompt = "{{input}}"\nparams = [oops\n')
    r = aigc_api("run", "broken", "x")
    assert "line 3" in r.err


def test_broken_recipe_does_not_stop_the_others(aigc_api, fake):
    put(aigc_api, "broken", "this is not toml")
    put(aigc_api, "haiku", GOOD)
    listed = aigc_api("recipes", "list")
    assert listed.code == 0
    names = [line.split()[0] for line in listed.out.splitlines()]
    assert {"haiku", "write", "summarize", "ask", "plan"} <= set(names) and "broken" not in names
    assert "broken recipe skipped" in listed.err and "broken.toml" in listed.err
    fake.push(Reply(text="ok"))
    assert aigc_api("run", "haiku", "x").code == 0
    assert aigc_api("write", "x").code == 0


def test_broken_override_of_a_task_recipe_fails_the_task_clearly(aigc_api, fake):
    path = put(aigc_api, "write", 'prompt = "{{nope}}"\n')
    r = aigc_api("write", "a note")
    assert r.code == 3
    assert f"recipe {path}: prompt uses {{{{nope}}}}" in r.err
