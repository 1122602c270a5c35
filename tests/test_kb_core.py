"""The knowledge base's pure parts in process: chunking, terms, and the embedding contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from aigc_cli.kb import chunk, terms


def test_passages_start_at_headings_and_keep_the_heading_path_and_lines():
    text = "# Guide\n\nIntro.\n\n## Install\n\nRun the installer.\n\n### Linux\n\nUse apt.\n"
    got = [(c.heading, c.start_line, c.end_line, c.text) for c in chunk.chunk_text(text)]
    assert got == [
        ("Guide", 3, 3, "Intro."),
        ("Guide > Install", 7, 7, "Run the installer."),
        ("Guide > Install > Linux", 11, 11, "Use apt."),
    ]


def test_a_long_chinese_paragraph_is_cut_at_sentence_ends_within_the_budget_with_overlap():
    sentence = "今天我们在图书馆学习了很多关于知识库的内容。"
    text = sentence * 60
    pieces = chunk.chunk_text(text, "markdown")
    assert len(pieces) > 1
    assert all(chunk.estimate_tokens(p.text) <= chunk.MAX_TOKENS for p in pieces)
    assert all(p.text.endswith("。") for p in pieces)
    # the small overlap: each passage repeats the sentence the previous one ended with
    assert all(later.text.startswith(sentence) for later in pieces[1:])
    assert sum(p.text.count(sentence) for p in pieces) == 60 + len(pieces) - 1


def test_a_code_fence_is_never_split_at_a_blank_line_inside_it():
    text = "# Code\n\n```python\ndef f():\n\n    return 1\n```\n"
    (only,) = chunk.chunk_text(text)
    assert only.text == "```python\ndef f():\n\n    return 1\n```"
    assert (only.start_line, only.end_line) == (3, 7)


def test_a_hash_line_in_source_code_is_not_a_heading():
    (only,) = chunk.chunk_text("# a comment\nx = 1\n", "text")
    assert only.heading == "" and only.text == "# a comment\nx = 1"


def test_cjk_runs_become_overlapping_pairs_and_english_stays():
    assert terms.bigrams("用绿茶 tea 冲泡") == " 用绿 绿茶  tea  冲泡 "
    # "怎么" is a question word and left out; "with" is an English stopword
    assert terms.query_terms("怎么冲泡绿茶 with water") == ["water", "么冲", "冲泡", "泡绿", "绿茶"]


def test_a_backend_without_embeddings_fails_with_one_clear_error(tmp_path, monkeypatch):
    from aigc_cli import backends
    from aigc_cli.backends.fake import FakeBackend
    from aigc_cli.config import load_settings
    from aigc_cli.errors import ConfigError
    from aigc_cli.kb import embed
    from aigc_cli.kb.index import KnowledgeBase

    monkeypatch.setenv("AIGC_HOME", str(tmp_path))
    backends.provide(FakeBackend())
    with KnowledgeBase.open("notes", create=True) as kb:
        embed.configure(kb, "any-model", "fake")
    with KnowledgeBase.open("notes") as kb:
        run = embed.embedder(kb, load_settings())
        with pytest.raises(ConfigError, match="the fake backend has no embeddings"):
            run(["text"])
    assert Path(tmp_path / "kb" / "notes.db").exists()
