"""Issue #26, "a newcomer's first hour": the installed command as a new user meets it.

Bare commands show their help, closed pipes stay quiet, deletions of more
than one conversation ask first, option values are checked at parse time,
and `/recipe -` really stops the recipe's system prompt.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import AIGC
from tests.fixtures.openai_server import Reply

# ------------------------------------------------------------ bare commands (item 2)


def test_bare_aigc_prints_the_formatted_help_and_exits_0(aigc):
    r = aigc()
    assert r.code == 0, r.err
    assert r.out.startswith("Usage: aigc [OPTIONS] COMMAND")
    assert "\nCommands:\n" in r.out and "\n  ask " in r.out  # one line per command, not squashed
    assert "error" not in r.err


@pytest.mark.parametrize("group", ["recipes", "history", "memory", "models", "kb", "config"])
def test_a_bare_group_prints_its_formatted_help_and_exits_2(aigc, group):
    r = aigc(group)
    assert r.code == 2
    assert r.err.startswith(f"Usage: aigc {group} [OPTIONS] COMMAND")
    assert "\nCommands:\n" in r.err
    assert "aigc: error" not in r.err


# ------------------------------------------------------------ closed pipes (item 16)


def _closed_pipe_run(home, args: list[str]) -> tuple[int, str]:
    """Run aigc with stdout a pipe whose reader is already gone (as `| head` that quit)."""
    from tests.conftest import base_env

    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            [AIGC, *args],
            stdin=subprocess.DEVNULL,
            stdout=write,
            stderr=subprocess.PIPE,
            env=base_env(home),
            timeout=60,
        )
    finally:
        os.close(write)
    return proc.returncode, proc.stderr.decode()


@pytest.mark.parametrize(
    "args",
    [
        ["recipes", "list"],
        ["models", "list"],
        ["--help"],
        [],
        ["history", "list"],
        ["memory", "list"],
        ["config", "show"],
        ["recipes", "show", "plan"],
        ["doctor", "--offline"],
    ],
)
def test_a_closed_pipe_is_exit_0_and_silent(home, args):
    code, err = _closed_pipe_run(home, args)
    assert code == 0, err
    # only the command's own notes (`no memories yet`), never an error or a traceback
    assert "rror" not in err and "Traceback" not in err and "pipe" not in err.lower()


# ------------------------------------------------------------ ask --save (item 8)


def test_ask_save_force_replaces_an_existing_recipe(aigc, home):
    assert aigc("ask", "--save", "mine", "-s", "first").code == 0
    again = aigc("ask", "--save", "mine", "-s", "second")
    assert again.code == 2 and "--force" in again.err
    r = aigc("ask", "--save", "mine", "-s", "second", "--force")
    assert r.code == 0, r.err
    assert "second" in (home / "recipes" / "mine.toml").read_text()


# ------------------------------------------------------------ deleting conversations (item 13)


def _ask(aigc_api, fake, question: str) -> str:
    fake.push(Reply(text="ok"))
    r = aigc_api("ask", "--json", question)
    assert r.code == 0, r.err
    return json.loads(r.out)["conversation_id"]


def _ids(aigc_api) -> list[str]:
    return [c["id"] for c in json.loads(aigc_api("history", "list", "--json").out)]


def test_prune_of_several_needs_yes_without_a_terminal(aigc_api, fake):
    a, b = _ask(aigc_api, fake, "one"), _ask(aigc_api, fake, "two")
    r = aigc_api("history", "prune", "--older-than", "0d")
    assert r.code == 2 and "--yes" in r.err
    assert sorted(_ids(aigc_api)) == sorted([a, b])
    r = aigc_api("history", "prune", "--older-than", "0d", "--yes")
    assert r.code == 0 and "deleted 2 conversations" in r.err
    assert _ids(aigc_api) == []


def test_rm_of_several_needs_yes_without_a_terminal(aigc_api, fake):
    a, b = _ask(aigc_api, fake, "one"), _ask(aigc_api, fake, "two")
    r = aigc_api("history", "rm", a, b)
    assert r.code == 2 and "--yes" in r.err
    assert len(_ids(aigc_api)) == 2
    assert aigc_api("history", "rm", a).code == 0  # one at a time needs no confirmation
    assert aigc_api("history", "rm", "-y", b).code == 0
    assert _ids(aigc_api) == []


def test_rm_of_several_asks_on_a_terminal(aigc_api, fake):
    import pexpect

    a, b = _ask(aigc_api, fake, "one"), _ask(aigc_api, fake, "two")
    child = pexpect.spawn(AIGC, ["history", "rm", a, b], env=aigc_api.env, encoding="utf-8", timeout=30)
    child.expect(r"Delete 2 conversations\? \[y/N\]")
    child.sendline("n")
    child.expect("nothing deleted")
    child.expect(pexpect.EOF)
    assert len(_ids(aigc_api)) == 2
    child = pexpect.spawn(AIGC, ["history", "rm", a, b], env=aigc_api.env, encoding="utf-8", timeout=30)
    child.expect(r"\[y/N\]")
    child.sendline("y")
    child.expect(pexpect.EOF)
    assert _ids(aigc_api) == []


# ------------------------------------------------------------ option values (item 15)


@pytest.mark.parametrize(
    "args, shown",
    [
        (["summarize", "--bullets", "-1"], "0<=x<=50"),
        (["plan", "--steps", "100", "a goal"], "0<=x<=12"),
    ],
)
def test_out_of_range_options_are_refused_at_parse_time(aigc_api, fake, args, shown):
    r = aigc_api(*args, input="some text")
    assert r.code == 2
    assert shown in r.err and r.err.startswith("aigc: error:")
    assert fake.chat_requests == []


def test_run_checks_a_recipe_params_range_too(aigc_api, fake):
    r = aigc_api("run", "plan", "a goal", "--set", "steps=13")
    assert r.code == 2 and "0..12" in r.err
    assert fake.chat_requests == []


def test_jobs_beyond_what_the_backend_runs_is_noted():
    """The local backend summarizes one part at a time: --jobs 8 says so."""
    from aigc_cli.session.summarize import _jobs_note

    assert "does not apply" in (_jobs_note(8, 1, "local") or "")
    assert "using 32" in (_jobs_note(64, 32, "openai") or "")
    assert _jobs_note(None, 1, "local") is None and _jobs_note(4, 32, "openai") is None


# ------------------------------------------------------------ chat /recipe - (item 7)


def test_recipe_dash_after_a_turn_stops_the_recipes_system_prompt(chat, fake):
    c = chat("--recipe", "translate")
    c.ready()
    c.say("good morning")
    c.ready()
    assert fake.chat_requests[-1]["json"]["messages"][0]["role"] == "system"
    c.say("/recipe -")
    c.expect("Recipe off")
    c.ready()
    c.say("plain text")
    c.ready()
    sent = fake.chat_requests[-1]["json"]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[-1]["content"] == "plain text"


# ------------------------------------------------------------ history titles (item 11)


def _titles(aigc_api) -> list[str]:
    return [c["title"] for c in json.loads(aigc_api("history", "list", "--json").out)]


def test_task_titles_are_what_the_user_typed(aigc_api, fake, tmp_path):
    fake.push(Reply(text="Rain on the roof."))
    assert aigc_api("write", "a haiku about rain").code == 0
    assert _titles(aigc_api) == ["a haiku about rain"]
    notes = tmp_path / "notes.md"
    notes.write_text("The meeting moved to Friday. Bring the budget.\n")
    fake.push(Reply(text="Meeting on Friday."))
    r = aigc_api("summarize", str(notes))
    assert r.code == 0, r.err
    assert _titles(aigc_api)[0] == "summarize notes.md"
    fake.push(Reply(text="Bonjour"))
    assert aigc_api("run", "translate", "--set", "to=fr", "good morning").code == 0
    assert _titles(aigc_api)[0] == "good morning"
    assert not any("<input>" in t or t.startswith(("Write a draft", "Summarize the text")) for t in _titles(aigc_api))


# ------------------------------------------------------------ history show / export (item 12)


def test_user_text_shows_as_typed_and_answer_headings_nest(aigc_api, fake):
    from tests.fixtures.pty import ChatPty

    fake.push(Reply(text="## Steps\n\nFirst *this*.\n\n```\n# a comment\n```"))
    r = aigc_api("ask", "--json", input="line one\nline two *starred*\n# line three\n")
    cid = json.loads(r.out)["conversation_id"]
    text = aigc_api("history", "export", cid).out
    assert "## User\n\n```text\nline one\nline two *starred*\n# line three\n```" in text
    assert "## Assistant\n\n#### Steps\n\nFirst *this*." in text
    assert "```\n# a comment\n```" in text  # code is left alone
    term = ChatPty(AIGC, ["history", "show", cid], {**aigc_api.env, "TERM": "xterm-256color"}, rows=40, cols=100)
    try:
        assert term.wait_exit() == 0, term.text
    finally:
        term.close()
    rows = [line.strip() for line in term.display().splitlines()]
    assert "line one" in rows and "line two *starred*" in rows and "# line three" in rows


# ------------------------------------------------------------ JSON-schema recipes (item 14, 16)

SHAPE = Path(__file__).parent / "fixtures" / "recipes" / "llm_more" / "shape.yaml"


def test_a_schema_recipe_validates_and_repairs_once(aigc_api, fake):
    assert aigc_api("recipes", "import", str(SHAPE)).code == 0
    fake.push(Reply(text="Sure! The title is The Title."), Reply(text='{"title": "The Title", "score": 4}'))
    r = aigc_api("run", "shape", "The Title, worth 4")
    assert r.code == 0, r.err
    assert json.loads(r.out) == {"title": "The Title", "score": 4}  # the invalid first try never printed
    first, retry = fake.chat_requests
    assert retry["json"]["messages"][-1]["content"].startswith("Your answer was not valid: not JSON")
    # an imported schema that breaks OpenAI's strict rules (score not required) is not sent as strict
    assert first["json"]["response_format"]["json_schema"]["strict"] is False


def test_a_schema_recipe_still_invalid_after_repair_exits_7_printing_nothing(aigc_api, fake):
    assert aigc_api("recipes", "import", str(SHAPE)).code == 0
    fake.push(Reply(text='{"score": 4}'), Reply(text='{"score": "four"}'))
    r = aigc_api("run", "shape", "The Title, worth 4")
    assert r.code == 7
    assert "matching the recipe's schema" in r.err and "title" in r.err
    assert r.out == ""


def test_a_strict_compatible_schema_is_sent_strict(aigc_api, fake, home):
    (home / "recipes").mkdir(exist_ok=True)
    (home / "recipes" / "tagger.toml").write_text(
        'name = "tagger"\n[json_schema]\ntype = "object"\nrequired = ["tags"]\nadditionalProperties = false\n'
        '[json_schema.properties.tags]\ntype = "array"\nitems = { type = "string" }\n'
    )
    fake.push(Reply(text='{"tags": ["a"]}'))
    r = aigc_api("run", "tagger", "some text")
    assert r.code == 0, r.err
    assert fake.chat_requests[0]["json"]["response_format"]["json_schema"]["strict"] is True


# ------------------------------------------------------------ chat shows the recipe; sizes (item 22)


def test_chat_banner_and_toolbar_show_the_recipe_and_a_million_as_1M(chat, fake):
    c = chat("--recipe", "translate", "-m", "gpt-4.1")
    c.ready()
    screen = c.display()
    assert "aigc chat · openai · gpt-4.1 · recipe translate" in screen
    toolbar = [line for line in screen.splitlines() if "context" in line][-1]
    assert "recipe translate" in toolbar and "/1.0M" in toolbar and "1047.6k" not in toolbar


def test_an_empty_history_list_says_so_on_stderr(aigc):
    r = aigc("history", "list")
    assert (r.code, r.out) == (0, "") and "no conversations yet" in r.err


# ------------------------------------------------------------ start-up (item 23)


def test_a_command_builds_only_itself(home):
    """`aigc ask` imports no other command's module (bench/RESULTS.md: start-up of an API ask)."""
    import sys

    from tests.conftest import base_env

    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aigc_cli", "ask", "--help"],
        capture_output=True,
        text=True,
        env=base_env(home),
        timeout=60,
    )
    assert proc.returncode == 0 and " ask [OPTIONS]" in proc.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    # (importlib.import_module is not timed by -X importtime; the full tree imports these plainly)
    assert not imported & {
        "aigc_cli.cli.commands.kb",
        "aigc_cli.cli.commands.history",
        "aigc_cli.cli.commands.models",
        "aigc_cli.cli.commands.batch",
        "aigc_cli.cli.commands.recipes",
    }
