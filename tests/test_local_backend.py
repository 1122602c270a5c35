"""The local backend on the real bundled model (Gemma 3 270M, a base model).

The model is loaded once for the module. A 270M base model's wording is not
something to pin, so the tests assert properties at temperature 0: text
arrives, the turn ends where the next "User:" line would start, limits are
kept, JSON parses against its schema, errors carry their exit codes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from aigc_cli.backends import gguf
from aigc_cli.backends.local import LocalBackend
from aigc_cli.backends.transcript import build_prompt
from aigc_cli.config import Settings
from aigc_cli.errors import ConfigError, InputTooLarge
from aigc_cli.messages import Answer, Chunk, GenOptions, Message

pytestmark = pytest.mark.slow

N_CTX = 1024
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def data_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An AIGC_HOME for the in-process backend (its prompt-state cache lives there)."""
    home = tmp_path_factory.mktemp("local-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIGC_HOME", str(home))
        yield home


def make_backend(model: Path, **local: object) -> LocalBackend:
    settings = Settings()
    settings.local.model_path = str(model)
    settings.local.n_ctx = N_CTX
    settings.local.state_cache_mb = 0
    settings.local.n_threads = 1  # as base_env: the workers share two cores
    for key, value in local.items():
        setattr(settings.local, key, value)
    return LocalBackend(settings)


@pytest.fixture(scope="module")
def backend(gguf_model: Path, data_home: Path) -> LocalBackend:
    be = make_backend(gguf_model)
    be.llm()  # load once, here, for the whole module
    return be


def ask(be: LocalBackend, text: str, **opts: object) -> tuple[list[Chunk], Answer]:
    options = GenOptions(temperature=0, max_tokens=opts.pop("max_tokens", 48), **opts)
    chunks = list(be.stream([Message(role="user", content=text)], options))
    answer = Answer(backend=be.name, model=be.default_model)
    for chunk in chunks:
        answer.add(chunk)
    return chunks, answer


def test_streams_a_non_empty_answer_in_several_chunks(backend):
    chunks, answer = ask(backend, "What is the capital of France?")
    assert answer.text.strip()
    assert sum(1 for c in chunks if c.text) > 1


def test_answer_has_no_leading_or_trailing_whitespace(backend):
    _, answer = ask(backend, "What is the capital of France?")
    assert answer.text == answer.text.strip()


def test_answer_stops_at_the_next_user_turn(backend):
    _, answer = ask(backend, "Name a large animal.", max_tokens=64)
    assert answer.finish_reason == "stop"
    assert "User:" not in answer.text
    assert answer.usage is not None and answer.usage.completion_tokens < 64


def test_max_tokens_cuts_the_answer_and_reports_length(backend):
    _, answer = ask(backend, "Write a long story about a dragon and a knight.", max_tokens=5)
    assert answer.finish_reason == "length"
    assert answer.usage is not None and answer.usage.completion_tokens == 5
    assert len(backend.llm().tokenize(answer.text.encode(), add_bos=False)) <= 6


def test_an_answer_cut_by_max_tokens_ends_without_a_partial_user_turn(backend):
    _, answer = ask(backend, "hi", max_tokens=4)  # "Hi." then the start of "\nUser:"
    assert answer.finish_reason == "length"
    assert answer.text.strip() and "User" not in answer.text


def test_last_chunk_carries_usage_finish_reason_and_model(backend):
    chunks, _ = ask(backend, "What is 2+2?")
    last = chunks[-1]
    assert last.finish_reason in {"stop", "length"}
    assert last.usage is not None and last.usage.prompt_tokens > 0 and last.usage.completion_tokens > 0
    assert last.model == backend.default_model
    assert all(c.usage is None for c in chunks[:-1])


def test_chinese_question_gets_a_chinese_answer(backend):
    _, answer = ask(backend, "法国的首都是哪里？")
    assert CJK.search(answer.text)
    assert "User:" not in answer.text


def test_count_tokens_uses_the_model_tokenizer(backend):
    messages = [Message(role="user", content="法国的首都是哪里？ What is the capital of France?")]
    expected = backend.llm().tokenize(build_prompt(messages).encode(), add_bos=True, special=False)
    assert backend.count_tokens(messages) == len(expected)


def test_count_tokens_matches_the_prompt_usage_of_a_request(backend):
    messages = [Message(role="system", content="Be brief."), Message(role="user", content="Hi there")]
    chunks = list(backend.stream(messages, GenOptions(temperature=0, max_tokens=4)))
    assert chunks[-1].usage is not None
    assert backend.count_tokens(messages) == chunks[-1].usage.prompt_tokens


def test_context_window_is_the_n_ctx_in_use(backend):
    assert backend.context_window() == N_CTX == backend.llm().n_ctx()


class City(BaseModel):
    city: str = Field(max_length=40)
    country: str = Field(max_length=40)
    landmarks: list[str] = Field(min_length=1, max_length=3)


def test_json_schema_output_parses_and_validates(backend):
    schema = City.model_json_schema()
    _, answer = ask(backend, "Describe Paris as JSON.", json_schema=schema, max_tokens=200)
    assert answer.finish_reason == "stop"
    city = City.model_validate_json(answer.text)
    assert city.landmarks


def test_prompt_longer_than_the_window_is_input_too_large(backend):
    text = "word " * (N_CTX * 2)
    with pytest.raises(InputTooLarge) as info:
        list(backend.stream([Message(role="user", content=text)], GenOptions(max_tokens=8)))
    assert info.value.exit_code == 6
    assert str(N_CTX) in info.value.message


def test_missing_model_file_is_a_config_error_naming_it(tmp_path, data_home):
    be = make_backend(tmp_path / "absent.gguf")
    with pytest.raises(ConfigError, match="absent.gguf") as info:
        list(be.stream([Message(role="user", content="hi")], GenOptions()))
    assert info.value.exit_code == 3


def test_default_threads_is_at_least_one_and_at_most_the_usable_cpus():
    assert 1 <= gguf.default_threads() <= len(os.sched_getaffinity(0))


def test_bundled_model_is_assembled_once_and_reused(data_home):
    first = gguf.bundled_model()
    stamp = first.stat().st_mtime_ns
    second = gguf.bundled_model()
    assert second == first and second.stat().st_mtime_ns == stamp
    assert first.read_bytes()[:4] == b"GGUF"


# ------------------------------------------------------ chat-template models


@pytest.fixture(scope="module")
def chat_backend(gguf_model: Path, tmp_path_factory: pytest.TempPathFactory, data_home: Path) -> LocalBackend:
    """The bundled model with a Gemma chat template added to its metadata."""
    from tests.fixtures.gguf_edit import GEMMA_TEMPLATE, add_string_metadata

    dst = tmp_path_factory.mktemp("chat") / "gemma-chat.gguf"
    add_string_metadata(gguf_model, dst, "tokenizer.chat_template", GEMMA_TEMPLATE)
    return make_backend(dst, n_ctx=512)


def test_a_gguf_chat_template_shapes_the_prompt(chat_backend):
    from aigc_cli.backends.local_prompt import render_prompt as _render

    llm = chat_backend.llm()
    messages = [Message(role="system", content="Be brief."), Message(role="user", content="Capital of France?")]
    tokens = _render(llm, messages).tokens
    assert llm.detokenize(tokens, special=True).decode() == (
        "<bos><start_of_turn>system\nBe brief.<end_of_turn>\n"
        "<start_of_turn>user\nCapital of France?<end_of_turn>\n<start_of_turn>model\n"
    )
    assert tokens.count(llm.token_bos()) == 1
    assert chat_backend.count_tokens(messages) == len(tokens)


def test_a_chat_template_model_streams_with_usage(chat_backend):
    chunks = list(chat_backend.stream([Message(role="user", content="Hi")], GenOptions(temperature=0, max_tokens=8)))
    assert "".join(c.text for c in chunks)
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


# ------------------------------------------------------ saved prompt state


def answer_of(be: LocalBackend, messages: list[Message]) -> str:
    return "".join(c.text for c in be.stream(messages, GenOptions(temperature=0, max_tokens=24)))


def test_continuing_from_a_saved_prompt_state_gives_the_cold_answer(backend, gguf_model, data_home):
    cached = make_backend(gguf_model, state_cache_mb=64)
    llm = backend.llm()
    assert cached.llm() is llm  # one model per process: reset() stands for a new process
    notes = "\n".join(f"Note {i}: the meeting about topic {i} moved to room {i * 7 % 31}." for i in range(40))
    turn1 = [Message(role="user", content=f"{notes}\n\nWhich room is the meeting about topic 3 in?")]
    llm.reset()
    first = answer_of(cached, turn1)  # cold, then saves the state
    states = sorted((data_home / "models" / "state").glob("*.state"))
    assert states
    for state in states:
        os.utime(state, (1, 1))  # so a load (which touches the file) shows
    turn2 = [*turn1, Message(role="assistant", content=first), Message(role="user", content="And topic 5?")]
    llm.reset()
    cold = answer_of(backend, turn2)
    llm.reset()
    warm = answer_of(cached, turn2)
    assert any(state.stat().st_mtime > 1 for state in states), "the saved state was not used"
    assert warm == cold


def test_a_second_turn_in_the_same_process_gives_the_cold_answer(backend):
    llm = backend.llm()
    turn1 = [Message(role="user", content="Name three colours. " * 20)]
    first = answer_of(backend, turn1)
    turn2 = [*turn1, Message(role="assistant", content=first), Message(role="user", content="And three animals?")]
    warm = answer_of(backend, turn2)  # reuses the evaluated prefix in memory
    llm.reset()
    assert answer_of(backend, turn2) == warm


# ---------------------------------------------------------------- the CLI


def test_cli_missing_model_path_exits_3_naming_the_file(aigc):
    r = aigc("ask", "-b", "local", "--model-path", "/nope.gguf", "hi")
    assert r.code == 3
    assert "/nope.gguf" in r.err
    assert r.out == ""


def test_cli_garbage_model_file_exits_3(aigc, tmp_path):
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"this is not a model" * 100)
    r = aigc("ask", "-b", "local", "--model-path", str(junk), "hi")
    assert r.code == 3
    assert "junk.gguf" in r.err


def test_cli_continuation_from_the_saved_state_matches_a_cold_one(tmp_path, gguf_model):
    from tests.conftest import Aigc, base_env

    homes = {name: tmp_path / name for name in ("warm", "cold")}
    for name, home in homes.items():
        home.mkdir()
        off = "state_cache_mb = 0\n" if name == "cold" else ""
        (home / "config.toml").write_text(f'backend = "local"\n[local]\nmodel_path = "{gguf_model}"\n{off}')
    doc = "\n".join(f"Entry {i}: item {i * 13 % 97} left warehouse {i % 7}." for i in range(40))
    answers = {}
    for name, home in homes.items():
        run = Aigc(home, base_env(home))
        first = run(
            "ask", "-t", "0", "--max-tokens", "16", "Which warehouse did item 13 leave?", input=doc, timeout=180
        )
        assert first.code == 0, first.err
        if name == "warm":
            states = list((home / "models" / "state").glob("*.state"))
            assert states
            for state in states:
                os.utime(state, (1, 1))
        again = run("ask", "-c", "--no-log", "-t", "0", "--max-tokens", "16", "And item 26?", timeout=180)
        assert again.code == 0, again.err
        answers[name] = again.out
    assert any(state.stat().st_mtime > 1 for state in states), "the saved state was not loaded"
    assert answers["warm"] == answers["cold"] and answers["warm"].strip()


def test_cli_answers_from_a_fresh_home_with_plain_text_and_no_llama_noise(aigc):
    r = aigc("ask", "-b", "local", "--max-tokens", "32", "--temperature", "0",
             "What is the capital of France?", timeout=180)  # fmt: skip
    assert r.code == 0, r.err
    assert r.out.strip() and r.out.endswith("\n")
    assert "\x1b" not in r.out
    assert "User:" not in r.out
    # only aigc's own lines (the first set-up and the once-only demo-model note), no llama.cpp noise
    assert all(line.startswith("aigc: ") for line in r.err.splitlines()), r.err
    assert (aigc.home / "models" / "gemma-3-270m-q4_k_m.gguf").exists()
