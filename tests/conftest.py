"""Shared fixtures: an isolated AIGC_HOME per test, the loopback OpenAI
server, and a runner for the installed `aigc` command as a real subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.fixtures.openai_server import API_KEY, FakeOpenAI
from tests.fixtures.zygote import shared_zygote

if TYPE_CHECKING:
    from tests.fixtures.pty import ChatPty

# the console script next to this interpreter (not a pyenv shim on PATH, which costs a bash start)
_HERE = Path(sys.executable).with_name("aigc")
AIGC = str(_HERE) if _HERE.exists() else (shutil.which("aigc") or str(_HERE))

pytest_plugins = ["tests.tiers"]  # a fast/cli/e2e marker on every test (`pytest -m fast`)


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def gguf_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled Gemma 3 270M GGUF, assembled once per test session."""
    from tests.fixtures.llama_server import bundled_gguf

    return bundled_gguf(tmp_path_factory.mktemp("gguf"))


@pytest.fixture
def fake(fake_server: FakeOpenAI) -> FakeOpenAI:
    """The loopback server, emptied of earlier tests' script and requests."""
    fake_server.reset()
    return fake_server


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "aigc-home"
    h.mkdir()
    return h


def base_env(home: Path) -> dict[str, str]:
    """A clean environment: no real keys, no colour surprises, its own home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AIGC_"))}
    env.pop("NO_COLOR", None)
    env["AIGC_HOME"] = str(home)
    env["COLUMNS"] = "100"
    # CI machines run with SHELL unset or /bin/sh; tests that care say which shell.
    env["SHELL"] = "/bin/bash"
    # xdist runs three workers on two cores: a model on two threads each spins
    # waiting for a core, which doubled the model tests' time (bench/RESULTS.md)
    env["AIGC_LOCAL_THREADS"] = "1"
    return env


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Aigc:
    """Runs the installed `aigc` as a subprocess with its own AIGC_HOME."""

    home: Path
    env: dict[str, str]

    def __call__(self, *args: str, input: str | bytes | None = None, timeout: float = 60, **env: str) -> Result:
        full_env = {**self.env, **env}
        data = (input.encode() if isinstance(input, str) else input) or b""
        zygote = shared_zygote()
        if zygote is not None and zygote.can_run(full_env):
            code, out, err = zygote.run([AIGC, *args], full_env, data, timeout)
        else:
            proc = subprocess.run([AIGC, *args], input=data, capture_output=True, env=full_env, timeout=timeout)
            code, out, err = proc.returncode, proc.stdout, proc.stderr
        return Result(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


@pytest.fixture
def aigc(home: Path) -> Aigc:
    """`aigc` with no backend configured (a fresh install)."""
    return Aigc(home, base_env(home))


def aigc_at(home: Path, base_url: str, api_key: str = API_KEY) -> Aigc:
    """`aigc` whose openai backend points at an OpenAI-compatible server on loopback."""
    env = base_env(home)
    env["OPENAI_API_KEY"] = api_key
    env["OPENAI_BASE_URL"] = base_url
    return Aigc(home, env)


@pytest.fixture
def aigc_api(home: Path, fake: FakeOpenAI) -> Aigc:
    """`aigc` pointed at the loopback OpenAI server through the environment."""
    return aigc_at(home, fake.url)


@pytest.fixture
def chat(aigc_api: Aigc) -> Iterator[Callable[..., "ChatPty"]]:
    """Start the real `aigc chat` in a pty against the loopback server: chat(*args)."""
    from tests.fixtures.pty import ChatPty

    started: list[ChatPty] = []

    def start(*args: str, rows: int = 30, cols: int = 100, **env: str) -> ChatPty:
        proc = ChatPty(AIGC, ["chat", *args], {**aigc_api.env, **env}, rows=rows, cols=cols)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.close()
