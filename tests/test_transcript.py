"""The transcript prompt built for base models (no chat template in the GGUF)."""

from __future__ import annotations

from aigc_cli.backends.transcript import DEFAULT_PREAMBLE, STOP_SEQUENCES, build_prompt, tidy_stream
from aigc_cli.messages import Message

EXAMPLES = (
    "User: How many days are in a week?\n"
    "Assistant: A week has seven days.\n"
    "\n"
    "User: 日本的首都是哪里？\n"
    "Assistant: 日本的首都是东京。"
)


def user(text: str) -> Message:
    return Message(role="user", content=text)


def assistant(text: str) -> Message:
    return Message(role="assistant", content=text)


def system(text: str) -> Message:
    return Message(role="system", content=text)


def test_single_question_gets_default_preamble_examples_and_open_assistant_turn():
    prompt = build_prompt([user("What is the capital of France?")])
    assert prompt == (f"{DEFAULT_PREAMBLE}\n\n{EXAMPLES}\n\nUser: What is the capital of France?\nAssistant:")


def test_system_prompt_replaces_the_default_preamble():
    prompt = build_prompt([system("Answer in one word."), user("Capital of Spain?")])
    assert prompt == f"Answer in one word.\n\n{EXAMPLES}\n\nUser: Capital of Spain?\nAssistant:"


def test_multi_turn_conversation_keeps_every_turn_in_order():
    prompt = build_prompt(
        [
            system("Be terse."),
            user("hi"),
            assistant(" Hello! \n"),
            user("What is 2+2?"),
            assistant("4."),
            user("And 3+3?"),
        ]
    )
    assert prompt == (
        f"Be terse.\n\n{EXAMPLES}\n\n"
        "User: hi\nAssistant: Hello!\n\n"
        "User: What is 2+2?\nAssistant: 4.\n\n"
        "User: And 3+3?\nAssistant:"
    )


def test_chinese_messages_are_rendered_verbatim():
    prompt = build_prompt(
        [system("请用中文回答。"), user("法国的首都是哪里？"), assistant("巴黎。"), user("那德国呢？")]
    )
    assert prompt == (
        f"请用中文回答。\n\n{EXAMPLES}\n\nUser: 法国的首都是哪里？\nAssistant: 巴黎。\n\nUser: 那德国呢？\nAssistant:"
    )


def test_several_system_messages_join_into_one_preamble():
    prompt = build_prompt([system("Be kind."), system("Be brief."), user("hi")], few_shot=False)
    assert prompt == "Be kind.\n\nBe brief.\n\nUser: hi\nAssistant:"


def test_multiline_user_text_stays_inside_its_turn():
    prompt = build_prompt([user("Summarize:\nline one\nline two")], few_shot=False)
    assert prompt == f"{DEFAULT_PREAMBLE}\n\nUser: Summarize:\nline one\nline two\nAssistant:"


def test_a_stored_answer_re_renders_as_a_prefix_of_the_next_prompt():
    first = build_prompt([user("hi")])
    second = build_prompt([user("hi"), assistant("Hello!"), user("bye")])
    assert second.startswith(first + " Hello!\n\nUser: bye")


def test_stop_sequences_end_the_assistant_turn_at_the_next_speaker():
    assert "\nUser:" in STOP_SEQUENCES
    assert all(s.startswith("\n") for s in STOP_SEQUENCES)


def events(*pieces: str, finish: str = "stop") -> list[dict]:
    out = [{"choices": [{"text": p, "finish_reason": None}]} for p in pieces]
    out.append({"choices": [{"text": "", "finish_reason": finish}]})
    return out


def collect(evs: list[dict]) -> tuple[list[str], str]:
    return collect_gen(tidy_stream(evs))


def collect_gen(gen) -> tuple[list[str], str]:
    texts = []
    while True:
        try:
            texts.append(next(gen).text)
        except StopIteration as stop:
            return texts, stop.value


def test_tidy_stream_drops_leading_and_trailing_whitespace_but_keeps_inner():
    texts, finish = collect(events(" ", " Paris", " is", "\n", "\n", "big", ".", "\n"))
    assert "".join(texts) == "Paris is\n\nbig."
    assert finish == "stop"


def test_tidy_stream_returns_the_finish_reason():
    _, finish = collect(events("a", finish="length"))
    assert finish == "length"


def test_tidy_stream_drops_a_stop_sequence_cut_off_by_max_tokens():
    gen = tidy_stream(events("Hi", ".", "\n", "User", finish="length"), STOP_SEQUENCES)
    texts, finish = collect_gen(gen)
    assert "".join(texts) == "Hi."
    assert finish == "length"


def test_tidy_stream_releases_held_text_that_turns_out_not_to_be_a_stop():
    gen = tidy_stream(events("a", "\n", "Use", " it", "."), STOP_SEQUENCES)
    texts, _ = collect_gen(gen)
    assert "".join(texts) == "a\nUse it."
