"""The Backend contract answers every question the rest of the code asks (issue #20 §1).

In-process checks of the capability members (defaults, the openai backend's
table-driven answers, the precedence rule with its reason), then the CLI
showing a plugin backend the same truthful `tokens`, `models list` and
`doctor` output as a built-in: a real tiny distribution on PYTHONPATH.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigc_cli import backends
from aigc_cli.backends.base import FREE, Price
from aigc_cli.backends.fake import FakeBackend
from aigc_cli.backends.openai_models import OpenAIModels
from aigc_cli.config import ModelSpec, Settings
from tests.test_plugin_backend import with_plugins


def test_defaults_promise_nothing_a_backend_did_not_declare():
    be = FakeBackend()
    assert not be.supports_tools("fake-1")
    assert not be.supports_vision("fake-1")
    assert not be.supports_json_schema("fake-1")
    assert not be.is_free("fake-1")  # an unknown price is not free
    assert be.window_is_known("fake-1")
    assert be.tokenizer_label() == "the backend's own count"


def test_is_free_follows_the_price():
    assert FakeBackend(cost=FREE).is_free()
    assert not FakeBackend(cost=Price(input=0.0, output=1.0)).is_free()


def test_fake_backend_plays_a_tool_and_vision_model():
    be = FakeBackend(tools=True, vision=True)
    assert be.supports_tools("fake-1") and be.supports_vision("fake-1")


def test_openai_answers_from_the_model_table():
    be = OpenAIModels(Settings())
    assert be.supports_tools("gpt-4o-mini")
    assert be.supports_json_schema("gpt-4o-mini")
    assert be.supports_vision("gpt-4o") and be.supports_vision("gpt-4o-2024-08-06")
    assert not be.supports_vision("gpt-3.5-turbo")
    assert not be.supports_vision("llama3.2")  # unknown: not promised
    assert not be.is_free("gpt-4o")
    assert be.price("llama3.2") is None and not be.is_free("llama3.2")
    assert be.window_is_known("gpt-4o") and not be.window_is_known("llama3.2")
    assert be.tokenizer_label("gpt-4").startswith("cl100k_base")  # tiktoken's, named


def test_config_can_declare_a_served_model_a_vision_model():
    settings = Settings(models={"llava": ModelSpec(vision=True), "gpt-4o": ModelSpec(vision=False)})
    be = OpenAIModels(settings)
    assert be.supports_vision("llava")
    assert not be.supports_vision("gpt-4o")


def test_describe_gives_openai_model_facts_without_a_client():
    be = backends.describe("openai", Settings())
    assert isinstance(be, OpenAIModels)
    assert be.count_text("hello world", "gpt-4") == 2
    assert be.context_window("gpt-4") == 8192


def test_the_precedence_rule_says_why(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert backends.choose_backend(Settings(), "openai") == ("openai", "the -b/--backend flag")
    name, why = backends.choose_backend(Settings(backend="local", sources={"backend": "config.toml"}))
    assert (name, why) == ("local", "`backend` from config.toml")
    assert backends.choose_backend(Settings())[0] == "local"
    keyed = Settings(openai={"api_key": "sk-x"}, sources={"openai.api_key": "secrets.toml"})
    assert backends.choose_backend(keyed) == ("openai", "an OpenAI API key is set (secrets.toml)")


def test_a_bare_model_name_is_counted_by_its_owner():
    assert backends.backend_for_model(Settings(), "tiny.gguf") == "local"
    assert backends.backend_for_model(Settings(), "gemma-3-270m") == "local"
    assert backends.backend_for_model(Settings(), "gpt-4o") == "openai"
    assert backends.backend_for_model(Settings(), "llama3.2") == "openai"  # tiktoken estimates it
    assert backends.backend_for_model(Settings(backend="echo"), "echo-9") is None  # the configured one


# ------------------------------------------------------------------ CLI tier


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    f = tmp_path / "words.txt"
    f.write_text("one two three four five\n")
    return f


def test_tokens_counts_with_the_plugin_backend(aigc, text_file):
    r = aigc("tokens", "-b", "echo", "--json", str(text_file), **with_plugins("echo"))
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert (data["backend"], data["model"]) == ("echo", "echo-1")
    assert data["total"] == 5  # the plugin counts words, not tiktoken tokens
    assert data["context_window"] == 4096 and data["window_known"]
    assert data["input_price"] is None and data["input_cost"] is None
    assert data["tokenizer"] == "the backend's own count"


def test_tokens_uses_the_configured_plugin_and_its_model(aigc, text_file):
    env = with_plugins("echo")
    assert aigc("config", "set", "backend", "echo", **env).code == 0
    r = aigc("tokens", "-m", "echo-9", str(text_file), **env)
    assert r.code == 0, r.err
    assert "echo-9 (the backend's own count) · cost unknown" in r.out
    assert "fits the 4,096-token window" in r.out


def test_models_list_shows_the_plugins_models(aigc):
    env = with_plugins("echo")
    rows = json.loads(aigc("models", "list", "-b", "echo", "--json", **env).out)
    echo = [r for r in rows if r["backend"] == "echo"]
    assert [(r["name"], r["context_window"], r["input_price"]) for r in echo] == [("echo-1", 4096, None)]
    assert aigc("config", "set", "backend", "echo", **env).code == 0
    r = aigc("models", "list", **env)
    assert r.code == 0, r.err
    assert "* echo-1" in r.out


def test_doctor_reports_the_plugin_and_checks_it_live(aigc):
    r = aigc("doctor", "-b", "echo", **with_plugins("echo"))
    assert r.code == 0, r.err
    assert "backend     : echo  (chosen by the -b/--backend flag)" in r.out
    assert "model       : echo-1" in r.out
    assert "live check  : ok" in r.out
