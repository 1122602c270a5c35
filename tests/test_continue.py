"""Multi-turn memory through the real `aigc` command: -c, --cid, --no-log, and
turns that end badly (cut off, failed) are stored, never dropped."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess

from tests.conftest import AIGC
from tests.fixtures.openai_server import API_KEY, Disconnect, Fault, Reply


def rows(home, sql="SELECT role, content, status FROM messages ORDER BY id"):
    with sqlite3.connect(home / "history.db") as db:
        return db.execute(sql).fetchall()


def test_continue_sends_earlier_turns_as_context(aigc_api, fake):
    fake.push(Reply(text="Paris."), Reply(text="About two million."))
    aigc_api("ask", "Capital of France?")
    r = aigc_api("ask", "-c", "Population?")
    assert r.code == 0, r.err
    assert fake.chat_requests[-1]["json"]["messages"] == [
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "Population?"},
    ]


def test_without_continue_a_new_conversation_starts(aigc_api, fake):
    aigc_api("ask", "first")
    aigc_api("ask", "second")
    assert fake.chat_requests[-1]["json"]["messages"] == [{"role": "user", "content": "second"}]
    assert rows(aigc_api.home, "SELECT count(*) FROM conversations") == [(2,)]


def test_continue_picks_the_most_recent_conversation(aigc_api, fake):
    fake.push(Reply(text="A1"), Reply(text="B1"), Reply(text="B2"))
    aigc_api("ask", "A")
    aigc_api("ask", "B")
    aigc_api("ask", "--continue", "more")
    sent = fake.chat_requests[-1]["json"]["messages"]
    assert [m["content"] for m in sent] == ["B", "B1", "more"]


def test_cid_prefix_continues_that_conversation(aigc_api, fake):
    fake.push(Reply(text="A1"), Reply(text="B1"), Reply(text="A2"))
    cid_a = json.loads(aigc_api("ask", "--json", "A").out)["conversation_id"]
    aigc_api("ask", "B")
    r = aigc_api("ask", "--cid", cid_a[:5], "again")
    assert r.code == 0, r.err
    assert [m["content"] for m in fake.chat_requests[-1]["json"]["messages"]] == ["A", "A1", "again"]


def test_json_reports_the_conversation_id_of_the_stored_turn(aigc_api, fake):
    first = json.loads(aigc_api("ask", "--json", "one").out)["conversation_id"]
    second = json.loads(aigc_api("ask", "--json", "-c", "two").out)["conversation_id"]
    assert first == second
    assert rows(aigc_api.home, "SELECT id FROM conversations") == [(first,)]


def test_continue_uses_the_conversations_model(aigc_api, fake):
    aigc_api("ask", "-m", "gpt-4o", "hi")
    aigc_api("ask", "-c", "again")
    assert fake.chat_requests[-1]["json"]["model"] == "gpt-4o"


def test_model_flag_overrides_the_conversations_model(aigc_api, fake):
    aigc_api("ask", "-m", "gpt-4o", "hi")
    aigc_api("ask", "-c", "-m", "fake-model", "again")
    assert fake.chat_requests[-1]["json"]["model"] == "fake-model"


def test_continue_keeps_the_conversations_system_prompt(aigc_api, fake):
    fake.push(Reply(text="ok"))
    aigc_api("ask", "-s", "Answer in French.", "hi")
    aigc_api("ask", "-c", "and now?")
    assert fake.chat_requests[-1]["json"]["messages"][0] == {"role": "system", "content": "Answer in French."}


def test_continue_with_no_history_is_a_usage_error_without_a_request(aigc_api, fake):
    r = aigc_api("ask", "-c", "hello")
    assert r.code == 2
    assert "no conversation to continue" in r.err
    assert fake.chat_requests == []


def test_unknown_cid_is_a_usage_error(aigc_api, fake):
    aigc_api("ask", "hi")
    r = aigc_api("ask", "--cid", "zzzz", "hello")
    assert r.code == 2
    assert "no conversation with id 'zzzz'" in r.err
    assert len(fake.chat_requests) == 1


def test_no_log_stores_nothing(aigc_api, fake):
    r = aigc_api("ask", "--no-log", "secret plans")
    assert r.code == 0, r.err
    assert not (aigc_api.home / "history.db").exists()


def test_no_log_continue_reads_but_does_not_write(aigc_api, fake):
    fake.push(Reply(text="Paris."))
    aigc_api("ask", "Capital of France?")
    aigc_api("ask", "-c", "--no-log", "Population?")
    assert [m["content"] for m in fake.chat_requests[-1]["json"]["messages"]] == [
        "Capital of France?",
        "Paris.",
        "Population?",
    ]
    assert len(rows(aigc_api.home)) == 2


def test_log_false_in_config_stores_nothing(aigc_api, fake):
    (aigc_api.home / "config.toml").write_text("log = false\n")
    aigc_api("ask", "hi")
    assert not (aigc_api.home / "history.db").exists()


def test_usage_is_stored_on_the_answer(aigc_api, fake):
    fake.push(Reply(text="Madrid.", usage={"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9}))
    aigc_api("ask", "Capital of Spain?")
    assert rows(aigc_api.home, "SELECT role, prompt_tokens, completion_tokens, model FROM messages ORDER BY id") == [
        ("user", None, None, None),
        ("assistant", 7, 2, "gpt-4o-mini"),
    ]


def test_broken_stream_is_stored_with_what_arrived_marked_interrupted(aigc_api, fake):
    fake.push(Disconnect(text="one two three four five", after=2))
    r = aigc_api("ask", "count")
    assert r.code != 0
    assert rows(aigc_api.home) == [("user", "count", "complete"), ("assistant", "one two ", "interrupted")]


def test_interrupted_answer_is_resent_as_context(aigc_api, fake):
    fake.push(Disconnect(text="one two three four five", after=2), Reply(text="six"))
    aigc_api("ask", "count")
    aigc_api("ask", "-c", "go on")
    assert [m["content"] for m in fake.chat_requests[-1]["json"]["messages"]] == ["count", "one two ", "go on"]


def test_failed_turn_is_stored_as_error_and_not_resent(aigc_api, fake):
    fake.push(Reply(text="Paris."), Fault(400, "bad request"), Reply(text="ok"))
    aigc_api("ask", "Capital of France?")
    r = aigc_api("ask", "-c", "broken question")
    assert r.code != 0
    aigc_api("ask", "-c", "Population?")
    assert [m["content"] for m in fake.chat_requests[-1]["json"]["messages"]] == [
        "Capital of France?",
        "Paris.",
        "Population?",
    ]
    assert ("user", "broken question", "error") in rows(aigc_api.home)


def test_ctrl_c_keeps_the_partial_answer_marked_interrupted(aigc_api, fake):
    fake.push(Reply(text="alpha beta gamma delta epsilon zeta eta theta", chunk_delay=0.4))
    proc = subprocess.Popen(
        [AIGC, "ask", "spell greek"],
        env=aigc_api.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.read(6) == b"alpha "
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    ((answer, status),) = rows(aigc_api.home, "SELECT content, status FROM messages WHERE role='assistant'")
    assert answer.startswith("alpha ") and len(answer) < len("alpha beta gamma delta epsilon zeta eta theta")
    assert status == "interrupted"


def test_title_is_the_first_question_trimmed(aigc_api, fake):
    aigc_api("ask", "  What   is\nthe capital of France?  ")
    aigc_api("ask", "-c", "and Spain?")
    assert rows(aigc_api.home, "SELECT title FROM conversations") == [("What is the capital of France?",)]


def test_title_of_piped_input_is_the_instruction(aigc_api, fake):
    aigc_api("ask", "总结这段文字", input="人工智能生成内容正在改变写作。\n" * 20)
    assert rows(aigc_api.home, "SELECT title FROM conversations") == [("总结这段文字",)]


def test_api_key_never_reaches_the_store(aigc_api, fake):
    aigc_api("ask", "hi")
    aigc_api("ask", "-c", "again")
    for f in aigc_api.home.glob("history.db*"):
        assert API_KEY.encode() not in f.read_bytes()
    assert API_KEY not in repr(rows(aigc_api.home, "SELECT * FROM conversations"))
