"""Every test gets one tier marker, so one tier can be run alone (README, "Tests").

- ``fast``: in-process (FakeBackend, the OpenAI backend over an injected
  transport, real SQLite and files); seconds for the whole tier.
- ``cli``: drives the installed ``aigc`` as a subprocess (exit codes, stdout/stderr).
- ``e2e``: pseudo-terminal sessions, llama.cpp's server, the bundled model (``slow``).

A test marked with a tier keeps it; otherwise its tier is read from what it
uses: the ``slow`` marker or a pty means e2e; the ``aigc`` fixtures or a
subprocess means cli; anything else is fast.
"""

from __future__ import annotations

import inspect

import pytest

TIERS = ("fast", "cli", "e2e")
CLI_FIXTURES = {"aigc", "aigc_api", "chat"}
E2E_FIXTURES = {"chat", "gguf_model", "llama_server", "safe_llama_server"}
E2E_WORDS = ("ChatPty", "pexpect", "spawn(")
CLI_WORDS = ("subprocess", "aigc_at(", "AIGC", "run_aigc")


def _source(item: pytest.Item) -> str:
    try:
        return inspect.getsource(item.function)  # type: ignore[attr-defined]
    except (AttributeError, OSError, TypeError):
        return ""


def tier_of(item: pytest.Item) -> str:
    """The tier of one collected test (see the module doc)."""
    fixtures = set(getattr(item, "fixturenames", ()))
    source = _source(item)
    if item.get_closest_marker("slow") or fixtures & E2E_FIXTURES or any(w in source for w in E2E_WORDS):
        return "e2e"
    if fixtures & CLI_FIXTURES or any(w in source for w in CLI_WORDS):
        return "cli"
    return "fast"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not any(item.get_closest_marker(t) for t in TIERS):
            item.add_marker(tier_of(item))
