"""The CLI tier's zygote (tests/fixtures/zygote.py) runs a command as the installed one does.

Each case runs once through the installed console script and once forked from the
zygote, and the two must agree byte for byte: exit code, stdout, stderr. If they
ever drift, this is where it shows, not as a puzzling failure elsewhere.
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from tests.conftest import AIGC, _zygote, aigc_at, base_env
from tests.fixtures.openai_server import FakeOpenAI, Reply

pytestmark = pytest.mark.skipif(os.environ.get("AIGC_TEST_REAL_BINARY") == "1", reason="no zygote in this run")

CASES = [
    (["--version"], b""),
    (["ask"], b""),  # no question: a usage error (exit 2)
    (["no-such-command"], b""),
    (["history", "list"], b""),
    (["tokens", "-m", "gpt-4o", "-"], "naïve 你好\n".encode()),
    (["recipes", "show", "summarize"], b""),
    (["ask", "hi"], b"piped context\n"),
]


@pytest.mark.parametrize(("args", "stdin"), CASES, ids=lambda c: " ".join(c) if isinstance(c, list) else None)
def test_a_forked_run_matches_the_installed_command(home, fake: FakeOpenAI, args, stdin):
    env = aigc_at(home, fake.url).env
    fake.push(Reply(text="hello"), Reply(text="hello"))
    real = subprocess.run([AIGC, *args], input=stdin, capture_output=True, env=env, timeout=60)
    forked = _zygote().run([AIGC, *args], env, stdin, 60)
    assert forked == (real.returncode, real.stdout, real.stderr)


def test_the_worker_has_the_runs_environment_and_working_directory(home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "note.txt").write_text("hello world\n", encoding="utf-8")
    code, out, err = _zygote().run([AIGC, "tokens", "-m", "gpt-4o", "note.txt"], base_env(home), b"", 60)
    assert code == 0, err
    assert "note.txt" in out.decode()
    code, out, _ = _zygote().run([AIGC, "config", "path"], base_env(home), b"", 60)
    assert code == 0 and out.decode().startswith(str(home))


def test_a_hung_run_is_killed_at_its_timeout(home, fake: FakeOpenAI):
    fake.push(Reply(text="late", first_delay=30))
    env = aigc_at(home, fake.url).env
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        _zygote().run([AIGC, "ask", "hi"], env, b"", 2)
    assert time.monotonic() - started < 10
