"""Commands that need no network backend never import the heavy SDKs.

This is correctness, not timing: `-X importtime` lists every module a run
imported, so the test fails the moment a command starts importing openai,
llama_cpp or prompt_toolkit where it has no need to.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import base_env

HEAVY = ("openai", "llama_cpp", "prompt_toolkit")


def imported_modules(home, *args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aigc_cli", *args],
        capture_output=True,
        env=base_env(home),
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    names = set()
    for line in proc.stderr.decode().splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["ask", "--help"],
        ["config", "show"],
        ["config", "path"],
        ["history", "list"],
        ["history", "search", "word"],
        ["recipes", "list"],
        ["tokens", "-m", "gpt-4o"],
        ["models", "list"],
        ["write", "--help"],
        ["summarize", "--help"],
        ["plan", "--help"],
        ["chat", "--help"],
    ],
    ids=lambda a: " ".join(a),
)
def test_command_does_not_import_heavy_sdks(home, args):
    mods = imported_modules(home, *args)
    assert "aigc_cli" in mods
    loaded = sorted(m for m in mods if m.split(".")[0] in HEAVY)
    assert loaded == []


def test_help_does_not_import_rich_markdown(home):
    mods = imported_modules(home, "--help")
    assert "rich.markdown" not in mods
    assert "pydantic" not in mods


def test_a_short_question_is_sent_without_loading_a_tokenizer(home, fake):
    """A request far below the window is fitted by a byte bound, not by tiktoken."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aigc_cli", "ask", "hi"],
        capture_output=True,
        env={**base_env(home), "OPENAI_API_KEY": "sk-test-fixture", "OPENAI_BASE_URL": fake.url},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    mods = {
        line.rsplit("|", 1)[1].strip() for line in proc.stderr.decode().splitlines() if line.startswith("import time:")
    }
    assert "openai" in mods
    assert "tiktoken" not in mods
