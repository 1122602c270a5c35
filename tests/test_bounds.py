"""Issue #25 section 3: every input and output is bounded (the installed command).

Tests that would eat memory on a regression run `aigc` with an address-space
cap (RLIMIT_AS) and a timeout, so a failure is a clean MemoryError or
TimeoutExpired rather than a machine in trouble.
"""

from __future__ import annotations

import json
import resource
import subprocess
import time

import pytest

from tests.conftest import AIGC
from tests.fixtures.openai_trickle import Endless, Trickle

CAP = 2 << 30  # address space for one `aigc`: far more than it needs, far less than the machine has


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def run_capped(aigc, *args: str, stdin=subprocess.DEVNULL, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [AIGC, *args], stdin=stdin, capture_output=True, env=aigc.env, timeout=timeout, preexec_fn=_capped
    )


def err_lines(proc: subprocess.CompletedProcess) -> list[str]:
    return [line for line in proc.stderr.decode("utf-8", "replace").splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("args", "stdin_zero", "code"),
    [
        (["ask", "--file", "/dev/zero", "x"], False, 2),
        (["ask", "x"], True, 2),
        (["write", "--rewrite"], True, 2),
        (["memory", "add"], True, 2),
        (["history", "import", "/dev/zero"], False, 3),
        (["memory", "import", "/dev/zero"], False, 3),
        (["memory", "import", "-"], True, 3),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else str(v),
)
def test_dev_zero_is_refused_at_once_with_one_line(aigc_api, args, stdin_zero, code):
    with open("/dev/zero", "rb") as zero:
        proc = run_capped(aigc_api, *args, stdin=zero if stdin_zero else subprocess.DEVNULL)
    lines = err_lines(proc)
    assert proc.returncode == code, lines
    assert lines[0].startswith("aigc: error:") and "binary data" in lines[0], lines
    assert "unexpected" not in proc.stderr.decode()


def test_yes_piped_into_ask_stops_at_the_input_limit(aigc_api, fake):
    yes = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
    try:
        proc = run_capped(aigc_api, "ask", "x", stdin=yes.stdout)
    finally:
        yes.kill()
        yes.wait()
    lines = err_lines(proc)
    assert proc.returncode == 6, lines
    assert lines[0] == "aigc: error: stdin is larger than 64 MiB (limits.input_bytes)"
    assert fake.chat_requests == []


def test_the_input_limit_is_a_setting(aigc_api, fake, tmp_path):
    assert aigc_api("config", "set", "limits.input_bytes", "4096").code == 0
    big = tmp_path / "big.txt"
    big.write_text("word " * 1000)
    r = aigc_api("ask", "--file", str(big), "summarize")
    assert r.code == 6, r.err
    assert f"{big} is larger than 4 KiB (limits.input_bytes)" in r.err
    small = tmp_path / "small.txt"
    small.write_text("word " * 100)
    assert aigc_api("ask", "--file", str(small), "summarize").code == 0


def test_the_import_limit_is_a_setting(aigc_api, tmp_path):
    assert aigc_api("config", "set", "limits.import_bytes", "2048").code == 0
    path = tmp_path / "memories.json"
    path.write_text(json.dumps({"memories": [f"fact number {i}" for i in range(500)]}))
    r = aigc_api("memory", "import", str(path))
    assert r.code == 6, r.err
    assert "larger than 2 KiB (limits.import_bytes)" in r.err
    r = aigc_api("history", "import", str(path))
    assert r.code == 6, r.err


# ------------------------------------------------------------------ answers


def last_answer(aigc) -> dict:
    convs = json.loads(aigc("history", "list", "--json").out)
    return json.loads(aigc("history", "show", "--json", convs[0]["id"]).out)["messages"][-1]


def test_a_trickling_stream_ends_after_the_token_timeout_with_the_partial_answer_kept(aigc_api, fake):
    assert aigc_api("config", "set", "limits.token_timeout", "5").code == 0
    fake.push(Trickle(text="the start", every=0.2, seconds=90))
    started = time.monotonic()
    r = aigc_api("ask", "hello", timeout=80)
    assert time.monotonic() - started < 60  # the trickle alone would go on for 90 s
    assert r.code == 4, r.err
    assert r.out.startswith("the start")
    assert "no new text from the model for 5 s (limits.token_timeout)" in r.err
    answer = last_answer(aigc_api)
    assert (answer["content"], answer["status"]) == ("the start", "interrupted")


def test_an_endless_answer_is_cut_at_the_answer_limit_and_kept(aigc_api, fake):
    assert aigc_api("config", "set", "limits.answer_bytes", "100000").code == 0
    fake.push(Endless(piece="x" * 4096, total=256 << 20))
    proc = run_capped(aigc_api, "ask", "hello", timeout=60)
    assert proc.returncode == 6, err_lines(proc)
    assert len(proc.stdout) == 100000 or len(proc.stdout.strip()) == 100000
    assert "the answer passed 100,000 bytes (limits.answer_bytes)" in proc.stderr.decode()
    answer = last_answer(aigc_api)
    assert (len(answer["content"]), answer["status"]) == (100000, "interrupted")


# ------------------------------------------------------------------ memories


def test_an_oversized_memory_is_refused_at_entry(aigc):
    r = aigc("memory", "add", "x" * 5000)
    assert r.code == 2, r.err
    assert "5,000 characters; one memory may be at most 2,000 (limits.memory_chars)" in r.err
    assert json.loads(aigc("memory", "list", "--json").out) == []


def test_an_import_with_an_oversized_memory_imports_nothing(aigc, tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"memories": ["short one", "y" * 3000]}))
    r = aigc("memory", "import", str(path))
    assert r.code == 3, r.err
    assert "memory 2 is 3,000 characters" in r.err
    assert json.loads(aigc("memory", "list", "--json").out) == []


def test_the_memory_limit_is_a_setting(aigc):
    assert aigc("config", "set", "limits.memory_chars", "20").code == 0
    assert aigc("memory", "add", "a fact of thirty characters!!").code == 2
    assert aigc("memory", "add", "a short fact").code == 0


# ------------------------------------------------------------------ YAML aliases

BOMB = (
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"{x}: &{x} [{', '.join([f'*{p}'] * 9)}]\n" for p, x in zip("abcdefgh", "bcdefghi"))
    + "prompt: $input\n"
)


def test_a_yaml_alias_bomb_is_refused_before_it_expands(aigc, tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(BOMB)
    assert len(BOMB) < 600
    proc = run_capped(aigc, "recipes", "import", str(path), timeout=60)
    lines = err_lines(proc)
    assert proc.returncode == 3, lines
    assert "aliases expand to more than" in lines[0]
    assert not (aigc.home / "recipes" / "laughs.toml").exists()


def test_a_few_aliases_are_still_fine(aigc, tmp_path):
    path = tmp_path / "terse.yaml"
    path.write_text("system: &s You are terse.\nprompt: 'Summarize $input'\ndefaults: {x: *s, y: *s}\n")
    r = aigc("recipes", "import", str(path))
    assert r.code == 0, r.err


# ------------------------------------------------------------------ imports and signals


def test_ctrl_c_during_a_memory_import_reports_what_was_committed(aigc, tmp_path):
    import os
    import signal

    assert aigc("memory", "add", "seed").code == 0  # the store exists: its WAL grows only with the import
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"memories": [f"fact number {i}" for i in range(100000)]}))
    wal = aigc.home / "history.db-wal"
    proc = subprocess.Popen(
        [AIGC, "memory", "import", str(path)],
        env=aigc.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 256 * 1024:  # rows are being written
            proc.send_signal(signal.SIGINT)
            break
        time.sleep(0.01)
    _, err = proc.communicate(timeout=120)
    stored = len(json.loads(aigc("memory", "list", "--json").out)) - 1
    text = err.decode()
    if stored:
        assert f"imported {stored} memories" in text, text  # committed: the report says so
    else:
        assert "nothing was imported" in text and "imported 1" not in text, text
    assert os.path.exists(path)
