"""How the core frames a task for a base model (``Backend.prompt_style ==
"completion"``), in-process with FakeBackend playing a base model and a real
SQLite store. The bundled model itself is exercised in test_base_quality.py;
these pin which text is sent, with which stops, and when the chat framing stays."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from aigc_cli import backends
from aigc_cli.backends.fake import FakeBackend
from aigc_cli.config import Settings
from aigc_cli.memory import store as memories
from aigc_cli.session.mapreduce import Source
from aigc_cli.session.options import TaskOptions
from aigc_cli.session.plan import run_plan
from aigc_cli.session.summarize import run_summarize
from aigc_cli.session.tasks import run_recipe
from aigc_cli.store.db import Store

EMAIL = {"tone": "friendly", "format": "email"}


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeBackend:
    monkeypatch.setenv("AIGC_HOME", str(tmp_path))
    backend = FakeBackend(style="completion")
    backends.provide(backend)
    return backend


def write(brief: str, **opts) -> None:
    from aigc_cli import recipes

    run_recipe(recipes.get_recipe("write"), EMAIL, brief, TaskOptions(backend="fake", **opts), Settings())


def test_a_base_model_is_sent_the_recipes_text_to_continue_not_its_instructions(base):
    write("thank the team for the launch")
    sent = base.requests[0]
    assert [m.role for m in sent.messages] == ["user"]
    assert sent.messages[0].content == "Here is a friendly email I wrote to thank the team for the launch:\n\n"
    assert sent.options.completion is True
    assert "\nOriginal:" in (sent.options.stop or [])


def test_a_chat_model_gets_the_instructions_and_no_completion_flag(base):
    base.style = "chat"
    write("thank the team for the launch")
    sent = base.requests[0]
    assert sent.options.completion is False
    assert [m.role for m in sent.messages] == ["system", "user"]
    assert "Tone: friendly" in sent.messages[1].content


def test_a_system_prompt_given_with_s_keeps_the_chat_framing(base):
    write("thank the team", system="You write haiku.")
    sent = base.requests[0]
    assert sent.options.completion is False
    assert sent.messages[0].content == "You write haiku."


def test_the_stored_question_is_the_users_prompt_not_the_continuation(base, tmp_path):
    write("thank the team for the launch")
    with Store.open(tmp_path / "history.db") as db:
        conv = db.last()
        assert conv is not None
        question = db.messages(conv.id)[0].content
    assert "thank the team for the launch" in question
    assert "I wrote to" not in question


def test_memories_open_a_base_models_continuation_as_facts(base, tmp_path):
    with Store.open(tmp_path / "history.db", create=True) as db:
        memories.add(db, ["lives in Berlin"])
    write("invite the team to dinner")
    text = base.requests[0].messages[0].content
    assert text.startswith("About the reader:\n- lives in Berlin\n\n")
    assert text.endswith("I wrote to invite the team to dinner:\n\n")


def test_a_base_models_plan_is_parsed_from_numbered_steps(base):
    base.push("Install the toolchain (1 day)\nStep 2: Read the book (1 week)\nStep 3: Build a CLI")
    plan, turn = run_plan("Learn Rust in 4 weeks", {}, TaskOptions(backend="fake"), Settings())
    assert turn.error is None and plan is not None
    assert [s.title for s in plan.steps] == ["Install the toolchain", "Read the book", "Build a CLI"]
    assert [s.estimate for s in plan.steps] == ["1 day", "1 week", ""]
    sent = base.requests[0]
    assert sent.messages[0].content.endswith("Step 1:")
    assert sent.options.json_schema is None and "\nStep 6:" in (sent.options.stop or [])


def test_a_base_model_plan_with_no_usable_step_is_an_error(base):
    base.push("Learn Rust in 4 weeks")
    plan, turn = run_plan("Learn Rust in 4 weeks", {}, TaskOptions(backend="fake"), Settings())
    assert plan is None and turn.error is not None
    assert "usable plan" in turn.error.message


def test_a_base_models_summary_parts_are_framed_as_tldr_and_merged_as_lines(base):
    base.window = 1200  # parts of at most ~1,000 words
    text = "\n\n".join(f"Paragraph {i} " + "word " * 150 for i in range(20))
    base.push(*[f"part {i} summary" for i in range(1, 10)], "final summary")
    run_summarize([Source("doc", io.BytesIO(text.encode()))], {}, TaskOptions(backend="fake"), Settings(), jobs=1)
    parts, final = base.requests[:-1], base.requests[-1]
    assert len(parts) >= 2
    assert all(r.messages[0].content.endswith("摘要 (TL;DR):") and r.options.completion for r in parts)
    assert final.messages[0].content.startswith("part 1 summary\npart 2 summary")
    assert final.options.stop == ["\n\n"]


@pytest.mark.parametrize(
    ("text", "ending"),
    [
        ("会议改到周五下午三点。", "中文: 会议改到周五下午三点。\nEnglish:"),
        ("The meeting is moved to Friday.", "English: The meeting is moved to Friday.\n中文:"),
    ],
)
def test_a_base_models_translation_page_names_both_languages(base, text, ending):
    """With a bare "Translation:" label the bundled model copied English input."""
    from aigc_cli import recipes

    run_recipe(recipes.get_recipe("translate"), {}, text, TaskOptions(backend="fake"), Settings())
    assert base.requests[0].messages[0].content.endswith(ending)
