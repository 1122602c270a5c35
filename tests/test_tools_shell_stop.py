"""The shell tool and a stop (Ctrl-C, SIGTERM): a command runs in its own session,
out of the terminal's reach, so aigc itself must make sure a stop ends it, whenever
the stop comes. In-process, with real commands."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from aigc_cli.config import Settings
from aigc_cli.tools import builtin_more
from aigc_cli.tools.base import ToolContext, ToolError


def shell_tool():
    return next(t for t in builtin_more.more_tools() if t.name == "shell")


def context(tmp_path: Path) -> ToolContext:
    return ToolContext(settings=Settings(), cwd=str(tmp_path), timeout=30, confirm=lambda _line: True)


def test_a_stop_that_came_before_the_start_means_it_never_starts(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    ctx.cancel.set()  # Ctrl-C while the tool's thread was still starting
    with pytest.raises(ToolError, match="stopped before it started"):
        shell_tool().run({"command": "touch started"}, ctx)
    time.sleep(0.5)
    assert not (tmp_path / "started").exists()


def test_a_stop_mid_run_ends_the_whole_command(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    threading.Timer(0.5, ctx.cancel.set).start()
    with pytest.raises(ToolError, match="stopped"):
        shell_tool().run({"command": "sleep 2 && touch finished"}, ctx)
    time.sleep(2.5)
    assert not (tmp_path / "finished").exists()
    assert not builtin_more._RUNNING


def test_a_command_still_running_at_exit_is_ended(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    box: dict[str, BaseException] = {}

    def run() -> None:
        try:
            shell_tool().run({"command": "sleep 2 && touch finished"}, ctx)
        except BaseException as exc:  # noqa: BLE001 - looked at below
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    deadline = time.monotonic() + 10
    while not builtin_more._RUNNING and time.monotonic() < deadline:
        time.sleep(0.01)
    assert builtin_more._RUNNING
    builtin_more._kill_running()  # what the process does at exit, before its thread could
    worker.join(5)
    time.sleep(2.5)
    assert not (tmp_path / "finished").exists()
