"""A read-only git command in a repository whose own config runs programs is not
read-only: `git status` runs core.fsmonitor, `git diff` a textconv driver. Real
repositories made with git; the judge in-process, and `aigc cmd --yes` through
the installed command."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from aigc_cli.shellcmd.safety import judge
from tests.conftest import AIGC, Aigc
from tests.fixtures.openai_server import FakeOpenAI, Reply


def repo(folder: Path, **config: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    for key, value in config.items():
        subprocess.run(["git", "-C", str(folder), "config", key.replace("__", "."), value], check=True)
    return folder


RUNNING_KEYS = {
    "core__fsmonitor": "touch PWNED; echo",
    "core__pager": "touch PWNED; cat",
    "diff__external": "touch PWNED",
    "diff__x__textconv": "touch PWNED; cat",
    "filter__x__clean": "touch PWNED; cat",
    "alias__st": "!touch PWNED",
}


@pytest.mark.parametrize("key", list(RUNNING_KEYS))
def test_a_repository_config_that_runs_a_program_makes_git_ask(tmp_path: Path, key: str) -> None:
    folder = repo(tmp_path / "r", **{key: RUNNING_KEYS[key]})
    verdict = judge("git status", "bash", folder)
    assert not verdict.runnable_unattended
    assert any(key.replace("__", ".") in r and "runs a program" in r for r in verdict.reasons), verdict.reasons


def test_a_plain_repository_and_gits_own_monitor_stay_read_only(tmp_path: Path) -> None:
    plain = repo(tmp_path / "plain", user__name="Ana", remote__origin__url="https://example.org/x.git")
    assert judge("git status && git log --oneline | head", "bash", plain).runnable_unattended
    builtin = repo(tmp_path / "monitor", core__fsmonitor="true")
    assert judge("git status", "bash", builtin).runnable_unattended


def test_git_pointed_at_another_repository_is_judged_there_or_asks(tmp_path: Path) -> None:
    hostile = repo(tmp_path / "hostile", core__fsmonitor="touch PWNED; echo")
    here = repo(tmp_path / "here")
    assert not judge("git -C ../hostile status", "bash", here).runnable_unattended
    assert not judge(f"git --git-dir={hostile}/.git log", "bash", here).runnable_unattended
    moved = judge("cd ../hostile && git status", "bash", here)
    assert not moved.runnable_unattended and "changes folder" in moved.reasons[0]
    assert judge("cd ../hostile && ls", "bash", here).runnable_unattended  # no git: nothing to check


def test_cmd_yes_never_runs_git_status_in_a_hostile_repository(
    aigc_api: Aigc, fake: FakeOpenAI, tmp_path: Path
) -> None:
    folder = repo(tmp_path / "unpacked", core__fsmonitor="touch PWNED; echo")
    fake.push(Reply(text="```bash\ngit status\n```"))
    r = subprocess.run([AIGC, "cmd", "--yes", "what changed here"], env=aigc_api.env, cwd=folder, input=b"",
                       capture_output=True, timeout=60)  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert b"core.fsmonitor" in r.stderr
    assert not (folder / "PWNED").exists()
