"""`aigc kb`: indexing real files in temp folders into a real SQLite base, and searching it."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from tests.fixtures.kb_files import make_notes, write_pdf


def search(aigc, *query: str, kb: str = "notes", n: int = 5) -> list[dict]:
    r = aigc("kb", "search", *query, "--kb", kb, "-n", str(n), "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


def paths_of(hits: list[dict]) -> list[str]:
    return [Path(h["path"]).name for h in hits]


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "bread.md").write_text(
        "# Baking\n\n## Sourdough\n\nFeed the starter every twelve hours with rye flour.\n", encoding="utf-8"
    )
    (folder / "bike.txt").write_text("Pump the bicycle tyres to seven bar before a long ride.\n", encoding="utf-8")
    (folder / "茶.md").write_text("# 泡茶\n\n绿茶用八十度的水冲泡两分钟。乌龙茶可以多泡几次！\n", encoding="utf-8")
    return folder


def test_add_indexes_a_folder_and_search_returns_path_lines_score_text(aigc, notes):
    r = aigc("kb", "add", str(notes))
    assert r.code == 0, r.err
    assert "3 new" in r.err
    hits = search(aigc, "sourdough", "starter")
    assert paths_of(hits)[0] == "bread.md"
    top = hits[0]
    assert top["start_line"] == 5 and top["end_line"] == 5
    assert top["heading"] == "Baking > Sourdough"
    assert "rye flour" in top["text"] and top["score"] > 0


def test_english_words_match_by_stem(aigc, notes):
    aigc("kb", "add", str(notes))
    assert paths_of(search(aigc, "feeding"))[0] == "bread.md"


def test_chinese_query_finds_the_chinese_note(aigc, notes):
    aigc("kb", "add", str(notes))
    assert paths_of(search(aigc, "绿茶怎么冲泡"))[0] == "茶.md"


def test_two_character_chinese_word_is_found_without_trigrams(aigc, notes):
    aigc("kb", "add", str(notes))
    assert paths_of(search(aigc, "绿茶")) == ["茶.md"]


def test_search_with_no_match_exits_0_with_one_line_as_history_search_does(aigc, notes):
    # one rule for both searches (README "Exit codes"): nothing found is an answer, exit 0, a note on stderr
    aigc("kb", "add", str(notes))
    r = aigc("kb", "search", "quetzalcoatl")
    assert (r.code, r.out) == (0, "")
    assert r.err.strip().splitlines() == ["aigc: nothing in kb notes matches"]
    h = aigc("history", "search", "quetzalcoatl")
    assert (h.code, h.out) == (0, "") and h.err.strip()


def test_gitignore_patterns_are_honoured(aigc, notes):
    (notes / ".gitignore").write_text("secret/\n*.log\n", encoding="utf-8")
    (notes / "secret").mkdir()
    (notes / "secret" / "plan.md").write_text("the zeppelin plan\n", encoding="utf-8")
    (notes / "run.log").write_text("zeppelin started\n", encoding="utf-8")
    aigc("kb", "add", str(notes))
    assert search(aigc, "zeppelin") == []


def test_sync_with_nothing_changed_reindexes_nothing(aigc, notes):
    aigc("kb", "add", str(notes))
    r = aigc("kb", "sync")
    assert r.code == 0, r.err
    assert "0 new, 0 modified, 0 deleted, 0 renamed, 3 unchanged" in r.err


def test_sync_reindexes_a_modified_file(aigc, notes):
    aigc("kb", "add", str(notes))
    bike = notes / "bike.txt"
    bike.write_text("The tandem needs new brake pads.\n", encoding="utf-8")
    os.utime(bike, ns=(bike.stat().st_atime_ns, bike.stat().st_mtime_ns + 10**9))
    r = aigc("kb", "sync")
    assert "1 modified" in r.err
    assert paths_of(search(aigc, "tandem")) == ["bike.txt"]
    assert search(aigc, "bicycle") == []


def test_sync_drops_a_deleted_file(aigc, notes):
    aigc("kb", "add", str(notes))
    (notes / "bread.md").unlink()
    r = aigc("kb", "sync")
    assert "1 deleted" in r.err
    assert search(aigc, "sourdough") == []


def test_sync_follows_a_renamed_file_without_reindexing(aigc, notes):
    aigc("kb", "add", str(notes))
    (notes / "bread.md").rename(notes / "baking.md")
    r = aigc("kb", "sync")
    assert "0 new" in r.err and "1 renamed" in r.err and "0 deleted" in r.err
    assert paths_of(search(aigc, "sourdough")) == ["baking.md"]


def test_forget_a_folder_drops_its_passages_and_keeps_it_out(aigc, notes):
    sub = notes / "old"
    sub.mkdir()
    (sub / "diary.md").write_text("The aardvark visited.\n", encoding="utf-8")
    aigc("kb", "add", str(notes))
    assert paths_of(search(aigc, "aardvark")) == ["diary.md"]
    r = aigc("kb", "forget", str(sub))
    assert r.code == 0, r.err
    assert search(aigc, "aardvark") == []
    aigc("kb", "sync")
    assert search(aigc, "aardvark") == []
    assert paths_of(search(aigc, "sourdough")) == ["bread.md"]


def test_forget_a_path_not_in_the_base_is_a_usage_error(aigc, notes, tmp_path):
    aigc("kb", "add", str(notes))
    r = aigc("kb", "forget", str(tmp_path / "elsewhere"))
    assert r.code == 2
    assert "not in knowledge base" in r.err


def test_list_json_shows_folders_counts_and_last_sync(aigc, notes):
    aigc("kb", "add", str(notes), "--kb", "mine")
    r = aigc("kb", "list", "--json")
    assert r.code == 0, r.err
    (info,) = json.loads(r.out)
    assert info["name"] == "mine" and info["folders"] == [str(notes.resolve())]
    assert info["files"] == 3 and info["chunks"] >= 3 and info["last_sync"] > 0
    assert info["embed_model"] is None


def test_rm_deletes_the_base_but_not_the_files(aigc, notes):
    aigc("kb", "add", str(notes), "--kb", "gone")
    assert aigc("kb", "rm", "gone").code == 0
    assert json.loads(aigc("kb", "list", "--json").out) == []
    assert (notes / "bread.md").exists()


def test_unknown_base_is_a_usage_error_naming_the_known_ones(aigc, notes):
    aigc("kb", "add", str(notes))
    r = aigc("kb", "search", "x", "--kb", "nope")
    assert r.code == 2
    assert "nope" in r.err and "notes" in r.err


def test_pdf_text_is_indexed_with_its_page(aigc, tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    write_pdf(folder / "paper.pdf", ["Introduction to ferrofluids", "Ferrofluid spikes follow the magnet"])
    aigc("kb", "add", str(folder))
    hits = search(aigc, "spikes", "magnet")
    assert paths_of(hits)[0] == "paper.pdf"
    assert hits[0]["heading"] == "Page 2"


def test_html_text_is_extracted_without_scripts_or_markup(aigc, tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "page.html").write_text(
        "<html><head><title>Garden</title><script>var tomato = 1;</script></head>"
        "<body><h2>Tomatoes</h2><p>Water the <b>tomatoes</b> at dawn.</p></body></html>",
        encoding="utf-8",
    )
    aigc("kb", "add", str(folder))
    (hit,) = search(aigc, "tomatoes", n=1)
    assert hit["text"] == "Water the tomatoes at dawn."
    assert hit["heading"] == "Garden > Tomatoes"  # the <title> is the page's top heading


def test_binary_file_is_skipped_with_one_line_naming_it(aigc, notes):
    (notes / "blob.dat").write_bytes(b"\x00\x01\x02binary\x00" * 100)
    r = aigc("kb", "add", str(notes))
    assert r.code == 0
    blob = notes.resolve() / "blob.dat"
    assert [line for line in r.err.splitlines() if "binary" in line] == [f"aigc: skipped {blob}: binary"]
    assert "3 new" in r.err


def test_unreadable_file_is_reported_once_and_the_rest_indexed(aigc, notes):
    (notes / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    r = aigc("kb", "add", str(notes))
    assert r.code == 0
    lines = [line for line in r.err.splitlines() if "broken.pdf" in line]
    assert len(lines) == 1 and lines[0].startswith("aigc: skipped ")
    assert paths_of(search(aigc, "sourdough")) == ["bread.md"]


def test_kb_commands_do_not_import_heavy_sdks(home, notes):
    from tests.conftest import base_env
    from tests.test_lazy_imports import HEAVY, imported_modules

    env_home = home
    for args in (["kb", "--help"], ["kb", "list"]):
        mods = imported_modules(env_home, *args)
        assert "aigc_cli" in mods
        assert sorted(m for m in mods if m.split(".")[0] in HEAVY) == []
    assert base_env  # the same clean environment the other import checks use


def test_base_stays_consistent_after_sync(aigc, notes):
    aigc("kb", "add", str(notes))
    db = Path(aigc.home) / "kb" / "notes.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO chunks_word(chunks_word) VALUES ('integrity-check')")


def test_indexing_on_a_terminal_shows_a_progress_bar_on_stderr_then_clears_it(aigc, tmp_path):
    from tests.conftest import AIGC
    from tests.fixtures.pty import ChatPty

    make_notes(tmp_path / "many", 600)
    term = ChatPty(AIGC, ["kb", "add", str(tmp_path / "many")], aigc.env)
    try:
        assert term.wait_exit(timeout=120) == 0
    finally:
        term.close()
    assert "indexing notes" in term.text  # the bar was drawn
    assert "indexing notes" not in term.display()  # and is gone from the final screen
    assert "600 new" in term.display()
