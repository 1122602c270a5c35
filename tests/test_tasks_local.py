"""Every task end to end on the real bundled local model (Gemma 3 270M, a base
model, in-process). Its wording is not something to pin, so these assert what
must hold: the command succeeds, text arrives, structured output parses
against its schema, long input goes through map-reduce."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigc_cli.plan import Plan

pytestmark = pytest.mark.slow

FABRIC = Path(__file__).parent / "fixtures" / "recipes" / "fabric"


@pytest.fixture
def local(aigc, gguf_model):
    """`aigc` on the local backend with the bundled model, greedy, short answers."""

    def run(*args: str, input: str | None = None, timeout: float = 300):
        return aigc(*args, "--model-path", str(gguf_model), "-t", "0", input=input, timeout=timeout)

    return run


def test_write_drafts_from_an_english_brief(local):
    r = local("write", "--max-tokens", "24", "--format", "email", "a note thanking my team for the launch")
    assert r.code == 0, r.err
    assert r.out.strip()


def test_write_rewrites_chinese_stdin(local):
    r = local("write", "--rewrite", "--max-tokens", "24", input="我们很遗憾地通知您，会议取消了。\n")
    assert r.code == 0, r.err
    assert r.out.strip()


def test_summarize_chinese_stdin(local):
    r = local(
        "summarize",
        "--max-tokens",
        "24",
        "--length",
        "short",
        input="会议改到周五。预算是五千元。安娜负责发送幻灯片。\n",
    )
    assert r.code == 0, r.err
    assert r.out.strip()


def test_summarize_input_larger_than_the_window_goes_map_reduce(local, aigc, tmp_path):
    (aigc.home / "config.toml").write_text("[local]\nn_ctx = 768\n")
    doc = tmp_path / "long.txt"
    doc.write_text("\n\n".join(f"Day {i}: the team shipped feature {i} and fixed {i * 3} bugs." for i in range(1, 120)))
    r = local("summarize", "--max-tokens", "16", str(doc))
    assert r.code == 0, r.err
    assert "map-reduce" in r.err
    assert r.out.strip()


def test_plan_json_parses_against_the_plan_schema(local):
    # grammar-constrained sampling on this model is slow (~0.5 s a token on a
    # busy 2-core machine): one step keeps the test to a minute or two
    r = local("plan", "--json", "--steps", "1", "--max-tokens", "400", "learn to swim", timeout=600)
    assert r.code == 0, r.err
    plan = Plan.model_validate(json.loads(r.out))
    assert len(plan.steps) == 1


def test_ask_with_a_file_as_context(local, tmp_path):
    doc = tmp_path / "notes.txt"
    doc.write_text("The release is on May 3.\n")
    r = local("ask", "--max-tokens", "16", "--file", str(doc), "When is the release?")
    assert r.code == 0, r.err
    assert r.out.strip()


def test_imported_fabric_pattern_runs(local, aigc):
    assert aigc("recipes", "import", str(FABRIC / "extract_actions")).code == 0
    r = local("run", "extract_actions", "--max-tokens", "24", input="Ana will send the deck by Friday.\n")
    assert r.code == 0, r.err
    assert r.out.strip()
