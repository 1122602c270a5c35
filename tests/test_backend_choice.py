"""Which backend answers: flag > config file > an OpenAI key present ->
openai > local. The local side is made unavailable where it matters by a
`llama_cpp` that fails to import (PYTHONPATH), so these stay fast and show
what a user without the `local` extra gets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PLUGINS = Path(__file__).parent / "fixtures" / "plugins"


@pytest.fixture
def no_llama(tmp_path: Path) -> dict[str, str]:
    """PYTHONPATH with an echo plugin and a llama_cpp whose import fails."""
    pkg = tmp_path / "shadow" / "llama_cpp"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('raise ImportError("No module named llama_cpp (hidden by the test)")\n')
    paths = [str(tmp_path / "shadow"), str(PLUGINS / "echo")]
    old = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": os.pathsep.join(paths + ([old] if old else []))}


def test_an_api_key_in_the_environment_chooses_openai(aigc_api, fake, no_llama):
    r = aigc_api("ask", "hi", **no_llama)
    assert r.code == 0, r.err
    assert len(fake.chat_requests) == 1


def test_a_stored_api_key_chooses_openai(aigc, fake, no_llama):
    from tests.fixtures.openai_server import API_KEY

    aigc("config", "set", "openai.api_key", API_KEY)
    r = aigc("ask", "hi", OPENAI_BASE_URL=fake.url, **no_llama)
    assert r.code == 0, r.err
    assert len(fake.chat_requests) == 1


def test_config_file_beats_an_api_key(aigc_api, fake, home, no_llama):
    (home / "config.toml").write_text('backend = "echo"\n')
    r = aigc_api("ask", "hi", **no_llama)
    assert r.out == "echo[echo-1]: hi\n"
    assert fake.chat_requests == []


def test_flag_beats_the_config_file(aigc_api, fake, home, no_llama):
    (home / "config.toml").write_text('backend = "echo"\n')
    r = aigc_api("ask", "-b", "openai", "hi", **no_llama)
    assert r.code == 0, r.err
    assert len(fake.chat_requests) == 1


def test_aigc_backend_variable_chooses_like_the_config_file(aigc_api, fake, no_llama):
    r = aigc_api("ask", "hi", AIGC_BACKEND="echo", **no_llama)
    assert r.out == "echo[echo-1]: hi\n"
    assert fake.chat_requests == []


def test_without_key_or_local_extra_ask_explains_both_ways(aigc, no_llama):
    r = aigc("ask", "hi", **no_llama)
    assert r.code == 3
    assert "llama-cpp-python" in r.err
    assert "pip install 'aigc-cli[local]'" in r.err
    assert "OPENAI_API_KEY" in r.err
    assert "Traceback" not in r.err


def test_unknown_backend_flag_is_a_usage_error(aigc):
    r = aigc("ask", "-b", "gpt5-magic", "hi")
    assert r.code == 2
    assert "unknown backend 'gpt5-magic'" in r.err


def test_unknown_backend_in_config_is_a_configuration_error(aigc, home):
    (home / "config.toml").write_text('backend = "gpt5-magic"\n')
    r = aigc("ask", "hi")
    assert r.code == 3
    assert "unknown backend 'gpt5-magic'" in r.err
    assert str(home / "config.toml") in r.err
