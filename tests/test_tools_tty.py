"""Tools on a real terminal (a pty): the approval question, `yes` for destructive commands, Ctrl-C.

The injection case: a fetched page tells the model to delete a folder and the
model (the loopback server) obeys; on a terminal aigc asks, and `n` keeps
the folder.
"""

from __future__ import annotations

import shlex
import sqlite3
import time
from pathlib import Path

from tests.conftest import AIGC, Aigc
from tests.fixtures.openai_server import FakeOpenAI, Reply
from tests.fixtures.openai_tools import Call, ToolReply, tool_messages
from tests.fixtures.pty import ChatPty
from tests.test_tools import HOSTILE, _Pages, pages  # noqa: F401 - the pages fixture


def _run(aigc: Aigc, cwd: Path, *args: str) -> ChatPty:
    line = f"cd {shlex.quote(str(cwd))} && exec {shlex.quote(AIGC)} " + " ".join(shlex.quote(a) for a in args)
    return ChatPty("/bin/bash", ["-c", line], aigc.env, timeout=120)


def test_injected_delete_asks_on_a_terminal_and_n_keeps_the_folder(
    aigc_api: Aigc,
    fake: FakeOpenAI,
    pages,
    tmp_path: Path,  # noqa: F811
) -> None:
    target = tmp_path / "precious"
    target.mkdir()
    (target / "thesis.txt").write_text("years of work")
    _Pages.pages["/notes"] = HOSTILE.format(target=target)
    url = f"http://127.0.0.1:{pages.server_address[1]}/notes"
    assert aigc_api("config", "set", "tools.shell.policy", "allow").code == 0  # even allowed, it asks now
    fake.push(ToolReply([Call("fetch", {"url": url})]), ToolReply([Call("shell", {"command": f"rm -rf {target}"})]),
              Reply(text="Here are the notes."))  # fmt: skip
    term = _run(aigc_api, tmp_path, "ask", "-T", "fetch", "-T", "shell", "summarize " + url)
    try:
        term.expect(r"wants to call shell")
        term.expect(r"rm -rf")
        term.expect(r"read content from outside")
        term.expect(r"Run it\? \[y\]es, \[n\]o")
        term.send("n\r")
        term.expect(r"Here are the notes\.")
        assert term.wait_exit() == 0
    finally:
        term.close()
    assert (target / "thesis.txt").read_text() == "years of work"
    assert "declined" in tool_messages(fake.chat_requests[2])[-1]["content"]


def test_yes_approval_still_needs_yes_typed_for_a_destructive_command(
    aigc_api: Aigc, fake: FakeOpenAI, tmp_path: Path
) -> None:
    target = tmp_path / "build"
    target.mkdir()
    fake.push(ToolReply([Call("shell", {"command": f"rm -rf {target}"})]), Reply(text="Left it."))
    term = _run(aigc_api, tmp_path, "ask", "-T", "shell", "clean up")
    try:
        term.expect(r"Run it\?")
        term.send("y\r")
        term.expect(r"destructive .*Type yes to run it")
        term.send("y\r")  # not `yes` in full: nothing runs
        term.expect(r"Left it\.")
        assert term.wait_exit() == 0
    finally:
        term.close()
    assert target.exists()
    assert "did not type yes" in tool_messages(fake.chat_requests[1])[0]["content"]


def test_ctrl_c_during_a_slow_call_stops_it_and_keeps_the_turn(
    aigc_api: Aigc, fake: FakeOpenAI, home: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "finished"
    fake.push(ToolReply([Call("shell", {"command": f"sleep 4 && touch {marker}"})], text="Working on it. "),
              Reply(text="never sent"))  # fmt: skip
    term = _run(aigc_api, tmp_path, "ask", "-T", "shell", "slow job")
    try:
        term.expect(r"Run it\?")
        term.send("y\r")
        time.sleep(1.0)
        term.interrupt()
        assert term.wait_exit() == 130
    finally:
        term.close()
    time.sleep(5)
    assert not marker.exists()  # the command was stopped, not left running
    assert len(fake.chat_requests) == 1
    db = sqlite3.connect(next(home.rglob("*.db")))
    try:
        ((status, content),) = db.execute("SELECT status, content FROM messages WHERE role = 'assistant'").fetchall()
        ((error,),) = db.execute("SELECT error FROM tool_calls").fetchall()
    finally:
        db.close()
    assert status == "interrupted" and content == "Working on it. "
    assert error == "stopped by the user"


def test_chat_with_tools_and_the_tools_commands(chat, fake: FakeOpenAI) -> None:
    fake.push(ToolReply([Call("calc", {"expression": "6*7"})]), Reply(text="It is 42."),
              ToolReply([Call("now", {})]), Reply(text="It is now."))  # fmt: skip
    term = chat("-T", "calc")
    term.ready()
    term.say("what is 6*7?")
    term.expect(r"⚙ calc 6\*7")
    term.expect(r"It is 42\.")
    term.ready()
    term.say("/tools")
    term.expect(r"Tools on:\s+calc")
    term.ready()
    term.say("/tool bogus")
    term.expect(r"unknown tool 'bogus'")
    term.ready()
    term.say("/tool now")
    term.expect(r"tool now is on")
    term.ready()
    term.say("what time is it?")
    term.expect(r"It is now\.")
    term.ready()
    assert tool_messages(fake.chat_requests[1])[0]["content"] == "42"
    assert sorted(t["function"]["name"] for t in fake.chat_requests[2]["json"]["tools"]) == ["calc", "now"]
