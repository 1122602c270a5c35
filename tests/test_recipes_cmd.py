"""`aigc recipes list/show/new/edit/rm/path`."""

from __future__ import annotations

import json
import sys
import tomllib


def test_list_shows_builtins_with_descriptions(aigc):
    r = aigc("recipes", "list", "--json")
    rows = {row["name"]: row for row in json.loads(r.out)["recipes"]}
    assert {"ask", "write", "summarize", "plan"} <= set(rows)
    assert rows["plan"]["source"] == "built-in"
    assert rows["plan"]["description"] == "Make a structured, step-by-step plan for a goal."


def test_show_prints_the_builtin_toml(aigc):
    r = aigc("recipes", "show", "summarize")
    assert r.code == 0
    data = tomllib.loads(r.out)
    assert data["name"] == "summarize"
    assert data["params"]["length"]["choices"] == ["short", "medium", "long"]
    assert "built-in" in r.err


def test_new_creates_a_valid_recipe_that_runs(aigc_api, fake):
    r = aigc_api("recipes", "new", "tldr", "-s", "Be brief.", "-p", "TL;DR of: {{input}}", "-d", "short summary")
    assert r.code == 0, r.err
    rows = {row["name"]: row for row in json.loads(aigc_api("recipes", "list", "--json").out)["recipes"]}
    assert rows["tldr"] == {"name": "tldr", "source": "user", "description": "short summary"}
    aigc_api("run", "tldr", "text")
    assert fake.chat_requests[-1]["json"]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "TL;DR of: text"},
    ]


def test_new_with_an_undeclared_variable_writes_nothing(aigc):
    r = aigc("recipes", "new", "bad", "-p", "{{nope}}")
    assert r.code == 3
    assert "prompt uses {{nope}}" in r.err
    assert not (aigc.home / "recipes" / "bad.toml").exists()


def test_new_from_copies_a_builtin_under_the_new_name(aigc):
    assert aigc("recipes", "new", "mywrite", "--from", "write").code == 0
    data = tomllib.loads((aigc.home / "recipes" / "mywrite.toml").read_text())
    assert data["name"] == "mywrite" and "tone" in data["params"]


def test_edit_opens_editor_on_a_copy_of_the_builtin(aigc, tmp_path):
    editor = tmp_path / "ed.py"
    editor.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('temperature = 0.3', 'temperature = 0.9'))\n"
    )
    r = aigc("recipes", "edit", "summarize", EDITOR=f"{sys.executable} {editor}")
    assert r.code == 0, r.err
    data = tomllib.loads((aigc.home / "recipes" / "summarize.toml").read_text())
    assert data["temperature"] == 0.9
    rows = {row["name"]: row for row in json.loads(aigc("recipes", "list", "--json").out)["recipes"]}
    assert rows["summarize"]["source"] == "override"


def test_edit_that_breaks_the_recipe_keeps_the_file_and_says_so(aigc, tmp_path):
    editor = tmp_path / "ed.py"
    editor.write_text("import sys\nopen(sys.argv[1], 'a').write('oops = [\\n')\n")
    r = aigc("recipes", "edit", "plan", EDITOR=f"{sys.executable} {editor}")
    assert r.code == 3
    assert "invalid TOML" in r.err and "the file is kept" in r.err
    assert (aigc.home / "recipes" / "plan.toml").exists()


def test_rm_removes_a_user_recipe_and_refuses_builtins(aigc):
    aigc("recipes", "new", "tmp")
    assert aigc("recipes", "rm", "tmp").code == 0
    assert not (aigc.home / "recipes" / "tmp.toml").exists()
    r = aigc("recipes", "rm", "write")
    assert r.code == 2
    assert "built-in" in r.err


def test_path_prints_the_folder_and_a_recipe_file(aigc):
    assert aigc("recipes", "path").out.strip() == str(aigc.home / "recipes")
    aigc("recipes", "new", "mine")
    assert aigc("recipes", "path", "mine").out.strip() == str(aigc.home / "recipes" / "mine.toml")


def test_new_with_a_bad_name_is_a_usage_error(aigc):
    r = aigc("recipes", "new", "../evil")
    assert r.code == 2
    assert "bad recipe name" in r.err
    assert not (aigc.home / "evil.toml").exists()


def test_rm_of_a_path_like_name_touches_nothing_outside_the_folder(aigc):
    (aigc.home / "config.toml").write_text("log = true\n")
    r = aigc("recipes", "rm", "../config")
    assert r.code == 2
    assert "bad recipe name" in r.err
    assert (aigc.home / "config.toml").exists()
