"""A tool turn's later requests fit the window: results are cut in the request,
the largest first, and kept whole in the store. In-process: FakeBackend with a
small window, the real `read` tool, real SQLite."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from aigc_cli import backends
from aigc_cli.backends.fake import FakeBackend, FakeReply
from aigc_cli.config import Settings
from aigc_cli.messages import GenOptions, ToolCall
from aigc_cli.session.request import TurnRequest
from aigc_cli.session.turn import run_turn


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AIGC_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(" ".join(f"{name[0]}{i}" for i in range(1500)), encoding="utf-8")
    return tmp_path


def read(path: str, n: int) -> ToolCall:
    return ToolCall(id=f"call{n}", name="read", arguments=json.dumps({"path": path}))


def test_results_that_outgrow_the_window_are_cut_in_the_request_and_kept_whole(notes: Path) -> None:
    fake = FakeBackend(window=2000, tools=True)
    fake.push(FakeReply(text="", tool_calls=[read("a.txt", 1)]), FakeReply(text="", tool_calls=[read("b.txt", 2)]),
              "Both files list words.")  # fmt: skip
    with backends.provide(fake):
        req = TurnRequest(prompt="what is in a.txt and b.txt?", backend="fake", tools=["read"],
                          options=GenOptions(max_tokens=100))  # fmt: skip
        result = run_turn(req, Settings())
    assert result.answer.text == "Both files list words."
    assert "tool results cut to fit the context window" in result.notices
    specs = fake.count_tokens([]) + len(json.dumps(fake.requests[0].options.tools).split())
    for sent in fake.requests[1:]:
        assert fake.count_tokens(sent.messages) + 100 + specs <= 2000
    last = [m.content for m in fake.requests[2].messages if m.role == "tool"]
    assert len(last) == 2 and any("cut to fit the context window" in c for c in last)
    assert last[0].startswith("a0 a1") and last[1].rstrip().endswith("b1498 b1499")  # head and tail kept
    db = sqlite3.connect(next((notes / "home").rglob("*.db")))
    try:
        stored = [r[0] for r in db.execute("SELECT result FROM tool_calls ORDER BY seq")]
    finally:
        db.close()
    assert [len(r.split()) for r in stored] == [1500, 1500]


def test_results_that_fit_are_sent_whole(notes: Path) -> None:
    fake = FakeBackend(window=8000, tools=True)
    fake.push(FakeReply(text="", tool_calls=[read("a.txt", 1)]), "It lists words.")
    with backends.provide(fake):
        req = TurnRequest(
            prompt="what is in a.txt?", backend="fake", tools=["read"], options=GenOptions(max_tokens=100)
        )
        result = run_turn(req, Settings())
    assert "tool results cut to fit the context window" not in result.notices
    (sent,) = [m.content for m in fake.requests[1].messages if m.role == "tool"]
    assert len(sent.split()) == 1500 and "cut to fit" not in sent
