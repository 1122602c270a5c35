"""Untrusted text never reaches the terminal raw, through the installed command (issue #25 §2).

A hostile answer (from the loopback server), stored titles and answers,
a file in an indexed folder, a memory and a recipe all carry OSC 52
(clipboard), OSC 0 (window title), ESC[2J (clear screen) and OSC 8 (a
disguised link). On a pty none of them reaches the terminal; in a pipe the
text is byte-exact.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.fixtures.openai_server import Reply
from tests.test_render_tty import run_in_pty

OSC52 = "\x1b]52;c;cm0gLXJmIH4K\x07"
OSC0 = "\x1b]0;pwned title\x07"
CLEAR = "\x1b[2J"
OSC8 = "\x1b]8;;http://evil.example/\x1b\\google.com\x1b]8;;\x1b\\"
HOSTILE = f"Hello{OSC52} world{OSC0}\n\nsee {OSC8} now{CLEAR}\n\nend\n"
RAW = ("\x1b]52", "\x1b]0;", "\x1b[2J", "\x1b]8;;http://evil")


def assert_no_raw_sequence(out: str) -> None:
    for seq in RAW:
        assert seq not in out, (seq, out)


@pytest.mark.parametrize("term", ["xterm-256color", "dumb"])
def test_a_hostile_answer_is_made_visible_on_a_terminal(aigc_api, fake, term):
    fake.push(Reply(text=HOSTILE))
    out, code = run_in_pty(aigc_api.env, "ask", "hi", term=term)
    assert code == 0
    assert_no_raw_sequence(out)
    assert "␛]52;c;cm0gLXJmIH4K␇" in out


def test_a_hostile_answer_is_byte_exact_in_a_pipe(aigc_api, fake):
    fake.push(Reply(text=HOSTILE))
    r = aigc_api("ask", "hi")
    assert r.code == 0 and r.out == HOSTILE


def test_history_list_and_show_make_stored_sequences_visible(aigc_api, fake):
    fake.push(Reply(text=HOSTILE))
    assert aigc_api("ask", f"question{OSC0}{CLEAR}").code == 0
    cid = json.loads(aigc_api("history", "list", "--json").out)[0]["id"]
    listed, code = run_in_pty(aigc_api.env, "history", "list")
    assert code == 0 and "question" in listed
    assert_no_raw_sequence(listed)
    shown, code = run_in_pty(aigc_api.env, "history", "show", cid)
    assert code == 0 and "Hello" in shown
    assert_no_raw_sequence(shown)
    assert HOSTILE.strip() in aigc_api("history", "show", cid).out  # a pipe: exact


def test_kb_search_snippets_from_a_hostile_file_are_made_visible(aigc, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "tea.md").write_text(f"# Teapot\n\nThe teapot{OSC52} is{OSC0} hot{CLEAR} and {OSC8}.\n", encoding="utf-8")
    assert aigc("kb", "add", str(folder)).code == 0
    out, code = run_in_pty(aigc.env, "kb", "search", "teapot")
    assert code == 0 and "teapot" in out
    assert_no_raw_sequence(out)
    assert "\x1b]52" in aigc("kb", "search", "teapot").out  # a pipe: the file's text as it is


def test_memory_list_makes_a_hostile_memory_visible(aigc):
    assert aigc("memory", "add", f"likes tea{OSC52}{CLEAR}").code == 0
    out, code = run_in_pty(aigc.env, "memory", "list")
    assert code == 0 and "likes tea" in out
    assert_no_raw_sequence(out)


def test_recipe_listing_and_show_make_a_hostile_description_visible(aigc):
    recipes_dir = aigc("recipes", "path").out.strip()
    os.makedirs(recipes_dir, exist_ok=True)
    toml = 'name = "evil"\ndescription = "tidy\\u001b]0;pwned title\\u0007 up\\u001b[2J"\nprompt = "{{input}}"\n'
    with open(f"{recipes_dir}/evil.toml", "w", encoding="utf-8") as fh:
        fh.write(toml)
    out, code = run_in_pty(aigc.env, "recipes", "list")
    assert code == 0 and "evil" in out
    assert_no_raw_sequence(out)
    assert "tidy␛]0;pwned title␇ up␛[2J" in out
    assert "tidy\x1b]0;pwned title\x07 up" in aigc("recipes", "list").out  # a pipe: exact


def test_a_hostile_plan_is_made_visible_in_its_table(aigc_api, fake):
    plan = {
        "goal": f"Run{OSC0}",
        "summary": f"Build up{CLEAR}.",
        "steps": [{"title": f"Buy shoes{OSC52}", "detail": f"see {OSC8}", "estimate": "2 hours", "depends_on": []}],
        "risks": [f"Injury{OSC52}"],
    }
    fake.push(Reply(text=json.dumps(plan)))
    out, code = run_in_pty(aigc_api.env, "plan", "run a race")
    assert code == 0 and "Buy shoes" in out
    assert_no_raw_sequence(out)


def test_model_names_from_the_server_are_made_visible(aigc_api, fake):
    fake.models = ["gpt-4o-mini", f"evil{OSC0}model"]
    out, code = run_in_pty(aigc_api.env, "models", "list", "--remote")
    assert code == 0 and "evil␛]0;" in out
    assert_no_raw_sequence(out)


def test_kb_list_makes_a_hostile_folder_name_visible(aigc, tmp_path):
    folder = tmp_path / f"notes{OSC0}"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\ntea\n", encoding="utf-8")
    assert aigc("kb", "add", str(folder)).code == 0
    out, code = run_in_pty(aigc.env, "kb", "list")
    assert code == 0 and "notes␛]0;" in out
    assert_no_raw_sequence(out)
