"""`aigc ask` as the Q&A recipe: --file adds context, --save keeps the setup."""

from __future__ import annotations

import tomllib


def test_file_is_added_as_delimited_context(aigc_api, fake, tmp_path):
    doc = tmp_path / "notes.md"
    doc.write_text("Release is on May 3.\n")
    aigc_api("ask", "--file", str(doc), "When is the release?")
    assert fake.chat_requests[-1]["json"]["messages"] == [
        {"role": "user", "content": "<input>\nRelease is on May 3.\n</input>\n\nWhen is the release?"}
    ]


def test_several_files_and_stdin_each_get_a_header(aigc_api, fake, tmp_path):
    (tmp_path / "a.txt").write_text("A")
    (tmp_path / "b.txt").write_text("B")
    aigc_api("ask", "-f", str(tmp_path / "a.txt"), "-f", str(tmp_path / "b.txt"), "compare", input="C")
    assert fake.chat_requests[-1]["json"]["messages"][-1]["content"] == (
        f"<input>\n==> {tmp_path / 'a.txt'} <==\nA\n\n==> {tmp_path / 'b.txt'} <==\nB\n\n==> stdin <==\nC\n</input>\n\ncompare"
    )


def test_missing_file_is_a_usage_error_without_a_request(aigc_api, fake, tmp_path):
    r = aigc_api("ask", "--file", str(tmp_path / "nope.txt"), "q")
    assert r.code == 2
    assert "no such file" in r.err
    assert fake.chat_requests == []


def test_save_writes_the_system_prompt_and_options_as_a_recipe(aigc_api, fake):
    r = aigc_api("ask", "-s", "Answer like a pirate.", "-m", "gpt-4o", "-t", "0.9", "--save", "pirate", "hello")
    assert r.code == 0, r.err
    data = tomllib.loads((aigc_api.home / "recipes" / "pirate.toml").read_text())
    assert (data["system"], data["model"], data["temperature"]) == ("Answer like a pirate.", "gpt-4o", 0.9)
    aigc_api("run", "pirate", "where is the gold?")
    sent = fake.chat_requests[-1]["json"]
    assert sent["messages"] == [
        {"role": "system", "content": "Answer like a pirate."},
        {"role": "user", "content": "where is the gold?"},
    ]
    assert (sent["model"], sent["temperature"]) == ("gpt-4o", 0.9)


def test_save_without_a_question_only_saves(aigc_api, fake):
    r = aigc_api("ask", "-s", "Be brief.", "--save", "brief")
    assert r.code == 0, r.err
    assert (aigc_api.home / "recipes" / "brief.toml").exists()
    assert fake.chat_requests == []


def test_saved_system_prompt_with_template_syntax_stays_literal(aigc_api, fake):
    system = "Use {{input}} and {{#x}}y{{/x}} and $x %s literally."
    aigc_api("ask", "-s", system, "--save", "lit")
    aigc_api("run", "lit", "q")
    assert fake.chat_requests[-1]["json"]["messages"][0] == {"role": "system", "content": system}


def test_save_refuses_to_overwrite(aigc_api, fake):
    aigc_api("ask", "-s", "one", "--save", "dup")
    r = aigc_api("ask", "-s", "two", "--save", "dup", "q")
    assert r.code == 2
    assert "already exists" in r.err
    assert fake.chat_requests == []


def test_user_override_of_the_ask_recipe_applies_to_ask(aigc_api, fake):
    (aigc_api.home / "recipes").mkdir()
    (aigc_api.home / "recipes" / "ask.toml").write_text('system = "Answer in one sentence."\n')
    aigc_api("ask", "why is the sky blue?")
    assert fake.chat_requests[-1]["json"]["messages"] == [
        {"role": "system", "content": "Answer in one sentence."},
        {"role": "user", "content": "why is the sky blue?"},
    ]
