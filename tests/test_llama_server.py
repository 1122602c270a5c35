"""The openai backend against llama.cpp's own OpenAI-compatible server.

The server (``python -m llama_cpp.server``) runs the bundled Gemma 3 270M on
127.0.0.1, started once for the module. Gemma 270M is a base model: with the
"gemma" chat format it produces junk, so the server uses the completion-style
"snoozy" format ("### Prompt: / ### Response:", stopping at "###"), which
this model follows. Wording is not pinned, only that a real answer arrives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Aigc, aigc_at
from tests.fixtures.llama_server import API_KEY, MODEL_ALIAS, LlamaServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llama_server(gguf_model: Path) -> Iterator[LlamaServer]:
    server = LlamaServer(gguf_model, chat_format="snoozy", n_ctx=1024, threads=1)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
def aigc_llama(home: Path, llama_server: LlamaServer) -> Aigc:
    """`aigc` whose openai backend points at the llama.cpp server."""
    return aigc_at(home, llama_server.url, API_KEY)


def ask(aigc: Aigc, *args: str):
    return aigc("ask", "-m", MODEL_ALIAS, "--temperature", "0", "--max-tokens", "32", *args, timeout=120)


def test_answer_streams_from_llama_server_with_exit_0(aigc_llama):
    r = ask(aigc_llama, "What is the capital of France?")
    assert r.code == 0, r.err
    assert r.out.strip()
    assert "\x1b" not in r.out
    assert r.err == ""


def test_json_reports_the_servers_usage_and_finish_reason(aigc_llama):
    r = ask(aigc_llama, "--json", "What is 2+2?")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["backend"] == "openai"
    assert data["answer"].strip()
    assert data["usage"]["prompt_tokens"] > 0 and data["usage"]["completion_tokens"] > 0
    assert data["finish_reason"] in {"stop", "length"}


def test_a_wrong_api_key_is_refused_with_exit_3(aigc_llama):
    r = aigc_llama("ask", "-m", MODEL_ALIAS, "hi", OPENAI_API_KEY="sk-wrong")
    assert r.code == 3
    assert "key" in r.err.lower()
