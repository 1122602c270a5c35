"""Ranking passages for a query: two keyword indexes, optionally vectors, fused by rank.

The query's English words and CJK character pairs (``terms.query_terms``) are
looked up in the word index, passages with every term first, then those with
any, each ranked by bm25 with the heading weighing double; the query's CJK
3-character pieces are looked up in the trigram index the same way, which
favours passages sharing longer runs. A CJK word of two characters (``生成``)
has no trigram but is a pair in the word index, so short CJK queries need no
``LIKE`` scan. With an embedding
model the query's nearest passages (sqlite-vec, cosine) form a third list.
The lists are merged by reciprocal rank fusion, which needs no score scales
to agree: score = sum over lists of 1 / (RRF_K + rank).
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from aigc_cli.kb import terms
from aigc_cli.kb.index import KnowledgeBase

RRF_K = 60
FETCH = 40  # candidates taken from each list before fusion
# a vector hit this far away (cosine distance) is not evidence of relevance on its own
VECTOR_MAX_DISTANCE = 0.6
SNIPPET_CHARS = 160
QueryEmbedder = Callable[[str], list[float]]


class Passage(BaseModel):
    """One retrieved passage, as `kb search --json` prints it."""

    path: str
    start_line: int
    end_line: int
    heading: str
    score: float
    text: str
    snippet: str


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts(kb: KnowledgeBase, table: str, terms: list[str]) -> list[int]:
    """Passages with every term first, then those with any, each part ranked by bm25."""
    if not terms:
        return []
    sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY bm25({table}, 2.0, 1.0) LIMIT ?"
    ranked = [r[0] for r in kb.conn.execute(sql, (" AND ".join(map(_phrase, terms)), FETCH))] if len(terms) > 1 else []
    if len(ranked) < FETCH:
        seen = set(ranked)
        ranked += [r[0] for r in kb.conn.execute(sql, (" OR ".join(map(_phrase, terms)), FETCH)) if r[0] not in seen]
    return ranked[:FETCH]


def _nearest(kb: KnowledgeBase, vector: list[float]) -> list[tuple[int, float]]:
    import sqlite_vec

    sql = "SELECT rowid, distance FROM chunks_vec WHERE embedding MATCH ? AND k = ? ORDER BY distance"
    return [(r[0], r[1]) for r in kb.conn.execute(sql, (sqlite_vec.serialize_float32(vector), FETCH))]


def fuse(lists: list[list[int]]) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of ranked id lists, best first."""
    scores: dict[int, float] = {}
    for ranked in lists:
        for rank, cid in enumerate(ranked, 1):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def keyword_lists(kb: KnowledgeBase, query: str) -> list[list[int]]:
    lists = [_fts(kb, "chunks_word", terms.query_terms(query)), _fts(kb, "chunks_tri", terms.trigrams(query))]
    return [ranked for ranked in lists if ranked]


def search(kb: KnowledgeBase, query: str, k: int = 5, embed_query: QueryEmbedder | None = None) -> list[Passage]:
    """The ``k`` best passages for ``query``; empty when nothing relevant is found."""
    lists = keyword_lists(kb, query)
    if embed_query is not None and kb.vector_dim() is not None and query.strip():
        near = _nearest(kb, embed_query(query))
        if near and (lists or near[0][1] <= VECTOR_MAX_DISTANCE):
            lists.append([cid for cid, _ in near])
    ranked = fuse(lists)[:k]
    return _passages(kb, ranked, query)


def _passages(kb: KnowledgeBase, ranked: list[tuple[int, float]], query: str) -> list[Passage]:
    if not ranked:
        return []
    ids = [cid for cid, _ in ranked]
    sql = ("SELECT c.id, f.path, c.start_line, c.end_line, c.heading, c.text FROM chunks c"
           f" JOIN files f ON f.id = c.file_id WHERE c.id IN ({','.join('?' * len(ids))})")
    rows = {r[0]: r for r in kb.conn.execute(sql, ids)}
    words = terms.query_terms(query) + terms.CJK_RUN.findall(query)
    out = []
    for cid, score in ranked:
        if cid in rows:
            _, path, start, end, heading, text = rows[cid]
            out.append(Passage(path=path, start_line=start, end_line=end, heading=heading, score=round(score, 6),
                               text=text, snippet=snippet(text, words)))
    return out


def snippet(text: str, words: list[str]) -> str:
    """One line of the passage around the first query term it contains."""
    flat = " ".join(text.split())
    low = flat.lower()
    hits = [p for p in (low.find(t.lower()) for t in words) if p >= 0]
    pos = min(hits, default=0)
    start = max(0, pos - SNIPPET_CHARS // 4)
    piece = flat[start : start + SNIPPET_CHARS]
    return ("…" if start else "") + piece + ("…" if start + SNIPPET_CHARS < len(flat) else "")
