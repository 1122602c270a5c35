"""The completion callbacks (cli/complete_values.py), in-process: what Tab offers from the user's data.

The shell protocol itself (bash, zsh, fish through the installed command) is
tests/test_completion.py's.
"""

from __future__ import annotations

import pytest

from aigc_cli.cli import complete_values as cv

pytestmark = pytest.mark.fast


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("AIGC_HOME", str(tmp_path))
    return tmp_path


def test_recipes_are_the_built_in_and_the_users_own_filtered_by_what_was_typed(home):
    (home / "recipes").mkdir()
    (home / "recipes" / "sumo.toml").write_text('system = "x"\n', encoding="utf-8")
    offered = cv.complete_recipes("sum")
    assert "summarize" in offered and "sumo" in offered
    assert all(v.startswith("sum") for v in offered)


def test_a_value_with_help_is_offered_with_it_and_one_without_as_a_plain_string(home, monkeypatch):
    monkeypatch.setattr(cv, "backends", lambda: [("openai", ""), ("local", "in-process")])
    complete = cv._completer(cv.backends)
    assert complete("") == ["openai", ("local", "in-process")]


def test_conversations_without_a_store_are_nothing_and_create_no_store(home):
    assert cv.complete_conversations("") == []
    assert not any(home.rglob("*.db"))


def test_a_busy_or_broken_source_offers_nothing_rather_than_failing_the_shell():
    import sqlite3

    def broken():
        raise sqlite3.OperationalError("database is locked")

    assert cv._completer(broken)("") == []
