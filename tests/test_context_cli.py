"""Long conversations through the real `aigc`: every request fits the window.

A 200-turn conversation is written through the store's Python API, then
continued with `aigc ask -c` against the loopback server; the recorded
request is counted with the same tokenizer aigc uses.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from aigc_cli import modeltable, tokens
from aigc_cli.context.fit import SUMMARY_HEADER
from aigc_cli.context.summary import SUMMARY_SYSTEM
from aigc_cli.messages import Message
from aigc_cli.store.db import Store
from tests.fixtures.openai_server import Reply

MODEL = "gpt-4o-mini"
WINDOW = 4096
RESERVE = 512
SYSTEM = "You are a terse assistant."


def configure(home, strategy: str = "drop") -> None:
    (home / "config.toml").write_text(
        f'[context]\nstrategy = "{strategy}"\nreserve_output = {RESERVE}\n\n'
        f'[models."{MODEL}"]\ncontext_window = {WINDOW}\n'
    )


@pytest.fixture(scope="module")
def stored_200(tmp_path_factory) -> tuple[Path, str]:
    """A store holding one 200-turn conversation, built once through the store's API."""
    path = tmp_path_factory.mktemp("store") / "history.db"
    with Store.open(path) as store:
        cid = None
        for i in range(200):
            cid, uid = store.begin_turn(
                cid,
                f"question {i}: tell me about topic {i} " + "in detail " * 10,
                backend="openai",
                model=MODEL,
                system=SYSTEM if cid is None else None,
            )
            store.finish_turn(cid, uid, f"answer {i}: topic {i} is " + "interesting " * 20, model=MODEL)
    return path, cid


@pytest.fixture
def long_conversation(aigc_api, stored_200) -> str:
    """This test's own copy of the 200-turn store; returns the conversation id."""
    path, cid = stored_200
    shutil.copyfile(path, aigc_api.home / "history.db")
    return cid


def sent_messages(fake, index: int = -1) -> list[Message]:
    return [Message(**m) for m in fake.chat_requests[index]["json"]["messages"]]


def summary_requests(fake) -> list[dict]:
    return [r for r in fake.chat_requests if r["json"]["messages"][0]["content"] == SUMMARY_SYSTEM]


def test_continued_long_conversation_request_fits_the_window(aigc_api, fake, long_conversation):
    configure(aigc_api.home)
    r = aigc_api("ask", "-c", "and the newest question?")
    assert r.code == 0, r.err
    assert tokens.count_messages(sent_messages(fake), MODEL) <= WINDOW - RESERVE


def test_continued_long_conversation_keeps_system_prompt_and_latest_turn(aigc_api, fake, long_conversation):
    configure(aigc_api.home)
    aigc_api("ask", "-c", "and the newest question?")
    sent = sent_messages(fake)
    assert sent[0] == Message(role="system", content=SYSTEM)
    assert sent[-1] == Message(role="user", content="and the newest question?")
    assert sent[-2].content.startswith("answer 199: ")
    assert sent[1].role == "user"


def test_continued_long_conversation_prints_one_notice(aigc_api, fake, long_conversation):
    configure(aigc_api.home)
    r = aigc_api("ask", "-c", "and the newest question?")
    kept = len(sent_messages(fake)) - 2
    notices = [line for line in r.err.splitlines() if line.startswith("aigc: ")]
    assert notices == [f"aigc: left out the {400 - kept} oldest messages to fit {MODEL}'s {WINDOW:,}-token window"]
    assert r.out == "Hello from the fixture.\n"


def test_summarize_strategy_sends_the_summary_instead_of_old_turns(aigc_api, fake, long_conversation):
    configure(aigc_api.home, "summarize")
    fake.default = Reply(text="The user asked about topics 0 to 150.")
    r = aigc_api("ask", "-c", "and the newest question?")
    assert r.code == 0, r.err
    sent = sent_messages(fake)
    assert sent[1] == Message(role="system", content=SUMMARY_HEADER + "The user asked about topics 0 to 150.")
    assert tokens.count_messages(sent, MODEL) <= WINDOW - RESERVE
    assert "condensed into a summary (summary updated)" in r.err


def test_summarize_requests_fit_the_window_too(aigc_api, fake, long_conversation):
    configure(aigc_api.home, "summarize")
    aigc_api("ask", "-c", "and the newest question?")
    asked = summary_requests(fake)
    assert asked
    for req in asked:
        msgs = [Message(**m) for m in req["json"]["messages"]]
        assert tokens.count_messages(msgs, MODEL) + req["json"]["max_tokens"] <= WINDOW


def test_summary_is_stored_with_the_conversation(aigc_api, fake, long_conversation):
    configure(aigc_api.home, "summarize")
    cid = long_conversation
    fake.default = Reply(text="stored summary text")
    aigc_api("ask", "-c", "and the newest question?")
    with sqlite3.connect(aigc_api.home / "history.db") as db:
        row = db.execute("SELECT text, covered FROM summaries WHERE conversation_id = ?", (cid,)).fetchone()
    kept = len(sent_messages(fake)) - 3  # system prompt, summary, newest question
    assert row == ("stored summary text", 400 - kept)


def test_stored_summary_is_reused_by_the_next_turn(aigc_api, fake, long_conversation):
    configure(aigc_api.home, "summarize")
    fake.default = Reply(text="reusable summary")
    aigc_api("ask", "-c", "first new question")
    fake.reset()
    fake.default = Reply(text="a short answer")
    r = aigc_api("ask", "-c", "second new question")
    assert r.code == 0, r.err
    assert len(fake.chat_requests) == 1
    assert sent_messages(fake)[1].content == SUMMARY_HEADER + "reusable summary"
    assert "(summary updated)" not in r.err


def test_too_large_input_exits_6_with_the_numbers_and_sends_nothing(aigc_api, fake):
    configure(aigc_api.home)
    r = aigc_api("ask", "summarize this", input="word " * 20000)
    assert r.code == 6
    assert f"{MODEL}'s window is {WINDOW:,} tokens with {RESERVE:,} kept for the answer" in r.err
    assert "--truncate" in r.err
    assert "Traceback" not in r.err
    assert fake.chat_requests == []


def test_truncate_sends_a_fitting_request_with_the_instruction(aigc_api, fake):
    configure(aigc_api.home)
    r = aigc_api("ask", "--truncate", "summarize this", input="word " * 20000)
    assert r.code == 0, r.err
    sent = sent_messages(fake)
    assert tokens.count_messages(sent, MODEL) <= WINDOW - RESERVE
    assert sent[-1].content.endswith("\n</input>\n\nsummarize this")
    assert "tokens from the middle of the newest message (--truncate)" in r.err


@pytest.mark.slow
def test_local_model_request_fits_its_window_by_its_own_tokenizer(aigc):
    """The bundled GGUF: --truncate fits n_ctx minus the answer's room, counted by llama.cpp."""
    pytest.importorskip("llama_cpp")
    (aigc.home / "config.toml").write_text("[local]\nn_ctx = 1024\n")
    r = aigc(
        "ask",
        "-b",
        "local",
        "--truncate",
        "--max-tokens",
        "16",
        "--json",
        "summarize",
        input="word " * 3000,
        timeout=300,
    )
    assert r.code == 0, r.err
    assert json.loads(r.out)["usage"]["prompt_tokens"] <= 1024 - 16
    assert "(--truncate) to fit gemma-3-270m's 1,024-token window" in r.err


def test_summarizing_reports_its_own_tokens_and_cost(aigc_api, fake, long_conversation):
    configure(aigc_api.home, "summarize")
    usage = {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100}
    fake.default = Reply(text="a summary", usage=usage)
    r = aigc_api("ask", "-c", "and the newest question?")
    n = len(summary_requests(fake))
    entry = modeltable.BUILTIN[MODEL]
    cost = n * (1000 * entry.input_price + 100 * entry.output_price) / 1_000_000
    assert f"(summarizing: {n} requests, {n * 1100:,} tokens, ${cost:.4f})" in r.err


def test_turn_cost_includes_the_summarizing_requests(aigc_api, fake, long_conversation):
    configure(aigc_api.home, "summarize")
    usage = {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100}
    fake.default = Reply(text="a summary", usage=usage)
    data = json.loads(aigc_api("ask", "--json", "-c", "and the newest question?").out)
    n = len(fake.chat_requests)  # the summarizing requests and the turn itself
    entry = modeltable.BUILTIN[MODEL]
    assert data["cost"] == pytest.approx(n * (1000 * entry.input_price + 100 * entry.output_price) / 1_000_000)
    with sqlite3.connect(aigc_api.home / "history.db") as db:
        stored = db.execute("SELECT cost FROM messages WHERE role = 'assistant' ORDER BY id DESC").fetchone()[0]
    assert stored == pytest.approx(data["cost"])
