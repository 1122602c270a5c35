"""context.fit_messages: every request fits ``window - reserve`` by the real counter."""

from __future__ import annotations

from functools import partial

import pytest

from aigc_cli import context, tokens
from aigc_cli.context import summary as context_summary
from aigc_cli.errors import InputTooLarge
from aigc_cli.messages import Message

MODEL = "gpt-4"  # cl100k: counted exactly, offline
count = partial(tokens.count_messages, model=MODEL)


def conversation(turns: int, words: int = 40) -> list[Message]:
    """System prompt, ``turns`` numbered user/assistant pairs, then a new question."""
    msgs = [Message(role="system", content="You are terse.")]
    for i in range(turns):
        msgs.append(Message(role="user", content=f"question {i}: " + "lorem ipsum " * words))
        msgs.append(Message(role="assistant", content=f"answer {i}: " + "dolor sit " * words))
    msgs.append(Message(role="user", content="the newest question"))
    return msgs


def fit(msgs: list[Message], window: int = 2000, reserve: int = 200, **kw) -> context.Fitted:
    return context.fit_messages(msgs, window=window, reserve=reserve, count=count, model=MODEL, **kw)


def test_short_conversation_is_sent_whole():
    msgs = conversation(2)
    fitted = fit(msgs)
    assert fitted.messages == msgs
    assert fitted.dropped == 0
    assert fitted.notices == []


def test_long_conversation_fits_the_budget_by_the_counter():
    fitted = fit(conversation(200))
    assert count(fitted.messages) == fitted.prompt_tokens
    assert fitted.prompt_tokens <= 2000 - 200


def test_system_prompt_and_newest_message_are_kept():
    msgs = conversation(200)
    fitted = fit(msgs)
    assert fitted.messages[0] == msgs[0]
    assert fitted.messages[-1] == msgs[-1]


def test_oldest_turns_are_dropped_first():
    msgs = conversation(200)
    fitted = fit(msgs)
    kept = fitted.messages[1:-1]
    assert kept == msgs[-1 - len(kept) : -1]
    assert fitted.dropped == 400 - len(kept)


def test_kept_history_starts_with_a_question():
    fitted = fit(conversation(200), window=1500)
    assert fitted.messages[1].role == "user"


def test_notice_is_one_line_naming_what_was_left_out():
    fitted = fit(conversation(200))
    assert len(fitted.notices) == 1
    assert f"left out the {fitted.dropped} oldest messages" in fitted.notices[0]
    assert "2,000-token window" in fitted.notices[0]


def test_too_large_newest_message_is_an_error_with_the_numbers():
    big = [Message(role="user", content="word " * 5000)]
    with pytest.raises(InputTooLarge) as err:
        fit(big)
    assert f"{count(big):,} tokens" in err.value.message
    assert "2,000 tokens" in err.value.message
    assert "--truncate" in err.value.hint


def test_truncate_cuts_the_middle_to_fit():
    text = "HEAD " + "filler " * 5000 + "TAIL: summarize this"
    fitted = fit([Message(role="system", content="sys"), Message(role="user", content=text)], truncate=True)
    sent = fitted.messages[-1].content
    assert fitted.prompt_tokens <= 1800
    assert sent.startswith("HEAD ") and sent.endswith("TAIL: summarize this")
    assert f"[... {fitted.cut_tokens} tokens cut" in sent
    assert "(--truncate)" in fitted.notices[0]


def test_reserve_larger_than_the_window_is_an_error():
    with pytest.raises(InputTooLarge):
        fit([Message(role="user", content="hi")], window=1000, reserve=1000)


class RecordingSummarizer:
    """A deterministic summarizer that remembers what it was asked to condense."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, list[Message], int]] = []

    def __call__(self, previous: str | None, msgs, target: int) -> str:
        self.calls.append((previous, list(msgs), target))
        return f"{len(msgs)} messages condensed, call {len(self.calls)}"


def test_summarize_condenses_the_left_out_turns_into_a_summary_message():
    msgs = conversation(200)
    summarizer = RecordingSummarizer()
    fitted = fit(msgs, strategy="summarize", summarizer=summarizer)
    ((previous, condensed, _target),) = summarizer.calls
    assert previous is None
    assert condensed == msgs[1 : 1 + len(condensed)]
    assert fitted.summary.covered == len(condensed)
    assert fitted.messages[1].content == context.SUMMARY_HEADER + fitted.summary.text
    assert fitted.prompt_tokens <= 1800
    assert "condensed into a summary (summary updated)" in fitted.notices[0]


def test_stored_summary_is_reused_without_summarizing_again():
    msgs = conversation(200)
    first = fit(msgs, strategy="summarize", summarizer=RecordingSummarizer())
    again = RecordingSummarizer()
    nxt = msgs[:-1] + [Message(role="user", content="q"), Message(role="assistant", content="a"), msgs[-1]]
    fitted = fit(nxt, strategy="summarize", summarizer=again, summary=first.summary)
    assert again.calls == []
    assert fitted.summary == first.summary
    assert not fitted.summary_changed


def test_summary_is_extended_with_only_the_newly_left_out_turns():
    msgs = conversation(200)
    first = fit(msgs, strategy="summarize", summarizer=RecordingSummarizer())
    more = conversation(260)
    again = RecordingSummarizer()
    fitted = fit(more, strategy="summarize", summarizer=again, summary=first.summary)
    ((previous, condensed, _),) = again.calls
    assert previous == first.summary.text
    assert condensed[0] == more[1 + first.summary.covered]
    assert fitted.summary.covered == first.summary.covered + len(condensed)


def test_summarizer_requests_fit_the_window_even_for_a_huge_message():
    sent: list[int] = []

    def ask(messages, max_tokens):
        sent.append(count(messages) + max_tokens)
        return "short summary"

    summarize = context_summary.make_summarizer(ask, 1000, count)
    huge = [Message(role="user", content="alpha beta gamma " * 3000)]
    assert summarize(None, huge, 100) == "short summary"
    assert len(sent) > 1
    assert max(sent) <= 1000


def test_counter_that_rejects_lone_messages_still_yields_a_fitting_request():
    """Some chat templates refuse an empty list or a lone answer; fitting must still hold."""

    def strict(messages):
        if not messages or messages[-1].role != "user":
            raise ValueError("template: conversation must end with a user message")
        return count(messages)

    fitted = context.fit_messages(conversation(200), window=2000, reserve=200, count=strict, model=MODEL)
    assert strict(fitted.messages) <= 1800
    assert fitted.messages[1].role == "user"


def test_counted_usage_uses_the_backends_tokenizer():
    from aigc_cli.backends.openai import OpenAIBackend
    from aigc_cli.config import Settings

    backend = OpenAIBackend(Settings())
    msgs = conversation(3)
    usage = context.counted_usage(backend, msgs, "the answer text", MODEL)
    assert usage.prompt_tokens == count(msgs)
    assert usage.completion_tokens == tokens.count_text("the answer text", MODEL) + tokens.message_overhead()


def test_stored_summary_too_big_for_a_smaller_window_is_left_out():
    msgs = conversation(10, words=5)
    big = context.Summary(text="remember " * 3000, covered=4)
    fitted = fit(msgs, strategy="summarize", summarizer=RecordingSummarizer(), summary=big)
    assert fitted.prompt_tokens <= 1800
    assert all(not m.content.startswith(context.SUMMARY_HEADER) for m in fitted.messages)
    assert not fitted.summary_changed


def test_the_tools_specs_take_their_room_in_the_window():
    """Dozens of MCP tools are thousands of tokens on every request: the messages get what is left."""
    from aigc_cli.backends.openai import OpenAIBackend
    from aigc_cli.config import Settings
    from aigc_cli.context.request import fit_request, tool_specs_tokens
    from aigc_cli.messages import GenOptions

    backend = OpenAIBackend(Settings())
    spec = {"type": "object", "properties": {"query": {"type": "string", "description": "what to look up " * 20}}}
    tools = [{"type": "function", "function": {"name": f"tool_{i}", "description": "Looks things up. " * 10,
                                               "parameters": spec}} for i in range(40)]  # fmt: skip
    msgs = conversation(30, words=40)  # about 5,000 tokens: fits gpt-4's 8,192 alone
    plain = fit_request(msgs, backend, GenOptions(model=MODEL, max_tokens=500), Settings())
    assert plain.messages == msgs
    options = GenOptions(model=MODEL, max_tokens=500, tools=tools)
    specs = tool_specs_tokens(backend, options, MODEL)
    assert specs > 3000
    fitted = fit_request(msgs, backend, options, Settings())
    assert len(fitted.messages) < len(msgs) and fitted.notices
    assert count(fitted.messages) + specs + 500 <= 8192
