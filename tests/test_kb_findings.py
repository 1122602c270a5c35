"""Knowledge-base findings of the newcomer's hour (issue #26 items 9, 17-20; issue #20 item 11).

Real files in temp folders, a real SQLite base; the rules in process, what
only the installed command shows (stderr lines, exit codes) through it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import aigc_at
from tests.fixtures.openai_server import FakeOpenAI


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An empty base "notes" in a temp home, and a function that indexes a folder into it."""
    from aigc_cli.kb import sync
    from aigc_cli.kb.index import KnowledgeBase

    monkeypatch.setenv("AIGC_HOME", str(tmp_path / "home"))
    kb = KnowledgeBase.open("notes", create=True)

    def index(folder: Path):
        kb.add_root(str(folder.resolve()))
        return sync.sync(kb)

    yield kb, index
    kb.close()


def _names(passages) -> list[str]:
    return [Path(p.path).name for p in passages]


# ------------------------------------------------------------------ 17: Chinese beyond character pairs


def test_a_chinese_query_finds_a_note_holding_its_characters_apart_and_exact_phrases_rank_first(base, tmp_path):
    from aigc_cli.kb.retrieve import search

    kb, index = base
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "green.md").write_text("# 绿茶\n\n怎么泡绿茶：茶叶放三克，八十度的水。\n", encoding="utf-8")
    (notes / "exact.md").write_text("# 功夫\n\n泡茶之前先温杯。\n", encoding="utf-8")
    (notes / "bike.md").write_text("# 自行车\n\n每周给轮胎打气。\n", encoding="utf-8")
    index(notes)
    assert _names(search(kb, "泡茶")) == ["exact.md", "green.md"]
    assert _names(search(kb, "茶叶"))[0] == "green.md"
    assert "bike.md" not in _names(search(kb, "泡茶叶"))


def test_a_base_indexed_by_character_pairs_only_is_reindexed_when_opened(base, tmp_path):
    from aigc_cli.kb import terms
    from aigc_cli.kb.index import KnowledgeBase
    from aigc_cli.kb.retrieve import search

    kb, index = base
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "green.md").write_text("怎么泡绿茶\n", encoding="utf-8")
    index(notes)
    with kb.write():  # as the previous version wrote it: pairs only, no "terms" mark
        kb.conn.execute("INSERT INTO chunks_word(chunks_word) VALUES ('delete-all')")
        for cid, h, t in kb.conn.execute("SELECT id, heading, text FROM chunks").fetchall():
            kb.conn.execute(
                "INSERT INTO chunks_word(rowid, heading, text) VALUES (?, ?, ?)",
                (cid, terms.bigrams(h), terms.bigrams(t)),
            )
        kb.set_meta("terms", None)
    assert search(kb, "泡茶") == []
    with KnowledgeBase.open("notes") as again:
        assert _names(search(again, "泡茶")) == ["green.md"]
        assert again.meta("terms") == terms.VERSION


# ------------------------------------------------------------------ 18: a score that means something


def test_a_keyword_only_search_scores_by_bm25_which_differs_by_query_and_passage(base, tmp_path):
    from aigc_cli.kb.retrieve import search

    kb, index = base
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "a.md").write_text("# Kettle\n\nThe kettle boils water for tea. Tea tea tea.\n", encoding="utf-8")
    (notes / "b.md").write_text("# Garden\n\nWater the tomatoes; a cup of tea after.\n", encoding="utf-8")
    for i in range(6):
        (notes / f"other{i}.md").write_text(f"# Other {i}\n\nNothing about drinks here, entry {i}.\n", encoding="utf-8")
    index(notes)
    tea = search(kb, "tea")
    water = search(kb, "tomatoes")
    assert all(p.score_kind == "bm25" and p.score > 0 for p in tea + water)
    assert tea[0].score > tea[1].score  # the passage about tea scores higher than the one mentioning it
    assert water[0].score != tea[0].score  # not the fusion rank (1/61 for every first hit)
    assert abs(tea[0].score - 1 / 61) > 1e-3


# ------------------------------------------------------------------ 19: duplicates collapse


def test_identical_passages_from_different_files_are_one_result_listing_the_other_paths(base, tmp_path):
    from aigc_cli.kb.retrieve import search

    kb, index = base
    notes = tmp_path / "n"
    text = "# Alternatives\n\nThe alternatives system picks the default editor.\n"
    for pkg in ("vim", "nano", "emacs"):
        (notes / pkg).mkdir(parents=True)
        (notes / pkg / "README.alternatives").write_text(text, encoding="utf-8")
    (notes / "editors.md").write_text(
        "# Editors\n\nMy default editor is vim; alternatives are fine.\n", encoding="utf-8"
    )
    index(notes)
    hits = search(kb, "alternatives default editor")
    dupes = [h for h in hits if h.path.endswith("README.alternatives")]
    assert len(dupes) == 1 and len(dupes[0].also) == 2
    assert {Path(p).parent.name for p in [dupes[0].path, *dupes[0].also]} == {"vim", "nano", "emacs"}
    assert "editors.md" in _names(hits)


# ------------------------------------------------------------------ 20: headings, plurals, sync all, exit code


def test_a_markdown_file_holding_only_a_heading_is_found(base, tmp_path):
    from aigc_cli.kb import chunk
    from aigc_cli.kb.retrieve import search

    kb, index = base
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "ideas.md").write_text("# Quarterly roadmap ideas\n", encoding="utf-8")
    (notes / "other.md").write_text("# Log\n\nNothing here.\n", encoding="utf-8")
    index(notes)
    (hit,) = search(kb, "roadmap")
    assert (Path(hit.path).name, hit.start_line, hit.heading) == ("ideas.md", 1, "Quarterly roadmap ideas")
    # an empty section between two others is its own passage; a parent with subsections is not
    got = [(c.heading, c.text) for c in chunk.chunk_text("# A\n## B\n## C\ntext\n")]
    assert got == [("A > B", "B"), ("A > C", "text")]


def test_sync_without_kb_syncs_every_base_with_plural_counts(aigc, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "a.md").write_text("# Alpha\n\nalpha text\n", encoding="utf-8")
    (two / "b.md").write_text("# Beta\n\nbeta text\n", encoding="utf-8")
    r = aigc("kb", "add", str(one))
    assert "(1 passage)" in r.err, r.err
    assert aigc("kb", "add", str(two), "--kb", "work").code == 0
    (one / "c.md").write_text("# Gamma\n\ngamma text\n", encoding="utf-8")
    (two / "d.md").write_text("# Delta\n\ndelta text\n", encoding="utf-8")
    r = aigc("kb", "sync")
    assert r.code == 0, r.err
    assert "kb notes: 1 new" in r.err and "kb work: 1 new" in r.err
    r = aigc("kb", "sync", "--kb", "work")
    assert "kb work: 0 new" in r.err and "kb notes" not in r.err
    listing = aigc("kb", "list").out
    assert "notes: 2 files, 2 passages" in listing
    (one / "c.md").unlink()
    aigc("kb", "sync")
    assert "notes: 1 file, 1 passage," in aigc("kb", "list").out


# ------------------------------------------------------------------ #20.11: every skipped file named


def test_each_skipped_file_is_named_with_its_reason_and_kb_list_verbose_shows_them(aigc, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text("# Good\n\nA real note.\n", encoding="utf-8")
    (notes / "blob.md").write_bytes(b"\x00\x01binary\x00" * 50)
    (notes / "empty.txt").write_text("  \n\n", encoding="utf-8")
    os.symlink(notes / "nowhere.md", notes / "dangling.md")
    r = aigc("kb", "add", str(notes))
    assert r.code == 0, r.err
    root = notes.resolve()
    skipped = sorted(line for line in r.err.splitlines() if line.startswith("aigc: skipped"))
    assert skipped == [
        f"aigc: skipped {root}/blob.md: binary",
        f"aigc: skipped {root}/dangling.md: broken link",
        f"aigc: skipped {root}/empty.txt: empty",
    ]
    assert "1 new" in r.err
    # a sync with nothing changed does not repeat them; kb list counts, --verbose names
    assert "skipped" not in aigc("kb", "sync").err
    out = aigc("kb", "list", "--verbose").out
    assert "notes: 1 file, 1 passage, 3 skipped" in out
    assert f"  skipped {root}/dangling.md: broken link" in out.splitlines()
    rows = json.loads(aigc("kb", "list", "--verbose", "--json").out)
    assert {Path(s["path"]).name: s["reason"] for s in rows[0]["skipped_files"]} == {
        "blob.md": "binary",
        "dangling.md": "broken link",
        "empty.txt": "empty",
    }


def test_many_skipped_files_are_summarised_with_a_count(aigc, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text("# Good\n\nA real note.\n", encoding="utf-8")
    for i in range(8):
        (notes / f"img{i}.png").write_bytes(b"\x89PNG\r\n")
    r = aigc("kb", "add", str(notes))
    lines = [line for line in r.err.splitlines() if "skipped" in line]
    assert len(lines) == 6, r.err
    assert all(": binary" in line for line in lines[:5])
    assert lines[5] == "aigc: skipped 3 more files (3 binary); `aigc kb list --verbose --kb notes` lists them"
    assert len([s for s in aigc("kb", "list", "-v").out.splitlines() if "skipped /" in s]) == 8


def test_every_skip_reason_is_recorded_in_the_base(base, tmp_path, monkeypatch):
    from aigc_cli.kb import sync

    kb, index = base
    monkeypatch.setattr(sync, "MAX_FILE_BYTES", 1000)
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "good.md").write_text("# Good\n\nA real note.\n", encoding="utf-8")
    (notes / "big.txt").write_text("word " * 400, encoding="utf-8")
    (notes / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really\n")
    (notes / "blank.md").write_text("\n\n", encoding="utf-8")
    os.symlink(notes / "gone", notes / "link.md")
    report = index(notes)
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert reasons["big.txt"].startswith("too large (over ")
    assert reasons["broken.pdf"].startswith("unreadable (")
    assert reasons["blank.md"] == "empty" and reasons["link.md"] == "broken link"
    assert "good.md" not in reasons
    assert dict((Path(p).name, r) for p, r in kb.skipped_files()) == reasons
    # fixed, a file is indexed on the next sync and leaves the list
    (notes / "blank.md").write_text("# Now\n\nsome text\n", encoding="utf-8")
    os.utime(notes / "blank.md", ns=(1, 10**18))
    sync.sync(kb)
    assert "blank.md" not in {Path(p).name for p, _ in kb.skipped_files()}


# ------------------------------------------------------------------ 9: embeddings that fail keep the keywords


@pytest.fixture
def no_embeddings() -> Iterator[FakeOpenAI]:
    """A chat server with no /v1/embeddings (404 there), as many OpenAI-compatible servers are."""
    server = FakeOpenAI()
    server.add_route(
        "POST",
        "/embeddings",
        lambda h, body: h._send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}}),
    )
    yield server
    server.stop()


def test_embed_on_a_server_without_embeddings_names_it_and_keeps_the_keyword_index(home, no_embeddings, tmp_path):
    aigc = aigc_at(home, no_embeddings.url)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "bread.md").write_text("# Baking\n\nFeed the sourdough starter.\n", encoding="utf-8")
    r = aigc("kb", "add", str(notes), "--embed", "text-embedding-3-small")
    assert r.code == 3, r.err
    assert "/v1/embeddings endpoint" in r.err and "chat completions" not in r.err
    assert "1 new" in r.err  # the keyword index is there
    assert "Traceback" not in r.err
    hits = json.loads(aigc("kb", "search", "sourdough", "--json").out)
    assert [Path(h["path"]).name for h in hits] == ["bread.md"]
    # a later sync keeps failing the same honest way, and loses nothing
    r = aigc("kb", "sync")
    assert r.code == 3 and "/v1/embeddings" in r.err
    assert json.loads(aigc("kb", "list", "--json").out)[0]["files"] == 1
    # the server learns embeddings: the next sync embeds what is missing
    routes = dict(no_embeddings.routes)
    no_embeddings.routes.clear()
    r = aigc("kb", "sync")
    assert r.code == 0 and "1 embedded" in r.err, r.err
    # the server loses them again: a search still answers, by keyword, and says why
    no_embeddings.routes.update(routes)
    r = aigc("kb", "search", "sourdough")
    assert r.code == 0 and "bread.md" in r.out
    assert "could not be embedded" in r.err and "keyword results only" in r.err
    r = aigc("kb", "add", str(notes), "--no-embed")
    assert r.code == 0
    assert "embeddings are off" in r.err and "embedding model changed" not in r.err


# ------------------------------------------------------------------ 10: a base model stops at the block's markers


@pytest.mark.parametrize("style", ["completion", "chat"])
def test_ask_kb_on_a_base_model_stops_at_the_knowledge_blocks_own_markers(base, tmp_path, style):
    from aigc_cli import backends
    from aigc_cli.backends.fake import FakeBackend
    from aigc_cli.config import Settings
    from aigc_cli.kb.answer import stop_markers
    from aigc_cli.messages import GenOptions
    from aigc_cli.session.request import TurnRequest
    from aigc_cli.session.turn import run_turn

    kb, index = base
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "bread.md").write_text("# Sourdough\n\nFeed the starter every twelve hours.\n", encoding="utf-8")
    index(notes)
    fake = FakeBackend(style=style)  # "completion" plays the bundled base model
    backends.provide(fake)
    req = TurnRequest(
        prompt="how often do I feed the starter?",
        backend="fake",
        options=GenOptions(stop=["END"]),
        kb="notes",
        log=False,
    )
    run_turn(req, Settings())
    (sent,) = fake.requests
    block = sent.messages[-1].content
    stops = sent.options.stop or []
    if style == "chat":  # chat models keep their stops as asked (an API may cap how many)
        assert stops == ["END"]
        return
    assert stops[0] == "END" and set(stop_markers()) <= set(stops)
    # every marker is one the prompt really holds, so the answer ends before any echo of it
    assert all(m in block for m in stop_markers() if not m.startswith("</") and "knowledge base" not in m)
    assert "<knowledge_base" in stops and "The user's request:" in stops


@pytest.mark.slow
def test_ask_kb_on_the_bundled_model_prints_no_scaffolding(aigc, tmp_path, gguf_model):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "bread.md").write_text(
        "# Baking\n\n## Sourdough\n\nFeed the starter every twelve hours with rye flour.\n", encoding="utf-8"
    )
    (notes / "bike.txt").write_text("Pump the bicycle tyres to seven bar before a long ride.\n", encoding="utf-8")
    assert aigc("kb", "add", str(notes)).code == 0
    for question in ("how often do I feed the starter?", "what pressure for bicycle tyres?"):
        r = aigc("ask", "--kb", "notes", question, timeout=400)
        assert r.code == 0, r.err
        assert r.out.strip()
        for marker in ("The user's request", "<knowledge_base", "<source", "</source", "knowledge_base>"):
            assert marker not in r.out, r.out
