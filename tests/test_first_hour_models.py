"""Issue #26 items 3-6: which model a fresh install uses, and what `models list`
and `doctor` say about it, through the installed command.

Models "found in place" are GGUF files in a Hugging Face cache the test
builds (HF_HUB_CACHE); for choosing and listing, a GGUF header with or
without ``tokenizer.chat_template`` is enough (sparse files give the size).
The slow tests answer with the bundled model itself (and a copy of it given
a chat template by tests/fixtures/gguf_edit.py).
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest

from tests.fixtures.openai_server import Fault, Reply

TEMPLATE = "{% for m in messages %}<start_of_turn>{{ m['content'] }}<end_of_turn>{% endfor %}"


def _s(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def tiny_gguf(path: Path, template: str | None, size: int) -> Path:
    """A GGUF header (no tensors): enough to be found, sized and read for its template."""
    kv = [("general.architecture", "llama"), ("tokenizer.ggml.tokens", None)]
    if template:
        kv.append(("tokenizer.chat_template", template))
    body = b""
    for key, value in kv:
        if value is None:  # an array of strings, as real tokenizers have before the template
            body += _s(key) + struct.pack("<IIQ", 9, 8, 3) + b"".join(_s(t) for t in ("<s>", "a", "b"))
        else:
            body += _s(key) + struct.pack("<I", 8) + _s(value)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, len(kv)) + body)
    os.truncate(path, size)
    return path


def hf_cache(tmp_path: Path, files: dict[str, tuple[str | None, int]]) -> Path:
    root = tmp_path / "hf-hub"
    snap = root / "models--someone--models" / "snapshots" / "0123456789abcdef"
    for name, (template, size) in files.items():
        tiny_gguf(snap / name, template, size)
    return root


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"HF_HUB_CACHE": str(tmp_path / "hf-hub"), "OLLAMA_MODELS": str(tmp_path / "no-ollama")}


def _marked(out: str) -> list[str]:
    return [line.split()[1] for line in out.splitlines() if line.startswith("* ") and " · " not in line]


# ------------------------------------------------------------ models list (5) and the found default (4)


def test_models_list_without_a_key_marks_one_local_default_the_bundled_model(aigc, env):
    r = aigc("models", "list", **env)
    assert r.code == 0, r.err
    assert _marked(r.out) == ["gemma-3-270m"]
    assert "local.n_ctx" not in r.out
    assert "no local GGUF models found" not in r.out
    local = r.out.split("local GGUF models", 1)[1]
    assert "gemma-3-270m" in local and "bundled with aigc" in local


def test_models_list_with_a_key_marks_one_default_per_backend(aigc_api, env):
    r = aigc_api("models", "list", **env)
    assert sorted(_marked(r.out)) == ["gemma-3-270m", "gpt-4o-mini"]


def test_the_best_found_instruct_model_is_the_local_default(aigc, tmp_path, env):
    hf_cache(
        tmp_path,
        {
            "huge-base.gguf": (None, 9_000_000),  # no chat template: a base model never wins
            "small-instruct.gguf": (TEMPLATE, 2_000_000),
            "big-instruct.gguf": (TEMPLATE, 5_000_000),
        },
    )
    r = aigc("models", "list", **env)
    assert _marked(r.out) == ["big-instruct"], r.out
    r = aigc("doctor", "--offline", **env)
    assert "local model : big-instruct  (found in place" in r.out, r.out
    assert "model       : big-instruct" in r.out


def test_a_configured_local_model_wins_over_what_is_found(aigc, tmp_path, env):
    hf_cache(tmp_path, {"big-instruct.gguf": (TEMPLATE, 5_000_000)})
    assert aigc("config", "set", "local.model", "gemma-3-270m").code == 0
    r = aigc("models", "list", **env)
    assert _marked(r.out) == ["gemma-3-270m"]


def test_only_base_models_found_leaves_the_bundled_default(aigc, tmp_path, env):
    hf_cache(tmp_path, {"huge-base.gguf": (None, 9_000_000)})
    assert _marked(aigc("models", "list", **env).out) == ["gemma-3-270m"]


# ------------------------------------------------------------ doctor (6)


def test_doctor_shows_the_model_ask_sends_and_fails_when_the_server_lacks_it(aigc_api, fake):
    r = aigc_api("doctor", AIGC_MODEL="nosuch-model")
    assert "model       : nosuch-model" in r.out
    assert r.code == 3 and "does not serve the model 'nosuch-model'" in r.err
    assert "live check  : ok" not in r.out
    assert fake.chat_requests == []


def test_doctor_live_check_sends_one_tiny_chat_request(aigc_api, fake):
    fake.push(Reply(text="OK"))
    r = aigc_api("doctor")
    assert r.code == 0, r.err
    assert "live check  : ok" in r.out and "gpt-4o-mini answered 'OK'" in r.out
    [req] = fake.chat_requests
    assert req["json"]["model"] == "gpt-4o-mini"


def test_doctor_fails_when_the_server_refuses_chat_requests(aigc_api, fake):
    fake.push(*[Fault(401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key")] * 4)
    r = aigc_api("doctor")
    assert r.code == 3, (r.out, r.err)
    assert "live check  : ok" not in r.out


def test_doctor_shows_model_table_entries_readably(aigc, env):
    assert aigc("config", "set", "models.mymodel.context_window", "32000").code == 0
    r = aigc("doctor", "--offline", **env)
    assert "ModelSpec(" not in r.out
    assert "mymodel: context_window=32000" in r.out


def test_doctor_tells_the_bundled_model_is_a_small_demo(aigc, env):
    r = aigc("doctor", "--offline", **env)
    assert "tiny demo base model" in r.out and "aigc models pull" in r.out


# ------------------------------------------------------------ answering (3, 4): the real model


def _ask_local(aigc, env, *args):
    return aigc("ask", "-b", "local", "-t", "0", "--max-tokens", "8", *args, "Say hi.", timeout=300, **env)


@pytest.mark.slow
def test_the_bundled_model_says_it_is_set_up_and_welcomes_once(aigc, env):
    first = _ask_local(aigc, env)
    assert first.code == 0, first.err
    assert first.err.count("setting up the bundled model (253 MB)") == 1
    assert first.err.count("tiny demo base model") == 1
    assert first.err.index("setting up") < first.err.index("tiny demo")
    again = _ask_local(aigc, env)
    assert again.code == 0, again.err
    assert "setting up" not in again.err and "tiny demo" not in again.err


@pytest.mark.slow
def test_a_found_instruct_model_answers_and_is_named_once(aigc, tmp_path, env, gguf_model):
    from tests.fixtures.gguf_edit import GEMMA_TEMPLATE, add_string_metadata

    snap = tmp_path / "hf-hub" / "models--google--gemma-3-270m-it-GGUF" / "snapshots" / "0123456789abcdef"
    snap.mkdir(parents=True)
    add_string_metadata(gguf_model, snap / "gemma-3-270m-it-q4_k_m.gguf", "tokenizer.chat_template", GEMMA_TEMPLATE)
    first = _ask_local(aigc, env)
    assert first.code == 0, first.err
    assert first.err.count("using gemma-3-270m-it-q4_k_m (Hugging Face cache)") == 1
    assert "setting up the bundled model" not in first.err and "tiny demo" not in first.err
    again = _ask_local(aigc, env)
    assert again.code == 0 and "using gemma-3-270m-it" not in again.err
    assert not (aigc.home / "models" / "gemma-3-270m-q4_k_m.gguf").exists()  # the bundled one was never needed
    shutil.rmtree(snap.parent.parent)
