"""Issue #15: imports keep what their authors wrote, say what they could not
import, never replace a recipe silently, and are all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "recipes"
BRACES = FIXTURES / "braces"
LLM = FIXTURES / "llm_more"


def sent(fake):
    return fake.chat_requests[-1]["json"]


def recipe_files(aigc) -> list[str]:
    folder = aigc.home / "recipes"
    return sorted(p.name for p in folder.glob("*.toml")) if folder.is_dir() else []


def test_other_tools_braces_reach_the_model_as_written(aigc_api, fake):
    assert aigc_api("recipes", "import", str(BRACES / "probe_rule")).code == 0
    r = aigc_api("run", "probe_rule", "a health probe")
    assert r.code == 0, r.err
    assert sent(fake)["messages"][0]["content"] == (BRACES / "probe_rule" / "system.md").read_text().strip()


def test_a_pattern_that_shows_other_braces_runs_without_warnings(aigc_api, fake):
    aigc_api("recipes", "import", str(BRACES / "probe_rule"))
    assert "warning" not in aigc_api("run", "probe_rule", "x").err


def test_a_kept_placeholder_is_filled_when_the_user_sets_it(aigc_api, fake):
    aigc_api("recipes", "import", str(BRACES / "probe_rule"))
    aigc_api("run", "probe_rule", "--set", "Hostname=example.com", "x")
    system = sent(fake)["messages"][0]["content"]
    assert "Host: example.com" in system and "{{RootURL}}" in system and "{{sha1('seed')}}" in system


def test_import_names_a_variable_the_instructions_need(aigc_api, fake):
    r = aigc_api("recipes", "import", str(BRACES / "to_language"))
    assert r.code == 0
    assert "to_language: needs {{lang_code}}: set it with --set lang_code=…" in r.err


def test_running_without_a_needed_variable_warns_and_sends_it_as_written(aigc_api, fake):
    aigc_api("recipes", "import", str(BRACES / "to_language"))
    r = aigc_api("run", "to_language", "bonjour")
    assert r.code == 0
    assert "uses {{lang_code}} but it has no value" in r.err and "--set lang_code=…" in r.err
    assert "language given by the code {{lang_code}}." in sent(fake)["messages"][0]["content"]


def test_a_needed_variable_given_is_filled_without_a_warning(aigc_api, fake):
    aigc_api("recipes", "import", str(BRACES / "to_language"))
    r = aigc_api("run", "to_language", "--set", "lang_code=ja-jp", "bonjour")
    assert "warning" not in r.err
    assert "Translate every sentence into ja-jp." in sent(fake)["messages"][0]["content"]


def test_importing_over_a_builtin_is_refused_and_writes_nothing(aigc_api, tmp_path):
    (tmp_path / "summarize.yaml").write_text("system: Summarize this news article in $language\n")
    r = aigc_api("recipes", "import", str(tmp_path / "summarize.yaml"))
    assert r.code == 2
    assert "would replace recipe summarize (built-in)" in r.err and "--name NEW" in r.err
    assert recipe_files(aigc_api) == []


def test_a_refused_folder_import_writes_none_of_its_recipes(aigc_api, tmp_path):
    (tmp_path / "summarize.yaml").write_text("prompt: 'Short: $input'\n")
    (tmp_path / "other.yaml").write_text("prompt: 'Other: $input'\n")
    r = aigc_api("recipes", "import", str(tmp_path))
    assert r.code == 2
    assert recipe_files(aigc_api) == []


def test_importing_under_a_new_name_keeps_the_builtin(aigc_api, fake, tmp_path):
    (tmp_path / "summarize.yaml").write_text("prompt: 'News: $input'\n")
    assert aigc_api("recipes", "import", "--name", "news", str(tmp_path / "summarize.yaml")).code == 0
    listed = {r["name"]: r["source"] for r in json.loads(aigc_api("recipes", "list", "--json").out)["recipes"]}
    assert (listed["news"], listed["summarize"]) == ("user", "built-in")


def test_force_replaces_the_builtin(aigc_api, fake, tmp_path):
    (tmp_path / "summarize.yaml").write_text("prompt: 'News: $input'\n")
    assert aigc_api("recipes", "import", "--force", str(tmp_path / "summarize.yaml")).code == 0
    aigc_api("summarize", input="the story")
    assert sent(fake)["messages"] == [{"role": "user", "content": "News: the story"}]


def test_skip_existing_imports_the_others(aigc_api, tmp_path):
    (tmp_path / "summarize.yaml").write_text("prompt: 'News: $input'\n")
    (tmp_path / "other.yaml").write_text("prompt: 'Other: $input'\n")
    r = aigc_api("recipes", "import", "--skip-existing", str(tmp_path))
    assert r.code == 0
    assert "skipped summarize (built-in)" in r.err
    assert recipe_files(aigc_api) == ["other.toml"]


def test_a_schema_only_llm_template_is_a_structured_output_recipe(aigc_api, fake):
    assert aigc_api("recipes", "import", str(LLM / "shape.yaml")).code == 0
    from tests.fixtures.openai_server import Reply

    fake.push(Reply(text='{"title": "The Title", "score": 4}'))  # valid, so no repair request (#26.14)
    assert aigc_api("run", "shape", "The Title, worth 4").code == 0
    body = sent(fake)
    assert body["messages"] == [{"role": "user", "content": "The Title, worth 4"}]
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["title"]


def test_llm_fields_without_an_equivalent_are_reported(aigc_api):
    r = aigc_api("recipes", "import", str(LLM / "with-extras.yaml"))
    assert r.code == 0
    for what in (
        "not imported: extract",
        "not imported: fragments",
        "not imported: options.top_p",
        "not imported: defaults.unused",
    ):
        assert f"with-extras: {what}" in r.err


def test_llm_defaults_and_temperature_are_honoured(aigc_api, fake):
    aigc_api("recipes", "import", str(LLM / "with-extras.yaml"))
    aigc_api("run", "with-extras", "fix typo")
    body = sent(fake)
    assert body["messages"][0]["content"] == "Write a commit message in the conventional style."
    assert body["temperature"] == 0.2


def test_an_llm_variable_without_a_default_is_required(aigc_api, fake):
    aigc_api("recipes", "import", str(LLM / "needs-date.yaml"))
    r = aigc_api("run", "needs-date", "gym")
    assert r.code == 2
    assert "recipe 'needs-date' needs a value for date" in r.err and "--set date=…" in r.err
    assert fake.chat_requests == []


def test_an_llm_variable_given_is_filled(aigc_api, fake):
    aigc_api("recipes", "import", str(LLM / "needs-date.yaml"))
    aigc_api("run", "needs-date", "--set", "date=Monday", "gym")
    assert sent(fake)["messages"] == [{"role": "user", "content": "Today is Monday. Plan my day around: gym"}]


def test_braces_in_an_llm_template_are_text(aigc_api, fake, tmp_path):
    (tmp_path / "jinja.yaml").write_text("prompt: 'Fill {{ name }} and {% if x %} with: $input'\n")
    assert aigc_api("recipes", "import", str(tmp_path / "jinja.yaml")).code == 0
    aigc_api("run", "jinja", "Ana")
    assert sent(fake)["messages"][0]["content"] == "Fill {{ name }} and {% if x %} with: Ana"


def test_a_malformed_single_file_is_one_line_exit_3(aigc_api, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("prompt: [1, 2\n")
    r = aigc_api("recipes", "import", str(bad))
    assert r.code == 3
    assert r.err.startswith(f"aigc: error: {bad}: invalid YAML: ") and r.err.count("\n") == 2  # error + hint
    assert "Traceback" not in r.err and recipe_files(aigc_api) == []


def test_an_llm_template_with_nothing_to_send_is_refused(aigc_api, tmp_path):
    (tmp_path / "empty.yaml").write_text("model: gpt-4o\n")
    r = aigc_api("recipes", "import", str(tmp_path / "empty.yaml"))
    assert r.code == 3
    assert "needs a `prompt`, a `system` or a `schema_object`" in r.err


def test_every_bad_file_of_a_folder_is_listed_on_its_own_line(aigc_api, tmp_path):
    (tmp_path / "a.yaml").write_text("prompt: [oops\n")
    (tmp_path / "b.yaml").write_text("- just\n- a list\n")
    (tmp_path / "c.yaml").write_text("prompt: 'fine: $input'\n")
    r = aigc_api("recipes", "import", str(tmp_path))
    assert r.code == 3
    lines = r.err.splitlines()
    assert lines[0].startswith(f"aigc: cannot import {tmp_path / 'a.yaml'}: invalid YAML")
    assert lines[1].startswith(f"aigc: cannot import {tmp_path / 'b.yaml'}: not an llm template")
    assert lines[2] == "aigc: error: 2 of 3 items cannot be imported (listed above); nothing was imported"
    assert recipe_files(aigc_api) == []


def test_chat_recipe_command_warns_about_a_needed_variable(aigc_api, chat, fake):
    aigc_api("recipes", "import", str(BRACES / "to_language"))
    c = chat()
    c.ready()
    c.say("/recipe to_language")
    c.expect("Recipe to_language:")
    c.expect("--set lang_code=")
    c.ready()
