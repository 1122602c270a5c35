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

from tests.conftest import AIGC, aigc_at, base_env
from tests.fixtures.openai_server import FakeOpenAI, Reply
from tests.fixtures.pty import CTRL_D, ChatPty, ForkedChild
from tests.fixtures.zygote import shared_zygote

pytestmark = pytest.mark.skipif(os.environ.get("AIGC_TEST_REAL_BINARY") == "1", reason="no zygote in this run")

CASES = [
    ([], b""),  # the formatted help: typer reads its look when it is imported
    (["recipes"], b""),
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
    forked = shared_zygote().run([AIGC, *args], env, stdin, 60)
    assert forked == (real.returncode, real.stdout, real.stderr)


def test_the_worker_has_the_runs_environment_and_working_directory(home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "note.txt").write_text("hello world\n", encoding="utf-8")
    code, out, err = shared_zygote().run([AIGC, "tokens", "-m", "gpt-4o", "note.txt"], base_env(home), b"", 60)
    assert code == 0, err
    assert "note.txt" in out.decode()
    code, out, _ = shared_zygote().run([AIGC, "config", "path"], base_env(home), b"", 60)
    assert code == 0 and out.decode().startswith(str(home))


def test_a_hung_run_is_killed_at_its_timeout(home, fake: FakeOpenAI):
    fake.push(Reply(text="late", first_delay=30))
    env = aigc_at(home, fake.url).env
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        shared_zygote().run([AIGC, "ask", "hi"], env, b"", 2)
    assert time.monotonic() - started < 10


def test_a_chat_forked_on_a_pty_draws_what_the_installed_one_draws(tmp_path, fake: FakeOpenAI, monkeypatch):
    screens = {}
    for way in ("installed", "forked"):
        if way == "installed":
            monkeypatch.setenv("AIGC_TEST_REAL_BINARY", "1")  # spawn() then runs the console script
        else:
            monkeypatch.delenv("AIGC_TEST_REAL_BINARY")
        home = tmp_path / way
        home.mkdir()
        fake.push(Reply(text="Hello from the server."))
        chat = ChatPty(AIGC, ["chat"], aigc_at(home, fake.url).env)
        try:
            assert isinstance(chat.child, ForkedChild) == (way == "forked")
            chat.ready()
            chat.say("hi")
            chat.expect("Hello from the server")
            chat.ready()
            chat.settle()
            screens[way] = chat.display()
            chat.send(CTRL_D)
            assert chat.wait_exit() == 0
        finally:
            chat.close()
    assert screens["forked"] == screens["installed"]


def test_ctrl_c_reaches_a_forked_pty_child_as_sigint(home, fake: FakeOpenAI):
    fake.push(Reply(text="late", first_delay=30))
    chat = ChatPty(AIGC, ["ask", "hi"], aigc_at(home, fake.url).env)
    try:
        assert isinstance(chat.child, ForkedChild)
        time.sleep(1.0)
        chat.interrupt()
        assert chat.wait_exit(timeout=20) == 130
    finally:
        chat.close()
