"""Issue #25 section 6: bad input is one clear line and its documented exit code, never
"unexpected" (the installed command, real files, a real pty for the chat)."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest

from tests.conftest import AIGC
from tests.fixtures.openai_server import Reply
from tests.fixtures.pty import ChatPty


def run_bytes(aigc, *args: bytes | str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`aigc` with arguments that may not be UTF-8 (as a shell passes $'\\xff')."""
    return subprocess.run([AIGC, *args], capture_output=True, env=aigc.env, stdin=subprocess.DEVNULL, timeout=timeout)


def one_error(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    assert "unexpected" not in err and "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("  hint:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        [b"ask", b"\xff"],
        [b"write", b"caf\xe9 menu"],
        [b"history", b"search", b"\xff\xfe\xfd"],
        [b"memory", b"add", b"\xff"],
    ],
    ids=["ask", "write", "history search", "memory add"],
)
def test_an_argument_that_is_not_utf8_is_a_usage_error(aigc_api, fake, args):
    proc = run_bytes(aigc_api, *args)
    assert proc.returncode == 2
    assert "is not valid UTF-8" in one_error(proc)
    assert fake.chat_requests == []


def test_a_file_name_that_is_not_utf8_is_still_a_file_name(aigc_api, fake, tmp_path):
    name = os.fsencode(tmp_path) + b"/notes\xff.txt"
    with open(name, "wb") as fh:
        fh.write(b"some notes")
    proc = run_bytes(aigc_api, b"ask", b"--file", name, b"summarize")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'[openai]\nmodel = "caf\xe9"\n', "is not valid UTF-8"),
        (b'openai = "x"\n', "should be a table ([openai])"),
        (b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested too deeply"),
        (b"a" + b".a" * 5000 + b" = 1\n", "nested too deeply"),
    ],
    ids=["not utf-8", "section as a string", "arrays 5000 deep", "tables 5000 deep"],
)
def test_a_broken_config_file_is_one_line_and_exit_3(aigc_api, fake, content, says):
    (aigc_api.home / "config.toml").write_bytes(content)
    r = aigc_api("ask", "hi")
    assert r.code == 3, r.err
    assert says in r.err and "config.toml" in r.err
    assert "unexpected" not in r.err
    assert fake.chat_requests == []


def test_a_deeply_nested_memory_import_is_a_bad_file(aigc, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100000 + "]" * 100000)
    r = aigc("memory", "import", str(path))
    assert r.code == 3, r.err
    assert "nested too deeply" in r.err


def test_a_lone_surrogate_in_an_imported_memory_is_a_bad_file(aigc, tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{"memories": ["fine", "broken \\ud800 text"]}')
    r = aigc("memory", "import", str(path))
    assert r.code == 3, r.err
    assert "memory 2 is not valid Unicode" in r.err
    assert json.loads(aigc("memory", "list", "--json").out) == []


def test_a_lone_surrogate_in_an_imported_title_is_a_bad_file(aigc, tmp_path):
    conv = {
        "id": "abc123",
        "title": "bad \\ud800",
        "created": "2026-01-01T00:00:00+00:00",
        "updated": "2026-01-01T00:00:00+00:00",
        "messages": [{"role": "user", "content": "hi", "created": "2026-01-01T00:00:00+00:00", "status": "complete"}],
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"aigc_export": 1, "conversations": [conv]}).replace("\\\\ud800", "\\ud800"))
    r = aigc("history", "import", str(path))
    assert r.code == 3, r.err
    assert "not valid Unicode" in r.err


@pytest.mark.parametrize(
    "flags",
    [["-t", "nan"], ["-t", "NaN"], ["--cid", ""], ["--cid", "  "]],
    ids=["nan", "NaN", "empty cid", "blank cid"],
)
def test_a_bad_option_is_refused_before_anything_is_sent_or_stored(aigc_api, fake, flags):
    r = aigc_api("ask", *flags, "hello")
    assert r.code == 2, r.err
    assert r.err.startswith("aigc: error: Invalid value for")
    assert fake.chat_requests == []
    assert not (aigc_api.home / "history.db").exists() or json.loads(aigc_api("history", "list", "--json").out) == []


# ------------------------------------------------------------------ chat


LONG = " ".join(f"word{i}" for i in range(200))


def test_closing_the_terminal_mid_answer_exits_129(aigc_api, fake):
    fake.push(Reply(text=LONG, chunk_delay=0.1))
    c = ChatPty(AIGC, ["chat"], aigc_api.env)
    try:
        c.ready()
        c.say("Count slowly")
        c.expect("word3 ")
        os.close(c.child.child_fd)  # the terminal goes away: SIGHUP, then every write fails (EIO)
        deadline = time.monotonic() + 30
        while c.child.isalive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not c.child.isalive()
        assert c.child.exitstatus == 129
    finally:
        c.child.closed = True
        if c.child.isalive():
            c.child.kill(9)


# ------------------------------------------------------------------ kb


def test_kb_add_refuses_what_is_not_a_folder_or_a_regular_file(aigc):
    r = aigc("kb", "add", "/dev/zero")
    assert r.code == 2, r.err
    assert "/dev/zero is not a folder or a regular file" in r.err
    assert "/dev/zero" not in aigc("kb", "list").out


def test_kb_skips_and_names_files_whose_names_are_not_utf8(aigc, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "tea.md").write_text("green tea is brewed at eighty degrees")
    raw = os.fsencode(folder)
    with open(raw + b"/bad\xff.md", "wb") as fh:
        fh.write(b"text under a bad name")
    os.mkdir(raw + b"/dir\xfe")
    with open(raw + b"/dir\xfe/inner.md", "wb") as fh:
        fh.write(b"inner text")
    r = aigc("kb", "add", str(folder))
    assert r.code == 0, r.err
    assert f"{folder}/bad\\xff.md: name is not valid UTF-8" in r.err
    assert f"{folder}/dir\\xfe: name is not valid UTF-8" in r.err
    assert "tea.md" in aigc("kb", "search", "green tea").out
    again = aigc("kb", "sync")
    assert again.code == 0, again.err
    assert "unexpected" not in again.err


def test_kb_add_refuses_a_folder_whose_own_name_is_not_utf8(aigc, tmp_path):
    raw = os.fsencode(tmp_path) + b"/dir\xfe"
    os.mkdir(raw)
    proc = run_bytes(aigc, b"kb", b"add", raw)
    assert proc.returncode == 2
    assert "the name is not valid UTF-8" in one_error(proc)
