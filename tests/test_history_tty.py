"""`aigc history` on a terminal: a table, rendered Markdown and highlighted
matches, as a person sees them (a real pty, read through a terminal emulator)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import AIGC
from tests.fixtures.openai_server import Reply
from tests.fixtures.pty import ChatPty


def on_terminal(env, *args):
    term = ChatPty(AIGC, list(args), {**env, "TERM": "xterm-256color"}, rows=40, cols=100)
    try:
        assert term.wait_exit() == 0, term.text
    finally:
        term.close()
    return term


@pytest.fixture
def stored(aigc_api, fake):
    fake.push(Reply(text="Paris is the **capital** of France.\n\n- on the Seine\n- 2 million people"))
    return json.loads(aigc_api("ask", "--json", "法国的首都是哪里？").out)["conversation_id"]


def test_show_renders_markdown_on_a_terminal(aigc_api, stored):
    screen = on_terminal(aigc_api.env, "history", "show", stored).display()
    assert "法国的首都是哪里？" in screen
    assert "Paris is the capital of France." in screen  # ** rendered as bold, not shown
    assert "• on the Seine" in screen
    assert "## " not in screen


def test_list_is_a_table_with_headers_on_a_terminal(aigc_api, stored):
    screen = on_terminal(aigc_api.env, "history", "list").display()
    header, row = screen.splitlines()[:2]
    assert header.split() == ["id", "updated", "msgs", "model", "recipe", "title"]
    assert row.split()[0] == stored and row.endswith("法国的首都是哪里？")


def test_search_highlights_the_match_on_a_terminal(aigc_api, stored):
    term = on_terminal(aigc_api.env, "history", "search", "Seine")
    assert "assistant: Paris is the **capital** of France. - on the Seine - 2 million people" in term.display()
    assert "\x1b[1;33mSeine" in term.raw  # bold yellow, and no [brackets] as on a pipe
    assert "[Seine]" not in term.text
