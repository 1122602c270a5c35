"""The turn as stages (issue #20 §3): run_turn applies session/stages/'s ordered list.

In-process, FakeBackend and a real store: the order is pinned, and a stage
added to the list is applied to a real turn's request with no other change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aigc_cli import backends
from aigc_cli.backends.fake import FakeBackend
from aigc_cli.config import Settings
from aigc_cli.messages import GenOptions, Message
from aigc_cli.session import stages
from aigc_cli.session.request import TurnRequest
from aigc_cli.session.turn import run_turn

pytestmark = pytest.mark.fast


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AIGC_HOME", str(tmp_path))
    with backends.provide(FakeBackend()) as backend:
        yield backend


def test_the_stages_run_in_the_documented_order():
    assert [name for name, _ in stages.STAGES] == ["memory", "frame", "kb", "attachments", "tools", "fit"]


def test_a_new_stage_is_one_function_and_one_line(fake, monkeypatch):
    def shout(d: stages.Draft) -> None:
        d.messages = [*d.messages[:-1], Message(role="user", content=d.messages[-1].content.upper())]
        d.notices.append("shouted")

    before_fit = len(stages.STAGES) - 1
    monkeypatch.setattr(stages, "STAGES", [*stages.STAGES[:before_fit], ("shout", shout), stages.STAGES[-1]])
    result = run_turn(TurnRequest(prompt="hello there", backend="fake", options=GenOptions()), Settings())
    assert fake.requests[-1].messages[-1].content == "HELLO THERE"
    assert "shouted" in result.notices


def test_every_stage_is_its_own_module_with_one_apply():
    from pathlib import Path as P

    here = P(stages.__file__).parent
    modules = {p.stem for p in here.glob("*.py")} - {"__init__", "draft"}
    assert {fn.__module__.rsplit(".", 1)[-1] for _, fn in stages.STAGES} == modules
    assert all(fn.__name__ == "apply" for _, fn in stages.STAGES)


def test_a_failing_stage_leaves_no_question_in_the_store(fake, monkeypatch):
    from aigc_cli.errors import UsageError
    from aigc_cli.store.db import Store

    def refuse(d: stages.Draft) -> None:
        raise UsageError("this model cannot take that")

    monkeypatch.setattr(stages, "STAGES", [*stages.STAGES, ("refuse", refuse)])
    with pytest.raises(UsageError):
        run_turn(TurnRequest(prompt="hello there", backend="fake", options=GenOptions()), Settings())
    assert fake.requests == []
    store = Store.open(create=True)
    try:
        assert store.last() is None
    finally:
        store.close()
