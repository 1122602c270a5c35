"""Quality guards on the real bundled base model (Gemma 3 270M, issue #12):
answers are framed as text to continue, so they neither echo the recipe nor
loop; a local plan is a real plan. The model's wording is not pinned: the
checks (tests/fixtures/quality.py) look for the recipe's own text, the
prompt repeated at the start, repeated lines and loops."""

from __future__ import annotations

import json

import pytest

from aigc_cli.plan import Plan
from tests.fixtures.quality import CASES, ZH_NOTE, echoes, instruction_segments, loops

pytestmark = pytest.mark.slow


@pytest.fixture
def local(aigc, gguf_model):
    """`aigc` on the bundled model, greedy, one thread (the machine is shared)."""
    (aigc.home / "config.toml").write_text("[local]\nn_threads = 1\n")

    def run(*args: str, input: str | None = None, timeout: float = 300):
        return aigc(*args, "--model-path", str(gguf_model), "-t", "0", input=input, timeout=timeout)

    return run


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_fixed_prompt_answer_neither_echoes_nor_loops(local, case):
    r = local(*case.args, "--json", input=case.stdin)
    assert r.code == 0, r.err
    answer = json.loads(r.out)["answer"]
    assert answer.strip()
    assert echoes(answer, case.recipe, case.stdin or case.args[-1]) is None
    assert loops(answer) is None


def test_local_plan_has_three_distinct_steps_that_are_not_the_goal(local):
    goal = "Learn Rust in 4 weeks"
    r = local("plan", "--json", goal)
    assert r.code == 0, r.err
    plan = Plan.model_validate(json.loads(r.out))
    titles = [s.title.strip().lower() for s in plan.steps]
    assert len(set(titles)) == len(titles) >= 3
    assert goal.lower() not in titles


def test_local_write_does_not_contain_the_recipe_instructions(local):
    r = local("write", "--tone", "friendly", "--format", "email", "thank the team for the launch")
    assert r.code == 0, r.err
    assert r.out.strip()
    assert not [s for s in instruction_segments("write") if s in r.out]


def test_local_summarize_does_not_contain_the_recipe_instructions(local):
    r = local("summarize", "--length", "short", input=ZH_NOTE * 3)
    assert r.code == 0, r.err
    assert r.out.strip()
    assert not [s for s in instruction_segments("summarize") if s in r.out]


def test_a_looping_continuation_ends_on_repetition(gguf_model, tmp_path, monkeypatch):
    """A prompt this model answers with an endless list ends early, with no repeated line."""
    from aigc_cli.backends.local import LocalBackend
    from aigc_cli.backends.repetition import FINISH
    from aigc_cli.config import load_settings
    from aigc_cli.messages import GenOptions, Message

    monkeypatch.setenv("AIGC_HOME", str(tmp_path))
    settings = load_settings()
    settings.local.model_path = str(gguf_model)
    settings.local.n_threads = 1
    be = LocalBackend(settings)
    opts = GenOptions(temperature=0.0, max_tokens=200, completion=True)
    chunks = list(be.stream([Message(role="user", content="Question: 中国的首都是哪里？\nAnswer:")], opts))
    text = "".join(c.text for c in chunks)
    assert chunks[-1].finish_reason == FINISH
    assert loops(text) is None
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens < 200
