"""`aigc cmd` on a terminal: the one-key menu, in a real pty, against the loopback server.

The model's answer is scripted to a command that would create a marker file
(or delete a target), so each test can see whether anything ran.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import AIGC
from tests.fixtures.openai_server import Reply
from tests.fixtures.pty import CTRL_C, ENTER, ChatPty

MENU = r"a abort"


@pytest.fixture
def term(aigc_api, tmp_path) -> Iterator[Callable[..., ChatPty]]:
    """Start `aigc cmd ARGS` in a pty (bash as the user's shell)."""
    started: list[ChatPty] = []

    def start(*args: str) -> ChatPty:
        env = {**aigc_api.env, "TERM": "xterm-256color", "SHELL": "/bin/bash"}
        proc = ChatPty(AIGC, ["cmd", *args], env, rows=30, cols=120)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.close()


def fenced(command: str) -> Reply:
    return Reply(text=f"Here is the command:\n```bash\n{command}\n```\nIt does what you asked.")


def command_row(home) -> tuple[str, int, int | None]:
    with sqlite3.connect(home / "history.db") as db:
        return db.execute("SELECT command, ran, exit_status FROM commands ORDER BY message_id DESC").fetchone()


@pytest.mark.parametrize("key", ["a", "\x1b", CTRL_C], ids=["a", "esc", "ctrl-c"])
def test_abort_runs_nothing(term, fake, tmp_path, key):
    marker = tmp_path / "marker"
    fake.push(fenced(f"touch {marker}"))
    t = term("make the marker")
    t.expect(MENU)
    t.send(key)
    assert t.wait_exit() == 130
    assert not marker.exists()
    assert "nothing ran" in t.text


def test_enter_alone_does_nothing(term, fake, tmp_path):
    marker = tmp_path / "marker"
    fake.push(fenced(f"touch {marker}"))
    t = term("make the marker")
    t.expect(MENU)
    t.send(ENTER + ENTER)
    t.settle(quiet=0.5)
    assert t.child.isalive() and not marker.exists()
    t.send("a")
    assert t.wait_exit() == 130


def test_r_runs_the_command_and_exits_with_its_status(term, fake, tmp_path, aigc_api):
    marker = tmp_path / "marker"
    fake.push(fenced(f"touch {marker} && exit 3"))
    t = term("make the marker")
    t.expect(MENU)
    t.send("r")
    assert t.wait_exit() == 3
    assert marker.exists()
    assert command_row(aigc_api.home) == (f"touch {marker} && exit 3", 1, 3)


def test_m_edits_the_command_then_runs_the_edited_one(term, fake, tmp_path, aigc_api):
    first, edited = tmp_path / "first", tmp_path / "edited"
    fake.push(fenced(f"touch {first}"))
    t = term("make the marker")
    t.expect(MENU)
    t.send("m")
    t.expect(r"edit the command")
    t.expect(rf"> touch {first}")  # prefilled
    t.send("\x15")  # Ctrl-U: clear the line
    t.type(f"touch {edited}")
    t.send(ENTER)
    t.expect(MENU)
    t.send("r")
    assert t.wait_exit() == 0
    assert edited.exists() and not first.exists()
    assert command_row(aigc_api.home) == (f"touch {edited}", 1, 0)


def test_e_shows_an_explanation_and_returns_to_the_menu(term, fake, tmp_path):
    marker = tmp_path / "marker"
    fake.push(fenced(f"touch {marker}"), Reply(text="`touch` creates the file EXPLAINED-HERE."))
    t = term("make the marker")
    t.expect(MENU)
    t.send("e")
    t.expect("EXPLAINED-HERE")
    t.expect(MENU)
    t.send("a")
    assert t.wait_exit() == 130
    assert not marker.exists()
    explain = fake.chat_requests[1]["json"]["messages"]
    assert "explain a shell command" in explain[0]["content"]
    assert f"Explain this bash command: touch {marker}" in explain[-1]["content"]


def test_a_destructive_command_asks_for_yes_and_n_keeps_the_target(term, fake, tmp_path):
    target = tmp_path / "precious"
    target.mkdir()
    (target / "data.txt").write_text("keep me")
    fake.push(fenced(f"rm -rf {target}"))
    t = term("delete it")
    t.expect(r"destructive: recursive, forced delete")
    t.expect(MENU)
    t.send("r")
    t.expect("Type yes to run it")
    t.send("n" + ENTER)
    t.expect("Not run")
    t.expect(MENU)
    t.send("a")
    assert t.wait_exit() == 130
    assert (target / "data.txt").read_text() == "keep me"


def test_a_destructive_command_runs_once_yes_is_typed(term, fake, tmp_path):
    target = tmp_path / "scratch"
    target.mkdir()
    fake.push(fenced(f"rm -rf {target}"))
    t = term("delete it")
    t.expect(MENU)
    t.send("r")
    t.expect("Type yes to run it")
    t.send("yes" + ENTER)
    assert t.wait_exit() == 0
    assert not target.exists()


def test_yes_flag_on_a_terminal_still_asks_for_a_destructive_command(term, fake, tmp_path):
    target = tmp_path / "precious"
    target.mkdir()
    fake.push(fenced(f"rm -rf {target}"))
    t = term("--yes", "delete it")
    t.expect("Type yes to run it")
    t.send("y" + ENTER)
    t.expect("Not run")
    t.expect(MENU)
    t.send("a")
    assert t.wait_exit() == 130
    assert target.exists()


def test_yes_flag_runs_a_read_only_command_without_the_menu(term, fake, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("READ-ONLY-RAN\n")
    fake.push(fenced(f"cat {note}"))
    t = term("--yes", "show the note")
    assert t.wait_exit() == 0
    assert "READ-ONLY-RAN" in t.text
    assert MENU not in t.text


def test_a_command_not_known_to_be_safe_gets_the_menu_even_with_yes(term, fake, tmp_path):
    marker = tmp_path / "marker"
    fake.push(fenced(f"touch {marker}"))
    t = term("--yes", "make the marker")
    t.expect("not known to be safe")
    t.expect(MENU)
    t.send("a")
    assert t.wait_exit() == 130
    assert not marker.exists()


def test_control_characters_are_shown_and_need_yes_typed(term, fake, tmp_path):
    r"""`touch PWNED #\r\e[2K  ls -la` used to display as `ls -la`, and `r` ran the touch."""
    marker = tmp_path / "PWNED"
    fake.push(fenced(f"touch {marker} #\r\x1b[2K  ls -la"))
    t = term("list the files")
    t.expect("hidden characters")
    t.expect(MENU)
    assert f"touch {marker} #␍␛[2K  ls -la" in t.display()
    assert "\r\x1b[2K  ls" not in t.raw  # never sent to the terminal as it is
    t.send("r")
    t.expect("Type yes to run it")
    t.send("no" + ENTER)
    t.expect("Not run")
    t.send("a")
    assert t.wait_exit() == 130
    assert not marker.exists()


def test_the_command_reads_the_terminal_when_aigc_stdin_was_piped(aigc_api, fake, tmp_path):
    """`ls | aigc cmd ...`: the pipe was context; the command that runs gets the terminal."""
    out = tmp_path / "typed"
    fake.push(fenced(f'read line && echo "$line" > {out}'))
    env = {**aigc_api.env, "TERM": "xterm-256color", "SHELL": "/bin/bash"}
    t = ChatPty("/bin/bash", ["-c", f"echo context | {AIGC} cmd 'save what I type'"], env, rows=30, cols=120)
    try:
        t.expect(MENU)
        t.send("r")
        t.settle()
        t.send("typed at the terminal" + ENTER)
        assert t.wait_exit() == 0
    finally:
        t.close()
    assert out.read_text() == "typed at the terminal\n"
    assert "<input>\ncontext\n</input>" in fake.chat_requests[0]["json"]["messages"][-1]["content"]


def test_c_copies_the_command_with_osc52_and_runs_nothing(term, fake, tmp_path):
    import base64

    marker = tmp_path / "marker"
    fake.push(fenced(f"touch {marker}"))
    t = term("make the marker")
    t.expect(MENU)
    t.send("c")
    assert t.wait_exit() == 0
    payload = base64.b64encode(f"touch {marker}".encode()).decode()
    assert f"\x1b]52;c;{payload}\x07" in t.raw
    assert not marker.exists()


def test_ctrl_c_at_the_yes_prompt_aborts(term, fake, tmp_path):
    target = tmp_path / "precious"
    target.mkdir()
    fake.push(fenced(f"rm -rf {target}"))
    t = term("delete it")
    t.expect(MENU)
    t.send("r")
    t.expect("Type yes to run it")
    t.send("ye")
    t.interrupt()
    assert t.wait_exit() == 130
    assert target.exists()
