"""Memory in `aigc chat`: /remember, /memory, /forget, the block, --no-memory, in a real pty."""

from __future__ import annotations

import json

from aigc_cli.memory.block import HEADER


def stored(aigc) -> list[str]:
    return [m["text"] for m in json.loads(aigc("memory", "list", "--json").out)]


def test_remember_saves_a_memory_and_the_next_turn_sends_it(chat, fake, aigc_api):
    c = chat()
    c.ready()
    c.say("/remember I live in Berlin")
    c.expect(r"Remembered \[1\] I live in Berlin")
    c.ready()
    assert fake.chat_requests == []
    c.say("where do I live?")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"][0] == {
        "role": "system",
        "content": f"{HEADER}\n- I live in Berlin",
    }
    assert stored(aigc_api) == ["I live in Berlin"]


def test_memory_lists_what_is_remembered(chat, fake, aigc_api):
    aigc_api("memory", "add", input="Works in Go\nLikes tea\n")
    c = chat()
    c.ready()
    c.say("/memory")
    c.expect(r"\[1\]  Works in Go")
    c.expect(r"\[2\]  Likes tea")
    c.ready()
    assert fake.chat_requests == []


def test_forget_removes_a_memory_from_the_store_and_the_next_turn(chat, fake, aigc_api):
    aigc_api("memory", "add", input="Works in Go\nLikes tea\n")
    c = chat()
    c.ready()
    c.say("/forget 1")
    c.expect(r"Forgot \[1\] Works in Go")
    c.ready()
    c.say("hello")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"][0]["content"] == f"{HEADER}\n- Likes tea"
    assert stored(aigc_api) == ["Likes tea"]


def test_forget_an_unknown_id_says_so_and_keeps_the_chat(chat, fake, aigc_api):
    aigc_api("memory", "add", "Works in Go")
    c = chat()
    c.ready()
    c.say("/forget 9")
    c.expect("no memory with id 9")
    c.ready()
    assert stored(aigc_api) == ["Works in Go"]


def test_chat_no_memory_sends_no_block(chat, fake, aigc_api):
    aigc_api("memory", "add", "Works in Go")
    c = chat("--no-memory")
    c.ready()
    c.say("hello")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"] == [{"role": "user", "content": "hello"}]


def test_chat_no_log_still_sends_the_block(chat, fake, aigc_api):
    aigc_api("memory", "add", "Works in Go")
    c = chat("--no-log", "-s", "Be terse.")
    c.ready()
    c.say("hello")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"][0]["content"] == f"Be terse.\n\n{HEADER}\n- Works in Go"
