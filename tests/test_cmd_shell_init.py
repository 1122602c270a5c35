"""The --shell-init key binding, pressed in a real interactive shell in a pty.

Alt-G must replace what is typed on the command line with the generated
command and run nothing: the marker file the command would create stays
absent until the user presses Enter themselves.
"""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import AIGC
from tests.fixtures.openai_server import Reply
from tests.fixtures.pty import ChatPty

ALT_G = "\x1bg"
SHELLS = {
    "bash": ["--norc", "--noprofile", "-i"],
    "zsh": ["-f", "-i"],
    "fish": ["--no-config", "-i"],
}


@pytest.mark.parametrize("shell", list(SHELLS))
def test_alt_g_replaces_the_line_with_the_command_and_runs_nothing(shell, aigc_api, fake, tmp_path):
    exe = shutil.which(shell)
    if exe is None:
        pytest.skip(f"{shell} is not installed (apt-get install {shell})")
    snippet = tmp_path / "init"
    snippet.write_text(aigc_api("cmd", "--shell-init", shell).out, encoding="utf-8")
    marker = tmp_path / "marker"
    fake.push(Reply(text=f"```{shell}\ntouch {marker}\n```"))
    env = {**aigc_api.env, "TERM": "xterm-256color", "PS1": "$ ", "SHELL": exe}
    env["PATH"] = f"{AIGC.rsplit('/', 1)[0]}:{env.get('PATH', '')}"
    t = ChatPty(exe, SHELLS[shell], env, rows=24, cols=120, timeout=60)
    try:
        t.settle(quiet=1.0)
        t.send(f"source {snippet}\r")
        t.settle(quiet=1.0)
        t.send("make the marker file")
        t.settle(quiet=0.5)
        t.send(ALT_G)
        t.expect(f"touch {marker}")
        t.settle(quiet=1.0)
        assert not marker.exists()
        assert f"touch {marker}" in t.display()
        assert fake.chat_requests[-1]["json"]["messages"][-1]["content"] == "make the marker file"
        t.send("\r")  # now the user runs it
        t.settle(quiet=1.0)
        assert marker.exists()
    finally:
        t.close()
