"""`aigc cmd` with nobody watching, through the installed command: what runs and what never does.

The loopback server's answer is scripted; stdout is a pipe. Each bypass
that really deleted folders before (issue #25) is aimed at a folder in the
test's own tmp dir, and the process runs with that dir as its current
directory, so even a failure of the rules could only touch tmp.
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest

from tests.conftest import AIGC, Aigc, Result
from tests.fixtures.openai_server import Reply


def run_in(aigc: Aigc, cwd: Path, *args: str) -> Result:
    """The installed `aigc` with ``cwd`` as its current directory (a tmp dir)."""
    proc = subprocess.run([AIGC, *args], input=b"", capture_output=True, env=aigc.env, cwd=cwd, timeout=60, check=False)
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


def _bypasses(target: str) -> dict[str, str]:
    payload = base64.b64encode(f"rm -rf {target}".encode()).decode()
    return {
        "base64-sh": f"echo {payload} | base64 -d | sh",
        "python-rmtree": f"python3 -c 'import shutil; shutil.rmtree(\"{target}\")'",
        "variable": f"RM=rm; $RM -rf {target}",
        "echo-sh": f"echo rm -rf {target} | sh",
        "abbreviated": f"rm --rec --for {target}",
        "default": f"${{RM:-rm}} -rf {target}",
    }


@pytest.mark.parametrize("name", list(_bypasses("x")))
def test_a_bypass_that_deleted_folders_is_refused_with_exit_2(aigc_api, fake, tmp_path, name):
    target = tmp_path / "precious"
    target.mkdir()
    (target / "data.txt").write_text("keep me")
    fake.push(Reply(text=f"```bash\n{_bypasses(str(target))[name]}\n```"))
    r = run_in(aigc_api, tmp_path, "cmd", "--yes", "tidy up")
    assert r.code == 2, r.err
    assert "refusing to run a destructive command without a terminal" in r.err
    assert r.out == ""
    assert (target / "data.txt").read_text() == "keep me"


@pytest.mark.parametrize("answer", ["Here are the files.", "The line of every .py file is the longest."])
@pytest.mark.parametrize("yes", [False, True], ids=["pipe", "yes"])
def test_prose_is_never_run_nor_printed(aigc_api, fake, tmp_path, answer, yes):
    """Issue #26: `Here are the files.` ran through bash; piped, a sentence was printed with exit 0."""
    fake.push(Reply(text=answer))
    r = run_in(aigc_api, tmp_path, "cmd", *(["--yes"] if yes else []), "list the files here")
    assert r.code == 7
    assert r.out == ""
    assert r.err.splitlines()[0] == "aigc: error: the model did not return a command"


def test_a_lead_in_on_the_same_line_is_not_part_of_the_command(aigc_api, fake, tmp_path):
    fake.push(Reply(text="Sure! Here is the command you asked for: ls -la"))
    r = run_in(aigc_api, tmp_path, "cmd", "list the files here")
    assert r.code == 0, r.err
    assert r.out == "ls -la\n"


def test_a_command_with_control_characters_is_refused_unattended_and_printed_exactly_in_a_pipe(
    aigc_api, fake, tmp_path
):
    marker = tmp_path / "PWNED"
    command = f"touch {marker} #\r\x1b[2K  ls -la"
    fake.push(Reply(text=f"```bash\n{command}\n```"), Reply(text=f"```bash\n{command}\n```"))
    r = run_in(aigc_api, tmp_path, "cmd", "--yes", "list the files")
    assert r.code == 2 and r.out == ""
    assert "control or invisible characters" in r.err and "␍␛[2K" in r.err and "\x1b" not in r.err
    assert not marker.exists()
    piped = run_in(aigc_api, tmp_path, "cmd", "list the files")
    assert piped.code == 0 and piped.out == command + "\n"  # a pipe gets the bytes; the reader decides
