"""`aigc chat` slash commands and toolbar, in a real pty against the loopback server."""

from __future__ import annotations

import json

from aigc_cli.store.db import Store
from tests.fixtures.openai_server import Reply
from tests.fixtures.pty import TAB


def test_help_lists_every_command(chat, fake):
    c = chat()
    c.ready()
    c.say("/help")
    c.expect("/exit")
    for name in [
        "/new",
        "/model",
        "/backend",
        "/system",
        "/recipe",
        "/history",
        "/load",
        "/retry",
        "/undo",
        "/tokens",
        "/save",
        "/export",
    ]:
        assert name in c.text
    assert fake.chat_requests == []


def test_unknown_command_gets_a_hint_and_is_not_sent(chat, fake):
    c = chat()
    c.ready()
    c.say("/tokenz")
    c.expect(r"Unknown command /tokenz\. Did you mean /tokens\?")
    c.ready()
    assert fake.chat_requests == []


def test_double_slash_sends_a_literal_slash(chat, fake):
    c = chat()
    c.ready()
    c.say("//usr/bin is a directory")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"][-1]["content"] == "/usr/bin is a directory"


def test_tab_completes_a_command(chat, fake):
    c = chat()
    c.ready()
    c.type("/tok")
    c.type(TAB)
    c.send("\r")
    c.expect(r"Context: \d+ of 128,000 tokens")
    assert fake.chat_requests == []


def test_model_command_switches_the_model_for_the_next_turn(chat, fake):
    c = chat()
    c.ready()
    c.say("/model gpt-4o")
    c.expect("Model: gpt-4o")
    c.ready()
    c.say("hello")
    c.ready()
    assert fake.chat_requests[-1]["json"]["model"] == "gpt-4o"


def test_backend_command_rejects_an_unknown_backend(chat, fake):
    c = chat()
    c.ready()
    c.say("/backend nosuch")
    c.expect("Unknown backend 'nosuch'")
    c.ready()
    c.say("still here")
    c.ready()
    assert len(fake.chat_requests) == 1


def test_system_command_sets_the_system_prompt(chat, fake):
    c = chat()
    c.ready()
    c.say("/system Answer like a pirate.")
    c.expect("System prompt set")
    c.ready()
    c.say("hello")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"][0] == {"role": "system", "content": "Answer like a pirate."}


def test_system_flag_sets_the_system_prompt(chat, fake):
    c = chat("-s", "Be terse.")
    c.ready()
    c.say("hello")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"][0] == {"role": "system", "content": "Be terse."}


def test_save_then_recipe_restores_the_setup(chat, fake, home):
    c = chat()
    c.ready()
    c.say("/system You are a careful editor.")
    c.ready()
    c.say("/model gpt-4o")
    c.ready()
    c.say("/save editor")
    c.expect("Saved recipe 'editor'")
    c.say("/exit")
    c.wait_exit()
    assert (home / "recipes" / "editor.toml").exists()
    again = chat("--recipe", "editor")
    again.ready()
    again.say("fix this")
    again.ready()
    sent = fake.chat_requests[-1]["json"]
    assert sent["model"] == "gpt-4o"
    assert sent["messages"][0] == {"role": "system", "content": "You are a careful editor."}


def test_save_keeps_template_syntax_in_the_system_prompt_literal(chat, fake, home):
    c = chat()
    c.ready()
    c.say("/system Reply with {{name}} and {x} verbatim.")
    c.ready()
    c.say("/save braces")
    c.expect("Saved recipe 'braces'")
    c.say("/exit")
    c.wait_exit()
    again = chat("--recipe", "braces")
    again.ready()
    again.say("go")
    again.ready()
    sent = fake.chat_requests[-1]["json"]
    assert sent["messages"][0] == {"role": "system", "content": "Reply with {{name}} and {x} verbatim."}


def test_tokens_reports_usage_and_cost(chat, fake):
    fake.push(Reply(text="ok", usage={"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}))
    c = chat()
    c.ready()
    c.say("hello")
    c.ready()
    c.say("/tokens")
    c.expect(r"Context: 1,500 of 128,000 tokens")
    c.expect(r"1,000 prompt \+ 500 answer tokens")
    c.expect(r"Cost so far: \$0\.\d{4}")


def test_toolbar_shows_backend_model_and_context(chat, fake):
    fake.push(Reply(text="ok", usage={"prompt_tokens": 1200, "completion_tokens": 34, "total_tokens": 1234}))
    c = chat("-m", "gpt-4o")
    c.expect(r"openai · gpt-4o · context 0/128\.0k")
    c.say("hello")
    c.expect(r"openai · gpt-4o · context 1\.2k/128\.0k")


def test_history_lists_recent_conversations(chat, fake):
    c = chat()
    c.ready()
    c.say("a question about tides")
    c.ready()
    c.say("/history")
    c.expect(r"\*[0-9a-f]{8} .*a question about tides")


def test_load_switches_to_a_stored_conversation(chat, fake, home):
    c = chat()
    c.ready()
    c.say("topic alpha")
    c.ready()
    c.say("/new")
    c.ready()
    c.say("topic beta")
    c.ready()
    with Store.open(home / "history.db") as db:
        alpha = next(conv for conv in db.list(None) if conv.title == "topic alpha")
    c.say(f"/load {alpha.id[:6]}")
    c.expect(f"Resumed conversation {alpha.id[:8]}")
    c.ready()
    c.say("more on alpha")
    c.ready()
    assert [m["content"] for m in fake.chat_requests[-1]["json"]["messages"]] == [
        "topic alpha",
        "Hello from the fixture.",
        "more on alpha",
    ]


def test_export_writes_the_conversation_as_markdown(chat, fake, tmp_path):
    fake.push(Reply(text="Tides follow the moon."))
    c = chat()
    c.ready()
    c.say("Why are there tides?")
    c.ready()
    out = tmp_path / "tides.md"
    c.say(f"/export {out}")
    c.expect("Wrote 2 messages")
    text = out.read_text(encoding="utf-8")
    assert "## User\n\nWhy are there tides?" in text  # the store's exporter, as `history export`
    assert "## Assistant\n\nTides follow the moon." in text


def test_export_to_json_is_machine_readable(chat, fake, tmp_path):
    c = chat()
    c.ready()
    c.say("hi")
    c.ready()
    out = tmp_path / "chat.json"
    c.say(f"/export {out}")
    c.expect("Wrote 2 messages")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]


def test_tab_completes_a_recipe_name(chat, fake):
    c = chat()
    c.ready()
    c.type("/recipe transl")
    c.type(TAB)
    c.send("\r")
    c.expect("Recipe translate:")
    c.ready()
    c.say("bonjour")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"][0]["role"] == "system"


def test_recipe_template_wraps_each_message(chat, fake):
    c = chat("--recipe", "translate", "--set", "to=ja")
    c.ready()
    c.say("good morning")
    c.ready()
    c.say("good night")
    c.ready()
    sent = fake.chat_requests[-1]["json"]["messages"]
    assert sent[0]["role"] == "system" and "translator" in sent[0]["content"]
    assert "Japanese" in sent[-1]["content"]
    assert "<input>\ngood night\n</input>" in sent[-1]["content"]


def test_recipe_dash_goes_back_to_plain_messages(chat, fake):
    c = chat("--recipe", "translate")
    c.ready()
    c.say("/recipe -")
    c.expect("Recipe off")
    c.ready()
    c.say("plain text")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"] == [{"role": "user", "content": "plain text"}]


def test_export_to_an_unwritable_place_is_reported_and_the_chat_goes_on(chat, fake, tmp_path):
    c = chat()
    c.ready()
    c.say("hi")
    c.ready()
    c.say(f"/export {tmp_path}/missing/dir/chat.md")
    c.expect(r"(?s)Cannot write .*No\s+such\s+file")
    c.ready()
    c.say("still chatting")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"][-1]["content"] == "still chatting"


def test_tab_completes_a_conversation_id_for_load(chat, fake, home):
    c = chat()
    c.ready()
    c.say("the only conversation")
    c.ready()
    c.say("/new")
    c.ready()
    c.type("/load ")
    c.type(TAB)
    c.send("\r")
    c.expect("Resumed conversation [0-9a-f]{8}: the only conversation")


def test_save_does_not_replace_an_existing_recipe_without_force(chat, fake, home):
    (home / "recipes").mkdir()
    mine = home / "recipes" / "mine.toml"
    mine.write_text('name = "mine"\nsystem = "hand written"\n', encoding="utf-8")
    c = chat()
    c.ready()
    c.say("/system from the chat")
    c.ready()
    c.say("/save mine")
    c.expect("already exists")
    c.expect(r"/save\s+mine\s+--force")
    c.ready()
    assert "hand written" in mine.read_text(encoding="utf-8")
    c.say("/save mine --force")
    c.expect("Saved recipe 'mine'")
    c.ready()
    assert "from the chat" in mine.read_text(encoding="utf-8")
