"""Per-turn cost: usage (as the API reports it) times the model table's prices."""

from __future__ import annotations

import json
import sqlite3

import pytest

from aigc_cli import modeltable
from tests.fixtures.openai_server import Reply

USAGE = {"prompt_tokens": 12_000, "completion_tokens": 3_000, "total_tokens": 15_000}


def expected(model: str, input_price: float | None = None, output_price: float | None = None) -> float:
    entry = modeltable.BUILTIN[model]
    inp = entry.input_price if input_price is None else input_price
    out = entry.output_price if output_price is None else output_price
    return (USAGE["prompt_tokens"] * inp + USAGE["completion_tokens"] * out) / 1_000_000


def stored_cost(home) -> float | None:
    with sqlite3.connect(home / "history.db") as db:
        return db.execute("SELECT cost FROM messages WHERE role = 'assistant' ORDER BY id DESC").fetchone()[0]


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4o-mini", "o3"])
def test_json_cost_matches_the_table(aigc_api, fake, model):
    fake.push(Reply(text="ok", usage=USAGE))
    r = aigc_api("ask", "--json", "-m", model, "hi")
    assert r.code == 0, r.err
    assert json.loads(r.out)["cost"] == pytest.approx(expected(model))


def test_cost_is_recorded_with_the_turn(aigc_api, fake):
    fake.push(Reply(text="ok", usage=USAGE))
    aigc_api("ask", "-m", "gpt-4o", "hi")
    assert stored_cost(aigc_api.home) == pytest.approx(expected("gpt-4o"))


def test_snapshot_name_reported_by_the_server_is_priced_by_its_family(aigc_api, fake):
    fake.push(Reply(text="ok", usage=USAGE, model="gpt-4o-2024-08-06"))
    data = json.loads(aigc_api("ask", "--json", "-m", "gpt-4o", "hi").out)
    assert data["model"] == "gpt-4o-2024-08-06"
    assert data["cost"] == pytest.approx(expected("gpt-4o"))


def test_config_prices_override_the_table(aigc_api, fake):
    (aigc_api.home / "config.toml").write_text('[models."gpt-4o"]\ninput_price = 1.0\noutput_price = 2.0\n')
    fake.push(Reply(text="ok", usage=USAGE))
    data = json.loads(aigc_api("ask", "--json", "-m", "gpt-4o", "hi").out)
    assert data["cost"] == pytest.approx(expected("gpt-4o", 1.0, 2.0))


def test_model_without_prices_has_no_cost(aigc_api, fake):
    fake.push(Reply(text="ok", usage=USAGE))
    data = json.loads(aigc_api("ask", "--json", "-m", "fake-model", "hi").out)
    assert data["cost"] is None
    assert data["usage"] == {"prompt_tokens": 12_000, "completion_tokens": 3_000}


def test_history_show_reports_each_turns_usage_and_cost(aigc_api, fake):
    fake.push(Reply(text="ok", usage=USAGE))
    cid = json.loads(aigc_api("ask", "--json", "-m", "gpt-4o", "hi").out)["conversation_id"]
    r = aigc_api("history", "show", "--json", cid)
    assert r.code == 0, r.err
    answer = json.loads(r.out)["messages"][-1]
    assert (answer["prompt_tokens"], answer["completion_tokens"]) == (12_000, 3_000)
    assert answer["cost"] == pytest.approx(expected("gpt-4o"))
