"""`aigc plan` against the loopback OpenAI server: schema sent, output validated,
one repair attempt, a clear error when the answer never becomes a valid plan."""

from __future__ import annotations

import json

from aigc_cli.plan import Plan, json_schema
from tests.fixtures.openai_server import Reply

GOOD = {
    "goal": "Run a 10k race",
    "summary": "Build up running volume over eight weeks.",
    "steps": [
        {"title": "Buy shoes", "detail": "Get fitted at a running shop.", "estimate": "2 hours", "depends_on": []},
        {"title": "Train", "detail": "Run three times a week.", "estimate": "8 weeks", "depends_on": [1]},
    ],
    "risks": ["Injury from doing too much too soon"],
}


def test_plan_json_is_the_validated_plan(aigc_api, fake):
    fake.push(Reply(text=json.dumps(GOOD)))
    r = aigc_api("plan", "--json", "run a 10k race")
    assert r.code == 0, r.err
    assert Plan.model_validate(json.loads(r.out)).model_dump() == GOOD


def test_plan_sends_the_strict_plan_schema_as_response_format(aigc_api, fake):
    fake.push(Reply(text=json.dumps(GOOD)))
    aigc_api("plan", "--steps", "5", "run a 10k race")
    sent = fake.chat_requests[-1]["json"]
    assert sent["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": json_schema(5), "strict": True},
    }
    schema = sent["response_format"]["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["steps"]["maxItems"] == 5
    assert sent["messages"][-1]["content"] == "Goal: run a 10k race\nUse at most 5 steps."


def test_plan_in_a_pipe_is_numbered_plain_text(aigc_api, fake):
    fake.push(Reply(text=json.dumps(GOOD)))
    r = aigc_api("plan", "run a 10k race")
    assert r.out == (
        "Run a 10k race\n\nBuild up running volume over eight weeks.\n\n"
        "1. Buy shoes [2 hours]\n   Get fitted at a running shop.\n"
        "2. Train [8 weeks] (after 1)\n   Run three times a week.\n\n"
        "Risks:\n- Injury from doing too much too soon\n"
    )


def test_invalid_answer_gets_one_repair_attempt_with_the_error(aigc_api, fake):
    fake.push(Reply(text='{"goal": "x", "steps": []'), Reply(text=json.dumps(GOOD)))
    r = aigc_api("plan", "--json", "run a 10k race")
    assert r.code == 0, r.err
    assert json.loads(r.out) == GOOD
    assert len(fake.chat_requests) == 2
    retry = fake.chat_requests[1]["json"]["messages"]
    assert retry[-2] == {"role": "assistant", "content": '{"goal": "x", "steps": []'}
    assert retry[-1]["content"].startswith("Your answer was not a valid plan: not JSON")


def test_plan_still_invalid_after_repair_is_a_clear_error(aigc_api, fake):
    bad = dict(GOOD, steps=[])
    fake.push(Reply(text=json.dumps(bad)), Reply(text=json.dumps(bad)))
    r = aigc_api("plan", "--json", "run a 10k race")
    assert r.code == 7  # the model answered, but not with a plan (#26.16): not "unexpected" (1)
    assert "did not produce a valid plan, even after one repair attempt: steps:" in r.err
    assert r.out == ""
    assert "Traceback" not in r.err


def test_dependencies_on_later_or_missing_steps_are_dropped(aigc_api, fake):
    odd = dict(GOOD, steps=[dict(GOOD["steps"][0], depends_on=[2, 9]), dict(GOOD["steps"][1], depends_on=[1, 2])])
    fake.push(Reply(text=json.dumps(odd)))
    r = aigc_api("plan", "--json", "run")
    assert [s["depends_on"] for s in json.loads(r.out)["steps"]] == [[], [1]]


def test_chinese_goal_is_sent_verbatim(aigc_api, fake):
    fake.push(Reply(text=json.dumps(GOOD)))
    aigc_api("plan", "三个月内学会游泳")
    sent = fake.chat_requests[-1]["json"]["messages"]
    assert sent[-1]["content"] == "Goal: 三个月内学会游泳"
    assert sent[0]["content"].endswith("Write all text in the same language as the goal.")


def test_no_goal_is_a_usage_error(aigc_api, fake):
    r = aigc_api("plan")
    assert r.code == 2
    assert "no goal" in r.err


def test_plan_on_a_terminal_is_a_table(aigc_api, fake):
    import pexpect

    from tests.conftest import AIGC

    fake.push(Reply(text=json.dumps(GOOD)))
    child = pexpect.spawn(
        AIGC, ["plan", "run a 10k race"], env=aigc_api.env, encoding="utf-8", dimensions=(40, 120), timeout=60
    )
    child.expect(pexpect.EOF)
    screen = child.before
    assert "Run a 10k race" in screen
    assert "Buy shoes" in screen and "8 weeks" in screen
    assert "┃" in screen or "│" in screen  # rich drew the steps as a table
    assert "Injury from doing too much too soon" in screen
