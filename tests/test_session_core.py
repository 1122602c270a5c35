"""The core's turn logic in-process: FakeBackend (aigc_cli/backends/fake.py) for the
backend, a real SQLite store in a temp AIGC_HOME. The same behaviours are covered
end to end against the loopback server elsewhere; these pin the core's rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigc_cli import backends
from aigc_cli.backends.base import Backend, Price
from aigc_cli.backends.fake import FakeBackend, FakeReply
from aigc_cli.config import Settings
from aigc_cli.errors import BackendUnreachable, UnusableAnswer
from aigc_cli.messages import GenOptions, Message
from aigc_cli.session.options import TaskOptions
from aigc_cli.session.plan import run_plan
from aigc_cli.session.request import TurnRequest
from aigc_cli.session.turn import run_turn
from aigc_cli.store.db import Store

GOOD_PLAN = json.dumps(
    {
        "goal": "Learn Rust",
        "summary": "Read, then build.",
        "steps": [
            {"title": "Read the book", "detail": "Chapters 1-10", "estimate": "1 week", "depends_on": []},
            {"title": "Build a CLI", "detail": "A small tool", "estimate": "1 week", "depends_on": [1]},
        ],
        "risks": ["Time"],
    }
)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeBackend:
    monkeypatch.setenv("AIGC_HOME", str(tmp_path))
    backend = FakeBackend()
    backends.provide(backend)
    return backend


def stored(tmp_path: Path) -> list[tuple[str, str, str]]:
    with Store.open(tmp_path / "history.db") as db:
        conv = db.last()
        assert conv is not None
        return [(m.role, m.status, m.content) for m in db.messages(conv.id)]


def test_plan_repair_stores_the_repaired_plan_not_the_invalid_answer(fake, tmp_path):
    fake.push("this is not json", GOOD_PLAN)
    plan, turn = run_plan("Learn Rust", {}, TaskOptions(backend="fake"), Settings())
    assert plan is not None and [s.title for s in plan.steps] == ["Read the book", "Build a CLI"]
    assert stored(tmp_path)[-1] == ("assistant", "complete", GOOD_PLAN)


def test_plan_repair_shows_the_model_its_answer_and_the_error(fake):
    fake.push("this is not json", GOOD_PLAN)
    run_plan("Learn Rust", {}, TaskOptions(backend="fake"), Settings())
    repair = fake.requests[1].messages
    assert repair[-2] == Message(role="assistant", content="this is not json")
    assert "not a valid plan" in repair[-1].content and "not JSON" in repair[-1].content


def test_plan_repair_request_is_fitted_to_the_window(fake):
    fake.window = 1400
    fake.push("word " * 900, GOOD_PLAN)  # the invalid answer alone nearly fills the window
    settings = Settings()
    settings.context.reserve_output = 200
    run_plan("Learn Rust", {}, TaskOptions(backend="fake"), settings)
    sent = fake.requests[1].messages
    assert fake.count_tokens(sent) <= fake.window - 200


def test_plan_usage_counts_both_requests(fake, tmp_path):
    fake.push("not json", GOOD_PLAN)
    _, turn = run_plan("Learn Rust", {}, TaskOptions(backend="fake"), Settings())
    first, second = (fake.count_tokens(r.messages) for r in fake.requests)
    assert turn.answer.usage is not None and turn.answer.usage.prompt_tokens == first + second


def test_plan_invalid_twice_is_an_error_stored_as_error(fake, tmp_path):
    fake.push("not json", "still not json")
    plan, turn = run_plan("Learn Rust", {}, TaskOptions(backend="fake"), Settings())
    assert plan is None
    assert isinstance(turn.error, UnusableAnswer) and "even after one repair attempt" in str(turn.error.message)
    assert stored(tmp_path)[-1][:2] == ("assistant", "error")


def test_a_stream_cut_mid_answer_returns_and_stores_what_arrived(fake, tmp_path):
    fake.push(FakeReply("one two three four", error=BackendUnreachable("connection lost"), fail_after=2))
    result = run_turn(TurnRequest(prompt="count", backend="fake", options=GenOptions()), Settings())
    assert result.status == "interrupted" and isinstance(result.error, BackendUnreachable)
    assert result.answer.text == "one two "
    assert stored(tmp_path) == [("user", "complete", "count"), ("assistant", "interrupted", "one two ")]


def test_a_failure_before_any_text_is_stored_as_error(fake, tmp_path):
    fake.push(FakeReply("x", error=BackendUnreachable("refused"), fail_after=0))
    result = run_turn(TurnRequest(prompt="hi", backend="fake", options=GenOptions()), Settings())
    assert result.status == "error"
    assert stored(tmp_path)[-1][:2] == ("assistant", "error")


def test_cost_is_the_backends_price_for_the_usage(fake):
    fake.cost = Price(input=1.0, output=2.0)
    fake.push("a b c")
    result = run_turn(TurnRequest(prompt="hi there", backend="fake", options=GenOptions()), Settings())
    usage = result.answer.usage
    assert result.cost == pytest.approx((usage.prompt_tokens * 1.0 + usage.completion_tokens * 2.0) / 1e6)


def test_a_backend_without_prices_has_unknown_cost(fake):
    result = run_turn(TurnRequest(prompt="hi", backend="fake", options=GenOptions()), Settings())
    assert result.cost is None


def test_a_given_history_is_sent_instead_of_the_store_and_nothing_is_stored(fake, tmp_path):
    history = [Message(role="user", content="earlier"), Message(role="assistant", content="reply")]
    run_turn(TurnRequest(prompt="now", backend="fake", options=GenOptions(), history=history), Settings())
    assert [m.content for m in fake.requests[0].messages] == ["earlier", "reply", "now"]
    assert not (tmp_path / "history.db").exists()


def test_no_stream_uses_the_contracts_complete(fake):
    fake.push("whole answer")
    result = run_turn(TurnRequest(prompt="hi", backend="fake", options=GenOptions(), stream=False), Settings())
    assert result.answer.text == "whole answer"


class OldPlugin:
    """A third-party backend written against the six-member protocol only."""

    name = "oldplugin"
    default_model = "m"

    def stream(self, messages, options):
        from aigc_cli.messages import Chunk

        yield Chunk(text="hi")

    def count_tokens(self, messages, model=None):
        return 7

    def context_window(self, model=None):
        return 100


def test_an_old_plugin_gets_the_contracts_defaults():
    from aigc_cli.backends.base import PluginBackend

    adopted = backends._adopt_plugin("oldplugin", OldPlugin())
    assert isinstance(adopted, Backend) and isinstance(adopted, PluginBackend)
    assert adopted.price() is None and adopted.token_upper_bound([]) is None
    assert adopted.complete([], GenOptions()).text == "hi"
    assert [m.name for m in adopted.list_models()] == ["m"]
