"""Token-based chunking (aigc_cli.textsplit, aigc_cli.session.mapreduce) with the real offline tokenizer:
lossless, every chunk within its budget, CJK included, blocks cut anywhere."""

from __future__ import annotations

import io

from aigc_cli.session.mapreduce import Source, iter_sources
from aigc_cli.textsplit import split_by_tokens
from aigc_cli.tokens import count_text

TEXT = ("The committee met and agreed on the budget.\n" * 300) + ("会议改到周五，预算是五千元。\n" * 300) + ("x" * 9000)


def chunks_of(text: str, budget: int, block: int) -> list[str]:
    blocks = [text[i : i + block] for i in range(0, len(text), block)]
    return list(split_by_tokens(blocks, budget, count_text))


def test_chunks_join_back_to_exactly_the_input():
    assert "".join(chunks_of(TEXT, 300, 4096)) == TEXT


def test_every_chunk_fits_the_budget():
    chunks = chunks_of(TEXT, 300, 1000)
    assert len(chunks) > 10
    assert all(count_text(c) <= 300 for c in chunks)


def test_input_within_the_budget_is_one_chunk():
    assert chunks_of("short text\n", 300, 4096) == ["short text\n"]


def test_utf8_split_across_read_blocks_decodes_whole_characters(monkeypatch):
    import aigc_cli.session.mapreduce as sm

    monkeypatch.setattr(sm, "BLOCK", 1001)  # cut inside a 3-byte character
    src = Source("s", io.BytesIO(("中文" * 1000).encode()))
    assert "".join(iter_sources([src])) == "中文" * 1000
