"""The "About the user" block in what each task sends, against the loopback OpenAI server."""

from __future__ import annotations

import json

import pytest

from aigc_cli.memory.block import HEADER
from tests.fixtures.openai_server import Reply
from tests.test_plan_openai import GOOD
from tests.test_summarize_mapreduce import long_text, map_requests, parts_server, small_window  # noqa: F401

TITLE = HEADER.splitlines()[0]


def remember(aigc, *texts: str) -> None:
    for text in texts:
        r = aigc("memory", "add", text)
        assert r.code == 0, r.err


def system_of(request) -> str | None:
    messages = request["json"]["messages"]
    return messages[0]["content"] if messages[0]["role"] == "system" else None


# every task, as a person would run it: (args, stdin, reply to push)
TASKS = {
    "ask": (["ask", "what is a goroutine?"], None, None),
    "write": (["write", "a note to the team"], None, None),
    "summarize": (["summarize"], "A short text about nothing much.\n", None),
    "plan": (["plan", "run a 10k race"], None, Reply(text=json.dumps(GOOD))),
    "run": (["run", "translate", "--set", "to=ja", "good morning"], None, None),
}


@pytest.mark.parametrize("task", list(TASKS))
def test_block_is_in_the_system_message_of_each_task(aigc_api, fake, task):
    remember(aigc_api, "Works in Go", "Lives in Berlin")
    args, stdin, reply = TASKS[task]
    if reply:
        fake.push(reply)
    r = aigc_api(*args, input=stdin)
    assert r.code == 0, r.err
    system = system_of(fake.chat_requests[-1])
    assert system is not None and system.endswith(f"{HEADER}\n- Works in Go\n- Lives in Berlin")


@pytest.mark.parametrize("task", list(TASKS))
def test_no_memory_leaves_the_block_out_of_each_task(aigc_api, fake, task):
    remember(aigc_api, "Works in Go")
    args, stdin, reply = TASKS[task]
    if reply:
        fake.push(reply)
    r = aigc_api(*args, "--no-memory", input=stdin)
    assert r.code == 0, r.err
    for req in fake.chat_requests:
        assert "Works in Go" not in json.dumps(req["json"], ensure_ascii=False)


def test_block_comes_after_the_given_system_prompt(aigc_api, fake):
    remember(aigc_api, "Prefers short answers")
    aigc_api("ask", "-s", "You are a pirate.", "hi")
    assert system_of(fake.chat_requests[-1]) == f"You are a pirate.\n\n{HEADER}\n- Prefers short answers"


def test_block_is_never_in_the_user_message(aigc_api, fake):
    remember(aigc_api, "Prefers short answers")
    aigc_api("ask", "hi")
    users = [m["content"] for m in fake.chat_requests[-1]["json"]["messages"] if m["role"] != "system"]
    assert users == ["hi"]


def test_no_memories_means_no_system_message(aigc_api, fake):
    aigc_api("ask", "hi")
    assert fake.chat_requests[-1]["json"]["messages"] == [{"role": "user", "content": "hi"}]


def test_memory_enabled_false_in_config_leaves_the_block_out(aigc_api, fake):
    remember(aigc_api, "Works in Go")
    assert aigc_api("config", "set", "memory.enabled", "false").code == 0
    aigc_api("ask", "hi")
    assert system_of(fake.chat_requests[-1]) is None


def test_no_log_still_sends_the_memories(aigc_api, fake):
    remember(aigc_api, "Works in Go")
    aigc_api("ask", "--no-log", "hi")
    assert system_of(fake.chat_requests[-1]).endswith("- Works in Go")


def test_template_syntax_in_a_memory_reaches_the_model_verbatim(aigc_api, fake):
    remember(aigc_api, "Calls variables {{x}} and $x and ${HOME} and %s")
    aigc_api("write", "a note")
    assert system_of(fake.chat_requests[-1]).endswith("- Calls variables {{x}} and $x and ${HOME} and %s")


def test_budget_leaves_out_the_oldest_and_says_how_many(aigc_api, fake):
    remember(aigc_api, *(f"fact number {i} about the user, told on day {i}" for i in range(1, 11)))
    aigc_api("config", "set", "memory.budget_tokens", "80")
    r = aigc_api("ask", "hi")
    system = system_of(fake.chat_requests[-1])
    kept = [int(line.split()[3]) for line in system.splitlines() if line.startswith("- fact")]
    assert kept == list(range(11 - len(kept), 11)) and 0 < len(kept) < 10
    lines = [line for line in r.err.splitlines() if "memories" in line]
    assert lines == [
        f"aigc: left out the {10 - len(kept)} oldest of 10 memories to fit memory.budget_tokens (80);"
        " `aigc memory pin ID` keeps one always"
    ]


def test_a_pinned_memory_is_kept_when_the_budget_is_tight(aigc_api, fake):
    remember(aigc_api, *(f"fact number {i} about the user, told on day {i}" for i in range(1, 11)))
    aigc_api("memory", "pin", "1")
    aigc_api("config", "set", "memory.budget_tokens", "80")
    aigc_api("ask", "hi")
    system = system_of(fake.chat_requests[-1])
    assert "- fact number 1 about" in system and "- fact number 10 about" in system
    assert "- fact number 2 about" not in system


def test_continuing_a_conversation_sends_the_block_once(aigc_api, fake):
    remember(aigc_api, "Works in Go")
    aigc_api("ask", "-s", "Be brief.", "first")
    aigc_api("ask", "-c", "second")
    system = system_of(fake.chat_requests[-1])
    assert system == f"Be brief.\n\n{HEADER}\n- Works in Go"


def test_a_new_memory_reaches_a_continued_conversation(aigc_api, fake):
    aigc_api("ask", "first")
    remember(aigc_api, "Lives in Berlin")
    aigc_api("ask", "-c", "second")
    assert system_of(fake.chat_requests[-1]).endswith("- Lives in Berlin")


def test_history_show_says_which_memories_a_turn_used(aigc_api, fake):
    remember(aigc_api, "Works in Go", "Lives in Berlin")
    cid = json.loads(aigc_api("ask", "--json", "hi").out)["conversation_id"]
    aigc_api("memory", "rm", "1")  # the turn still shows what it was sent
    shown = json.loads(aigc_api("history", "show", cid, "--json").out)
    assert shown["messages"][0]["memories"] == [{"id": 1, "text": "Works in Go"}, {"id": 2, "text": "Lives in Berlin"}]
    assert "memories" not in shown["messages"][1]
    md = aigc_api("history", "show", cid).out
    assert "_Memories used:_\n\n- [1] Works in Go\n- [2] Lives in Berlin" in md


def test_a_turn_with_no_memory_records_none(aigc_api, fake):
    remember(aigc_api, "Works in Go")
    cid = json.loads(aigc_api("ask", "--json", "--no-memory", "hi").out)["conversation_id"]
    shown = json.loads(aigc_api("history", "show", cid, "--json").out)
    assert all("memories" not in m for m in shown["messages"])


def test_the_stored_system_prompt_has_no_memories(aigc_api, fake):
    remember(aigc_api, "Works in Go")
    cid = json.loads(aigc_api("ask", "--json", "-s", "Be brief.", "hi").out)["conversation_id"]
    assert json.loads(aigc_api("history", "show", cid, "--json").out)["system"] == "Be brief."


def test_map_reduce_summarize_sends_the_block_only_in_the_final_merge(small_window, parts_server, tmp_path):
    remember(small_window, "Reads summaries on a phone")
    doc = tmp_path / "long.txt"
    doc.write_text(long_text())
    r = small_window("summarize", str(doc))
    assert r.code == 0, r.err
    maps = map_requests(parts_server)
    assert len(maps) > 1
    assert all("Reads summaries" not in system_of(m) for m in maps)
    assert system_of(parts_server.chat_requests[-1]).endswith(f"{HEADER}\n- Reads summaries on a phone")


def test_the_memory_block_counts_toward_the_window(aigc_api, fake):
    """The block is part of the system prompt the fitting counts: it can make a question too large."""
    remember(aigc_api, *(f"fact {i} " + "word " * 40 for i in range(5)))
    (aigc_api.home / "config.toml").write_text(
        "[context]\nreserve_output = 100\n\n[memory]\nbudget_tokens = 4000\n\n"
        "[models.gpt-4o-mini]\ncontext_window = 300\n"
    )
    r = aigc_api("ask", "word " * 150)
    assert r.code == 6, r.err
    r = aigc_api("ask", "--no-memory", "word " * 150)
    assert r.code == 0, r.err


@pytest.mark.slow
def test_the_bundled_local_model_is_sent_the_memories(aigc, gguf_model):
    """The same turn path on the in-process GGUF: the turn records the memories it was sent."""
    remember(aigc, "Lives in Berlin")
    r = aigc(
        "ask",
        "--json",
        "--model-path",
        str(gguf_model),
        "-t",
        "0",
        "--max-tokens",
        "8",
        "Where do I live?",
        timeout=300,
    )
    assert r.code == 0, r.err
    cid = json.loads(r.out)["conversation_id"]
    shown = json.loads(aigc("history", "show", cid, "--json").out)
    assert shown["messages"][0]["memories"] == [{"id": 1, "text": "Lives in Berlin"}]
