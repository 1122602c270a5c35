"""`cat notes | aigc chat`: piped text goes with the first message, the keyboard
is read from the terminal; with no terminal at all, a clear error."""

from __future__ import annotations

import subprocess

from tests.conftest import AIGC
from tests.fixtures.openai_server import Reply
from tests.fixtures.pty import ChatPty


def piped_chat(aigc_api, text_file) -> ChatPty:
    """`aigc chat < file` in a pty: stdin is the file, /dev/tty is the pty."""
    return ChatPty("/bin/sh", ["-c", f'exec "{AIGC}" chat < "{text_file}"'], aigc_api.env)


def test_piped_text_is_the_context_of_the_first_message(aigc_api, fake, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("- buy milk\n- call Bob\n", encoding="utf-8")
    fake.push(Reply(text="Two tasks."), Reply(text="You're welcome."))
    c = piped_chat(aigc_api, notes)
    try:
        c.expect("Read 22 characters from stdin")
        c.ready()
        c.say("Summarize my notes")
        c.expect("Two tasks")
        c.ready()
        assert fake.chat_requests[-1]["json"]["messages"][-1]["content"] == (
            "<input>\n- buy milk\n- call Bob\n</input>\n\nSummarize my notes"
        )
        c.say("thanks")  # the keyboard keeps working; the context is not repeated
        c.expect("welcome")
        assert fake.chat_requests[-1]["json"]["messages"][-1]["content"] == "thanks"
    finally:
        c.close()


def test_without_a_terminal_chat_fails_clearly(aigc_api, fake):
    proc = subprocess.run(
        [AIGC, "chat"],
        input=b"hello\n",
        capture_output=True,
        env=aigc_api.env,
        timeout=60,
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
    )
    assert proc.returncode == 2
    assert b"needs a terminal" in proc.stderr
    assert b"Traceback" not in proc.stderr
    assert fake.chat_requests == []
