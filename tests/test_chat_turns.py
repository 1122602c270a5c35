"""`aigc chat` turns and the store, in a real pty against the loopback server:
Ctrl-C mid-stream, errors and /retry, /undo, /new, resuming with -c and --cid."""

from __future__ import annotations

from aigc_cli.store.db import Store
from tests.fixtures.openai_server import Fault, Reply
from tests.fixtures.pty import write_config

LONG = " ".join(f"word{i}" for i in range(200))


def wait_for(condition, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.05)


def stored(home):
    """(conversation, [(role, content, status)]) of the newest stored conversation."""
    with Store.open(home / "history.db") as db:
        conv = db.last()
        assert conv is not None, "nothing was stored"
        return conv, [(m.role, m.content, m.status) for m in db.messages(conv.id)]


def test_each_turn_is_stored_as_soon_as_it_completes(chat, fake, home):
    fake.push(Reply(text="Stored answer."))
    c = chat()
    c.ready()
    c.say("Please store me")
    c.expect("Stored answer")
    c.ready()
    _, msgs = stored(home)  # the chat is still running
    assert msgs == [("user", "Please store me", "complete"), ("assistant", "Stored answer.", "complete")]


def test_ctrl_c_mid_stream_keeps_the_partial_answer_on_screen(chat, fake):
    fake.push(Reply(text=LONG, chunk_delay=0.1))
    c = chat()
    c.ready()
    c.say("Count slowly")
    c.expect("word3 ")
    c.interrupt()
    c.expect("stopped")
    c.ready()
    assert "word2" in c.text
    assert "word199" not in c.text


def test_ctrl_c_mid_stream_stores_the_partial_answer_as_interrupted(chat, fake, home):
    fake.push(Reply(text=LONG, chunk_delay=0.1))
    c = chat()
    c.ready()
    c.say("Count slowly")
    c.expect("word3 ")
    c.interrupt()
    c.ready()
    _, msgs = stored(home)
    (urole, utext, _), (arole, atext, astatus) = msgs
    assert (urole, utext, arole, astatus) == ("user", "Count slowly", "assistant", "interrupted")
    assert atext.startswith("word0 word1 word2 word3")
    assert "word199" not in atext


def test_chat_goes_on_after_ctrl_c_with_the_partial_answer_as_context(chat, fake):
    fake.push(Reply(text=LONG, chunk_delay=0.1), Reply(text="Fine."))
    c = chat()
    c.ready()
    c.say("Count slowly")
    c.expect("word3 ")
    c.interrupt()
    c.ready()
    c.say("Enough")
    c.expect("Fine")
    sent = fake.chat_requests[-1]["json"]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"].startswith("word0 word1 word2 word3")


def test_backend_error_is_shown_and_the_chat_goes_on(chat, fake, home):
    write_config(home, "[openai]\nmax_retries = 0\n")
    fake.push(Fault(500, "the server had a bad day"), Reply(text="Back to normal."))
    c = chat()
    c.ready()
    c.say("First try")
    c.expect("bad day")
    c.expect("/retry")
    c.ready()
    c.say("Second message")
    c.expect("Back to normal")


def test_retry_after_an_error_resends_the_failed_message(chat, fake, home):
    write_config(home, "[openai]\nmax_retries = 0\n")
    fake.push(Fault(500, "the server had a bad day"), Reply(text="Worked this time."))
    c = chat()
    c.ready()
    c.say("Fragile question")
    c.expect("bad day")
    c.ready()
    c.say("/retry")
    c.expect("Worked this time")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"] == [{"role": "user", "content": "Fragile question"}]
    _, msgs = stored(home)
    assert msgs[-2:] == [("user", "Fragile question", "complete"), ("assistant", "Worked this time.", "complete")]


def test_retry_regenerates_the_last_answer_in_place(chat, fake, home):
    fake.push(Reply(text="Answer A."), Reply(text="Answer B."), Reply(text="ok"))
    c = chat()
    c.ready()
    c.say("Question")
    c.expect("Answer A")
    c.ready()
    c.say("/retry")
    c.expect("Answer B")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"] == [{"role": "user", "content": "Question"}]
    _, msgs = stored(home)
    assert [(r, t) for r, t, _ in msgs] == [("user", "Question"), ("assistant", "Answer B.")]


def test_undo_drops_the_last_exchange_from_the_store_and_the_context(chat, fake, home):
    fake.push(Reply(text="One."), Reply(text="Two."), Reply(text="Three."))
    c = chat()
    c.ready()
    c.say("first")
    c.expect("One")
    c.ready()
    c.say("second")
    c.expect("Two")
    c.ready()
    c.say("/undo")
    c.expect("Dropped the last exchange")
    c.ready()
    _, msgs = stored(home)
    assert [t for _, t, _ in msgs] == ["first", "One."]
    c.say("third")
    c.expect("Three")
    assert [m["content"] for m in fake.chat_requests[-1]["json"]["messages"]] == ["first", "One.", "third"]


def test_new_starts_a_fresh_conversation(chat, fake, home):
    c = chat()
    c.ready()
    c.say("in the old one")
    c.ready()
    c.say("/new")
    c.expect("New conversation")
    c.ready()
    c.say("in the new one")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"] == [{"role": "user", "content": "in the new one"}]
    with Store.open(home / "history.db") as db:
        assert len(db.list(None)) == 2


def test_continue_resumes_the_last_conversation_and_shows_it(chat, fake):
    fake.push(Reply(text="Blue is my favourite too."), Reply(text="It was blue."))
    first = chat()
    first.ready()
    first.say("My favourite colour is blue.")
    first.expect("favourite too")
    first.ready()
    first.say("/exit")
    first.wait_exit()
    second = chat("-c")
    second.expect("My favourite colour is blue")  # earlier turns shown before the prompt
    second.ready()
    second.say("Which colour did I say?")
    second.expect("It was blue")
    assert [m["content"] for m in fake.chat_requests[-1]["json"]["messages"]] == [
        "My favourite colour is blue.",
        "Blue is my favourite too.",
        "Which colour did I say?",
    ]


def test_cid_resumes_a_given_conversation(chat, fake, home):
    c = chat()
    c.ready()
    c.say("conversation one")
    c.ready()
    c.say("/new")
    c.ready()
    c.say("conversation two")
    c.ready()
    c.say("/exit")
    c.wait_exit()
    with Store.open(home / "history.db") as db:
        one = next(conv for conv in db.list(None) if conv.title == "conversation one")
    again = chat("--cid", one.id[:6])
    again.ready()
    again.say("back to one")
    again.ready()
    assert [m["content"] for m in fake.chat_requests[-1]["json"]["messages"]] == [
        "conversation one",
        "Hello from the fixture.",
        "back to one",
    ]


def test_continue_with_nothing_stored_is_a_usage_error(chat, fake):
    c = chat("-c")
    c.expect("no earlier conversation")
    assert c.wait_exit() == 2


def test_closing_the_terminal_mid_answer_keeps_what_arrived(chat, fake, home):
    import time

    fake.push(Reply(text=LONG, chunk_delay=0.1))
    c = chat()
    c.ready()
    c.say("Count slowly")
    c.expect("word3 ")
    c.child.close(force=True)  # hang up the pty, as closing a terminal window does
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        _, msgs = stored(home)
        if len(msgs) == 2:
            break
        time.sleep(0.2)
    assert msgs[0][:2] == ("user", "Count slowly")
    assert msgs[1][0] == "assistant" and msgs[1][2] == "interrupted"
    assert msgs[1][1].startswith("word0 word1 word2 word3")


def test_resumed_conversation_keeps_its_model_and_system_prompt(chat, fake):
    first = chat("-m", "gpt-4o", "-s", "Be brief.")
    first.ready()
    first.say("hello")
    first.ready()
    first.say("/exit")
    first.wait_exit()
    second = chat("-c")
    second.ready()
    second.say("again")
    second.ready()
    sent = fake.chat_requests[-1]["json"]
    assert sent["model"] == "gpt-4o"
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}


def test_no_log_chat_keeps_context_but_stores_nothing(chat, fake, home):
    fake.push(Reply(text="Noted."), Reply(text="Still noted."))
    c = chat("--no-log")
    c.ready()
    c.say("secret plan")
    c.expect("Noted")
    c.ready()
    c.say("and then?")
    c.expect("Still noted")
    assert [m["content"] for m in fake.chat_requests[-1]["json"]["messages"]] == ["secret plan", "Noted.", "and then?"]
    c.say("/exit")
    c.wait_exit()
    db = Store.open(home / "history.db", create=False)
    assert db is None or db.last() is None


def test_screen_after_ctrl_c_shows_the_partial_answer_then_the_prompt(chat, fake):
    fake.push(Reply(text=LONG, chunk_delay=0.1))
    c = chat()
    c.ready()
    c.say("Count slowly")
    c.expect("word3 ")
    c.interrupt()
    c.ready()
    c.settle()
    lines = c.display().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("word0 word1 word2 word3"))
    assert lines[at + 1].startswith("⏹ stopped (partial answer kept)")
    assert any(line.startswith("›") for line in lines[at + 2 :])
    assert "openai · gpt-4o-mini · context" in lines[-1]


def test_keys_typed_while_an_answer_streams_wait_for_the_next_prompt(chat, fake):
    fake.push(Reply(text="one two three four five six seven eight", chunk_delay=0.15))
    c = chat()
    c.ready()
    c.say("Count")
    c.expect("two ")
    c.send("typed ahead")
    c.ready()
    c.settle()
    c.send("\r")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"][-1]["content"] == "typed ahead"
    answer_line = next(line for line in c.display().splitlines() if line.startswith("one two"))
    assert "typed" not in answer_line


def test_retry_after_a_stream_cut_mid_answer_replaces_the_partial_answer(chat, fake, home):
    from tests.fixtures.openai_server import Disconnect

    write_config(home, "[openai]\nmax_retries = 0\n")
    fake.push(Disconnect(text="alpha beta gamma delta epsilon", after=2), Reply(text="Complete answer."))
    c = chat()
    c.ready()
    c.say("Tell me")
    c.expect("/retry")
    c.ready()
    assert "alpha beta" in c.text  # what arrived stays on screen
    c.say("/retry")
    c.expect("Complete answer")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"] == [{"role": "user", "content": "Tell me"}]
    _, msgs = stored(home)
    assert [(r, t, st) for r, t, st in msgs] == [
        ("user", "Tell me", "complete"),
        ("assistant", "Complete answer.", "complete"),
    ]


def test_a_spinner_shows_until_the_first_token_then_goes(chat, fake):
    fake.push(Reply(chunks=["", "", "", "", "Late answer."], chunk_delay=0.4))
    c = chat()
    c.ready()
    c.say("Take your time")
    c.expect("thinking…")
    c.expect("Late answer")
    c.ready()
    c.settle()
    screen = c.display()
    assert "Late answer." in screen
    assert "thinking" not in screen


def test_ctrl_c_while_waiting_for_a_silent_server_returns_to_the_prompt(chat, fake):
    from tests.fixtures.openai_server import Hang

    fake.push(Hang(seconds=30), Reply(text="Awake now."))
    c = chat()
    c.ready()
    c.say("Are you there?")
    c.expect("thinking…")
    wait_for(lambda: len(fake.chat_requests) == 1)  # the request is out, no answer comes
    c.interrupt()
    c.expect(r"stopped \(nothing received\)")
    c.ready()
    c.say("Hello again")
    c.expect("Awake now")
    assert fake.chat_requests[-1]["json"]["messages"] == [{"role": "user", "content": "Hello again"}]
