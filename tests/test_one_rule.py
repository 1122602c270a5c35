"""One rule picks backend and model for every request of a task (issue #20 §2).

summarize picks its backend before run_turn does (the map step needs it); with
`-c` both must follow the conversation, or the parts are summarized on one
backend and merged on another. In-process: FakeBackend, a real SQLite store.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from aigc_cli import backends
from aigc_cli.backends.fake import FakeBackend
from aigc_cli.config import Settings
from aigc_cli.messages import GenOptions
from aigc_cli.session.mapreduce import Source
from aigc_cli.session.options import TaskOptions
from aigc_cli.session.request import TurnRequest
from aigc_cli.session.summarize import run_summarize
from aigc_cli.session.turn import run_turn

pytestmark = pytest.mark.fast


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AIGC_HOME", str(tmp_path))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    backend = FakeBackend(window=2000)
    with backends.provide(backend):
        yield backend


def test_summarize_continue_maps_and_merges_on_the_conversations_backend_and_model(fake):
    settings = Settings(backend="openai")  # the configured default is another backend
    settings.context.reserve_output = 300
    first = run_turn(TurnRequest(prompt="hi", backend="fake", options=GenOptions(model="fake-7")), settings)
    assert first.error is None
    long_text = " ".join(f"word{i}" for i in range(6000)).encode()
    result = run_summarize([Source("notes.txt", io.BytesIO(long_text))], {}, TaskOptions(continue_last=True), settings)
    assert result.error is None, result.error
    assert "map-reduce" in result.notices[0]
    summarize_requests = fake.requests[1:]
    assert len(summarize_requests) > 2  # several parts, then the merge
    assert {r.options.model for r in summarize_requests} == {"fake-7"}
    assert result.conversation_id == first.conversation_id


def test_summarize_continue_on_a_base_model_is_a_chat_like_every_continued_turn(fake):
    """A continued conversation's history is a chat, so no task frames it as a completion."""
    settings = Settings(backend="fake")
    settings.context.reserve_output = 300
    fake.style = "completion"  # plays a base model
    run_turn(TurnRequest(prompt="hi", backend="fake", options=GenOptions(model="fake-7")), settings)
    result = run_summarize(
        [Source("notes.txt", io.BytesIO(b"a short text to summarize"))], {}, TaskOptions(continue_last=True), settings
    )
    assert result.error is None, result.error
    sent = fake.requests[-1]
    assert not sent.options.completion
    assert [m.role for m in sent.messages][-3:] == ["user", "assistant", "user"]  # the history, then the task


def test_one_rule_decides_the_framing():
    from aigc_cli.session.choose import as_completion

    base = FakeBackend(style="completion")
    rule = dict(has_completion=True, system_given=False, continuing=False, kb=False)
    assert as_completion(base, "m", **rule)
    for change in ("system_given", "continuing", "kb"):
        assert not as_completion(base, "m", **{**rule, change: True})
    assert not as_completion(base, "m", **{**rule, "has_completion": False})
    assert not as_completion(FakeBackend(), "m", **rule)  # a chat model
