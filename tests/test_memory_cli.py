"""`aigc memory` add/list/rm/pin/clear/edit/export/import, run as the installed command."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

EDITOR = f"{shlex.quote(sys.executable)} {shlex.quote(str(Path(__file__).parent / 'fixtures' / 'edit_lines.py'))}"


def texts(aigc) -> list[str]:
    r = aigc("memory", "list", "--json")
    assert r.code == 0, r.err
    return [m["text"] for m in json.loads(r.out)]


def listed(aigc) -> list[dict]:
    return json.loads(aigc("memory", "list", "--json").out)


def test_add_from_arguments_joins_the_words(aigc):
    r = aigc("memory", "add", "Works", "in", "Go")
    assert r.code == 0, r.err
    assert "remembered [1] Works in Go" in r.err
    assert texts(aigc) == ["Works in Go"]


def test_add_from_stdin_takes_each_line(aigc):
    aigc("memory", "add", input="Lives in Berlin\n\n答案请用中文\n")
    assert texts(aigc) == ["Lives in Berlin", "答案请用中文"]


def test_add_with_nothing_is_a_usage_error(aigc):
    r = aigc("memory", "add", input="")
    assert r.code == 2 and "nothing to remember" in r.err


def test_the_same_text_is_not_remembered_twice(aigc):
    aigc("memory", "add", "Works in Go")
    aigc("memory", "add", "Works  in Go")
    assert texts(aigc) == ["Works in Go"]


def test_list_json_says_id_created_source_and_pinned(aigc):
    aigc("memory", "add", "Works in Go")
    [m] = listed(aigc)
    assert set(m) == {"id", "text", "created", "source", "pinned"}
    assert (m["id"], m["source"], m["pinned"]) == (1, "cli", False)


def test_list_plain_marks_pinned_ones(aigc):
    aigc("memory", "add", "Works in Go")
    aigc("memory", "add", "--pin", "Lives in Berlin")
    lines = aigc("memory", "list").out.splitlines()
    assert lines[0].split()[-4:] == ["cli", "Works", "in", "Go"]
    assert lines[1].split()[-5:] == ["cli", "*", "Lives", "in", "Berlin"]


def test_rm_forgets_the_given_ids(aigc):
    aigc("memory", "add", input="one\ntwo\nthree\n")
    r = aigc("memory", "rm", "1", "3")
    assert r.code == 0, r.err
    assert texts(aigc) == ["two"]


def test_rm_with_an_unknown_id_forgets_the_others_and_names_it(aigc):
    aigc("memory", "add", input="one\ntwo\n")
    r = aigc("memory", "rm", "1", "7")
    assert r.code == 2 and "no memory with id 7" in r.err and "forgot [1] one" in r.err
    assert texts(aigc) == ["two"]


def test_rm_with_a_malformed_id_forgets_nothing(aigc):
    aigc("memory", "add", input="one\ntwo\n")
    r = aigc("memory", "rm", "1", "x7")
    assert r.code == 2 and "bad memory id" in r.err
    assert texts(aigc) == ["one", "two"]


def test_removed_ids_are_never_reused(aigc):
    aigc("memory", "add", input="one\ntwo\n")
    aigc("memory", "rm", "2")
    aigc("memory", "add", "three")
    assert [m["id"] for m in listed(aigc)] == [1, 3]


def test_pin_and_unpin(aigc):
    aigc("memory", "add", input="one\ntwo\n")
    aigc("memory", "pin", "2")
    assert [m["pinned"] for m in listed(aigc)] == [False, True]
    aigc("memory", "unpin", "2")
    assert [m["pinned"] for m in listed(aigc)] == [False, False]


def test_clear_in_a_script_needs_yes(aigc):
    aigc("memory", "add", input="one\ntwo\n")
    r = aigc("memory", "clear")
    assert r.code == 2 and "--yes" in r.err
    assert texts(aigc) == ["one", "two"]


def test_clear_yes_forgets_everything(aigc):
    aigc("memory", "add", input="one\ntwo\n")
    r = aigc("memory", "clear", "--yes")
    assert r.code == 0 and "forgot 2 memories" in r.err
    assert texts(aigc) == []


def test_clear_on_a_terminal_asks_first(aigc, home):
    from tests.conftest import AIGC
    from tests.fixtures.pty import ChatPty

    aigc("memory", "add", input="one\ntwo\n")
    term = ChatPty(AIGC, ["memory", "clear"], aigc.env)
    try:
        term.expect(r"Forget all 2 memories\? \[y/N\]")
        term.send("n\r")
        assert term.wait_exit() == 0
    finally:
        term.close()
    assert texts(aigc) == ["one", "two"]


# ------------------------------------------------------------------ edit


def edit(aigc, tmp_path, **rules) -> tuple[object, str]:
    seen = tmp_path / "seen.txt"
    env = {"EDITOR": EDITOR, "EDIT_KEEP": str(seen)}
    env.update({f"EDIT_{k.upper()}": json.dumps(v) if not isinstance(v, str) else v for k, v in rules.items()})
    r = aigc("memory", "edit", **env)
    return r, seen.read_text(encoding="utf-8") if seen.exists() else ""


def test_edit_shows_one_memory_per_line_with_its_id(aigc, tmp_path):
    aigc("memory", "add", input="Works in Go\nLives in Berlin\n")
    aigc("memory", "pin", "2")
    _, seen = edit(aigc, tmp_path)
    body = [line for line in seen.splitlines() if not line.startswith("#")]
    assert body == ["[1] Works in Go", "[2*] Lives in Berlin"]


def test_edit_applies_changes_deletions_and_additions(aigc, tmp_path):
    aigc("memory", "add", input="Works in Go\nLives in Berlin\nLikes tea\n")
    r, _ = edit(
        aigc,
        tmp_path,
        replace={"[1] Works in Go": "[1] Works in Rust", "[2] Lives in Berlin": ""},
        append=["Has two cats", "* Answers in German", "42 is the answer"],
    )
    assert r.code == 0, r.err
    assert "3 added, 1 changed, 1 removed" in r.err
    got = {m["text"]: (m["id"], m["pinned"], m["source"]) for m in listed(aigc)}
    assert got == {
        "Works in Rust": (1, False, "cli"),
        "Likes tea": (3, False, "cli"),
        "Has two cats": (4, False, "edit"),
        "Answers in German": (5, True, "edit"),
        "42 is the answer": (6, False, "edit"),
    }


def test_edit_can_pin_by_marking_the_id(aigc, tmp_path):
    aigc("memory", "add", "Works in Go")
    edit(aigc, tmp_path, replace={"[1] Works in Go": "[1*] Works in Go"})
    assert listed(aigc)[0]["pinned"] is True


def test_edit_without_changes_changes_nothing(aigc, tmp_path):
    aigc("memory", "add", "Works in Go")
    r, _ = edit(aigc, tmp_path)
    assert r.code == 0 and "no changes" in r.err
    assert texts(aigc) == ["Works in Go"]


def test_an_editor_that_fails_changes_nothing(aigc, tmp_path):
    aigc("memory", "add", "Works in Go")
    r, _ = edit(aigc, tmp_path, exit="1")
    assert r.code == 2 and "no memory was changed" in r.err
    assert texts(aigc) == ["Works in Go"]


# ------------------------------------------------------------------ export / import


def test_export_then_import_into_a_fresh_home_keeps_text_time_and_pin(aigc, tmp_path):
    from tests.conftest import Aigc, base_env

    aigc("memory", "add", input="Works in Go\n答案请用中文\n")
    aigc("memory", "pin", "2")
    out = tmp_path / "mem.json"
    assert aigc("memory", "export", "-o", str(out)).code == 0
    other_home = tmp_path / "other"
    other_home.mkdir()
    other = Aigc(other_home, base_env(other_home))
    r = other("memory", "import", str(out))
    assert r.code == 0 and "imported 2 memories" in r.err
    before, after = listed(aigc), listed(other)
    assert [(m["text"], m["created"], m["pinned"]) for m in after] == [
        (m["text"], m["created"], m["pinned"]) for m in before
    ]
    assert {m["source"] for m in after} == {"import"}


def test_import_twice_adds_nothing_the_second_time(aigc, tmp_path):
    aigc("memory", "add", "Works in Go")
    data = aigc("memory", "export").out
    r = aigc("memory", "import", "-", input=data)
    assert "imported 0 memories (1 already kept)" in r.err
    assert texts(aigc) == ["Works in Go"]


@pytest.mark.parametrize("bad", ["not json", '{"memories": [{"txt": "x"}]}', '{"other": 1}'])
def test_a_bad_import_file_is_one_error_and_imports_nothing(aigc, bad):
    r = aigc("memory", "import", "-", input=bad)
    assert r.code == 3 and r.err.startswith("aigc: error: stdin")
    assert "Traceback" not in r.err
    assert texts(aigc) == []


def test_history_export_all_includes_the_memories(aigc_api, fake):
    aigc_api("memory", "add", "Works in Go")
    aigc_api("ask", "hi")
    data = json.loads(aigc_api("history", "export", "--all", "--format", "json").out)
    assert [m["text"] for m in data["memories"]] == ["Works in Go"]
    assert len(data["conversations"]) == 1
    md = aigc_api("history", "export", "--all").out
    assert md.rstrip().endswith("# Memories\n\n- [1] Works in Go")


def test_a_history_export_can_be_imported_as_memories(aigc_api, fake, tmp_path):
    aigc_api("memory", "add", "Works in Go")
    aigc_api("ask", "hi")
    path = tmp_path / "all.json"
    aigc_api("history", "export", "--all", "--format", "json", "-o", str(path))
    aigc_api("memory", "clear", "--yes")
    aigc_api("memory", "import", str(path))
    assert texts(aigc_api) == ["Works in Go"]


def test_memory_list_imports_no_pydantic_or_sdk(aigc, home):
    from tests.test_lazy_imports import imported_modules

    aigc("memory", "add", "Works in Go")
    mods = imported_modules(home, "memory", "list")
    assert "aigc_cli.memory.store" in mods
    assert sorted(m for m in mods if m.split(".")[0] in ("pydantic", "openai", "tiktoken", "rich")) == []


def test_a_short_question_with_a_few_memories_loads_no_tokenizer(home, fake):
    import subprocess

    from tests.conftest import Aigc, base_env

    env = {**base_env(home), "OPENAI_API_KEY": "sk-test-fixture", "OPENAI_BASE_URL": fake.url}
    facts = "".join(f"fact {i}: the user prefers option {i} when asked about topic {i}\n" for i in range(8))
    Aigc(home, env)("memory", "add", input=facts)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aigc_cli", "ask", "hi"],
        capture_output=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    mods = {
        line.rsplit("|", 1)[1].strip() for line in proc.stderr.decode().splitlines() if line.startswith("import time:")
    }
    assert "aigc_cli.memory.block" in mods and "tiktoken" not in mods
