"""`aigc chat` input, driven in a real pty against the loopback OpenAI server:
Enter, multi-line, paste, history, Ctrl-C / Ctrl-D at the prompt, wide characters."""

from __future__ import annotations

from tests.fixtures.openai_server import Reply
from tests.fixtures.pty import ALT_ENTER, CTRL_C, CTRL_D, CTRL_R, ENTER, LEFT, UP, paste


def sent_user(fake) -> str:
    return fake.chat_requests[-1]["json"]["messages"][-1]["content"]


def test_enter_sends_the_message_and_the_answer_streams(chat, fake):
    fake.push(Reply(text="The answer is 42, as always.", chunk_delay=0.02))
    c = chat()
    c.ready()
    c.say("What is six times seven?")
    c.expect(r"The answer is 42, as always\.")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"] == [{"role": "user", "content": "What is six times seven?"}]


def test_second_message_carries_the_first_exchange(chat, fake):
    fake.push(Reply(text="Nice to meet you, Ada."), Reply(text="Your name is Ada."))
    c = chat()
    c.ready()
    c.say("My name is Ada.")
    c.expect("Nice to meet you")
    c.ready()
    c.say("What is my name?")
    c.expect("Your name is Ada")
    assert fake.chat_requests[-1]["json"]["messages"] == [
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": "Nice to meet you, Ada."},
        {"role": "user", "content": "What is my name?"},
    ]


def test_alt_enter_adds_a_line_instead_of_sending(chat, fake):
    c = chat()
    c.ready()
    c.type("first line")
    c.type(ALT_ENTER)
    c.say("second line")
    c.ready()
    assert len(fake.chat_requests) == 1
    assert sent_user(fake) == "first line\nsecond line"


def test_triple_quote_block_is_one_message(chat, fake):
    c = chat()
    c.ready()
    for line in ['"""', "def f():", "    return 1", '"""']:
        c.say(line)
    c.ready()
    assert len(fake.chat_requests) == 1
    assert sent_user(fake) == "def f():\n    return 1"


def test_triple_quote_block_ends_only_at_a_line_of_its_own(chat, fake):
    c = chat()
    c.ready()
    for line in ['"""', "def f():", '    """Docstring."""', '"""']:
        c.say(line)
    c.ready()
    assert len(fake.chat_requests) == 1
    assert sent_user(fake) == 'def f():\n    """Docstring."""'


def test_bracketed_paste_of_several_lines_is_one_unmangled_message(chat, fake):
    text = "line one\n  indented {x} $y\r\nline three\n\nafter a blank"
    c = chat()
    c.ready()
    c.type(paste(text))
    c.send(ENTER)
    c.ready()
    assert len(fake.chat_requests) == 1
    assert sent_user(fake) == text.replace("\r\n", "\n")


def test_ctrl_c_at_the_prompt_clears_the_line(chat, fake):
    c = chat()
    c.ready()
    c.type("a draft I regret")
    c.send(CTRL_C)
    c.ready()
    c.say("the real question")
    c.ready()
    assert len(fake.chat_requests) == 1
    assert sent_user(fake) == "the real question"


def test_ctrl_c_on_an_empty_line_says_how_to_leave(chat, fake):
    c = chat()
    c.ready()
    c.send(CTRL_C)
    c.expect("Ctrl-D or /exit leaves")
    c.ready()
    c.say("still here")
    c.ready()
    assert sent_user(fake) == "still here"


def test_ctrl_d_leaves_with_status_zero(chat, fake):
    c = chat()
    c.ready()
    c.send(CTRL_D)
    assert c.wait_exit() == 0
    assert fake.chat_requests == []


def test_exit_command_leaves(chat, fake):
    c = chat()
    c.ready()
    c.say("/exit")
    assert c.wait_exit() == 0


def test_input_history_persists_across_sessions(chat, fake):
    first = chat()
    first.ready()
    first.say("remember this line")
    first.ready()
    first.send(CTRL_D)
    first.wait_exit()
    second = chat()
    second.ready()
    second.type(UP)
    second.send(ENTER)
    second.ready()
    assert len(fake.chat_requests) == 2
    assert sent_user(fake) == "remember this line"


def test_ctrl_r_finds_an_earlier_input(chat, fake):
    c = chat()
    c.ready()
    for line in ["alpha question", "beta question", "gamma question"]:
        c.say(line)
        c.ready()
    fake.push(Reply(text="search worked"))
    c.type(CTRL_R)
    c.type("beta")
    c.type(ENTER)  # accept the search result into the line
    c.send(ENTER)  # and send it
    c.expect("search worked")
    assert len(fake.chat_requests) == 4
    assert sent_user(fake) == "beta question"


def test_wide_characters_edit_in_place(chat, fake):
    c = chat()
    c.ready()
    c.type("你好世界")
    c.type(LEFT * 2)
    c.type("们的")
    c.send(ENTER)
    c.ready()
    assert sent_user(fake) == "你好们的世界"
