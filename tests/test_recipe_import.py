"""`aigc recipes import`: fabric pattern folders and llm YAML templates become
recipes that run, sending exactly what the original prompt said."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "recipes"
FABRIC = FIXTURES / "fabric"


def sent(fake):
    return fake.chat_requests[-1]["json"]


def test_fabric_pattern_system_md_is_the_system_prompt_and_input_the_user_message(aigc_api, fake):
    r = aigc_api("recipes", "import", str(FABRIC / "extract_actions"))
    assert r.code == 0, r.err
    assert r.out.strip().endswith("recipes/extract_actions.toml")
    aigc_api("run", "extract_actions", input="Ana will send the deck by Friday.\n")
    assert sent(fake)["messages"] == [
        {"role": "system", "content": (FABRIC / "extract_actions" / "system.md").read_text().strip()},
        {"role": "user", "content": "Ana will send the deck by Friday.\n"},
    ]


def test_fabric_input_placeholder_and_variables_and_user_md(aigc_api, fake):
    aigc_api("recipes", "import", str(FABRIC / "explain_terms"))
    aigc_api("run", "explain_terms", "--set", "audience=child", input="TCP handshake")
    system = (FABRIC / "explain_terms" / "system.md").read_text().strip()
    expected = system.replace("{{audience}}", "child").replace("{{input}}", "TCP handshake")
    assert sent(fake)["messages"] == [
        {"role": "system", "content": expected},
        {"role": "user", "content": "Explain the terms now."},
    ]


def test_folder_of_patterns_imports_each(aigc_api, fake):
    r = aigc_api("recipes", "import", str(FABRIC))
    assert r.code == 0, r.err
    assert sorted(Path(line.split()[-1]).name for line in r.out.splitlines()) == [
        "explain_terms.toml",
        "extract_actions.toml",
    ]
    names = [line.split()[0] for line in aigc_api("recipes", "list").out.splitlines()]
    assert {"explain_terms", "extract_actions"} <= set(names)


def test_llm_template_dollar_variables_defaults_model_and_temperature(aigc_api, fake):
    r = aigc_api("recipes", "import", str(FIXTURES / "llm" / "reviewer.yaml"))
    assert r.code == 0, r.err
    aigc_api("run", "reviewer", input="teh cat sat")
    body = sent(fake)
    assert (body["model"], body["temperature"]) == ("gpt-4o", 0.4)
    assert body["messages"] == [
        {"role": "system", "content": "You are a careful editor. Focus on clarity."},
        {
            "role": "user",
            "content": "Review this text and list concrete improvements ($5 tip: be brief):\n\nteh cat sat",
        },
    ]
    aigc_api("run", "reviewer", "--set", "focus=tone", input="x")
    assert sent(fake)["messages"][0]["content"] == "You are a careful editor. Focus on tone."


def test_llm_template_that_is_a_bare_string(aigc_api, fake):
    aigc_api("recipes", "import", "--name", "one", str(FIXTURES / "llm" / "oneliner.yaml"))
    aigc_api("run", "one", "a long story")
    assert sent(fake)["messages"] == [{"role": "user", "content": "Summarize in one line: a long story"}]


def test_import_refuses_to_overwrite_without_force(aigc_api, fake):
    aigc_api("recipes", "import", str(FABRIC / "extract_actions"))
    r = aigc_api("recipes", "import", str(FABRIC / "extract_actions"))
    assert r.code == 2
    assert "would replace recipe extract_actions (yours" in r.err and "--force" in r.err
    assert aigc_api("recipes", "import", "--force", str(FABRIC / "extract_actions")).code == 0


def test_import_of_something_else_is_a_usage_error(aigc_api, tmp_path):
    (tmp_path / "notes.txt").write_text("hi")
    r = aigc_api("recipes", "import", str(tmp_path / "notes.txt"))
    assert r.code == 2
    assert "neither a fabric pattern" in r.err


def test_broken_yaml_in_a_folder_fails_the_whole_import_naming_the_file(aigc_api, tmp_path):
    (tmp_path / "bad.yaml").write_text("system: [unclosed\n")
    (tmp_path / "good.yaml").write_text("prompt: 'Fix: $input'\n")
    r = aigc_api("recipes", "import", str(tmp_path))
    assert r.code == 3
    assert r.err.startswith(f"aigc: error: {tmp_path / 'bad.yaml'}: invalid YAML: ")
    assert "nothing was imported" in r.err and "Traceback" not in r.err
    assert not (aigc_api.home / "recipes" / "good.toml").exists()
