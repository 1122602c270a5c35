"""Ranking passages for a query: two keyword indexes, optionally vectors, fused by rank.

The query's English words and CJK character pairs (``terms.query_terms``) are
looked up in the word index, passages with every term first, then those with
any, each ranked by bm25 with the heading weighing double; "every term
first" also favours passages that share a whole CJK phrase. A two-character
CJK word (``生成``) is one pair, so short queries need no scan; only a lone
CJK character (``茶``) is matched with ``LIKE``, newest passages first,
bounded like the history search's fallback. With an embedding
model the query's nearest passages (sqlite-vec, cosine) form a third list.
The lists are merged by reciprocal rank fusion, which needs no score scales
to agree: score = sum over lists of 1 / (RRF_K + rank).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aigc_cli.kb import terms
from aigc_cli.kb.index import KnowledgeBase

if TYPE_CHECKING:
    from aigc_cli.config import Settings

RRF_K = 60
FETCH = 40  # candidates taken from each list before fusion
COMMON = 5000  # a term in more passages than this is too common to rank by (see _fts)
# a vector hit this far away (cosine distance) is not evidence of relevance on its own
VECTOR_MAX_DISTANCE = 0.6
SNIPPET_CHARS = 160
QueryEmbedder = Callable[[str], list[float]]


@dataclass(slots=True)
class Passage:
    """One retrieved passage, as `kb search --json` prints it (``asdict``)."""

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
    """Passages with every term first, then those with any, each part ranked by bm25.

    bm25 costs time in proportion to the passages a query matches, and a word
    in most passages carries almost no weight anyway. So terms in more than
    ``COMMON`` passages only narrow the every-term part, the any-term part
    uses the rarer terms, and a query of nothing but common words lists its
    newest every-term matches unranked: the work stays bounded whatever the
    base's size (the history search does the same).
    """
    if not terms:
        return []
    rare = [t for t in terms if not _more_than(kb, table, t, COMMON)]
    if not rare:
        sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid DESC LIMIT ?"
        return [r[0] for r in kb.conn.execute(sql, (" AND ".join(map(_phrase, terms)), FETCH))]
    sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY bm25({table}, 2.0, 1.0) LIMIT ?"
    ranked = [r[0] for r in kb.conn.execute(sql, (" AND ".join(map(_phrase, terms)), FETCH))] if len(terms) > 1 else []
    if len(ranked) < FETCH:
        seen = set(ranked)
        ranked += [r[0] for r in kb.conn.execute(sql, (" OR ".join(map(_phrase, rare)), FETCH)) if r[0] not in seen]
    return ranked[:FETCH]


def _more_than(kb: KnowledgeBase, table: str, term: str, n: int) -> bool:
    sql = f"SELECT count(*) FROM (SELECT rowid FROM {table} WHERE {table} MATCH ? LIMIT ?)"
    return kb.conn.execute(sql, (_phrase(term), n + 1)).fetchone()[0] > n


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
    words = terms.query_terms(query)
    single = terms.single_cjk(query)
    lists = [_fts(kb, "chunks_word", [w for w in words if w not in single])]
    if single:
        lists.append(_scan(kb, single))
    return [ranked for ranked in lists if ranked]


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _scan(kb: KnowledgeBase, singles: list[str]) -> list[int]:
    """One-character CJK terms (``茶``): a LIKE scan, newest passages first, bounded by FETCH."""
    where = " AND ".join("text LIKE ? ESCAPE '\\'" for _ in singles)
    sql = f"SELECT id FROM chunks WHERE {where} ORDER BY id DESC LIMIT ?"
    return [r[0] for r in kb.conn.execute(sql, (*map(_like, singles), FETCH))]


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
            out.append(Passage(path, start, end, heading, round(score, 6), text, snippet(text, words)))
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


def find(query: str, base: str, k: int = 5, settings: "Settings | None" = None) -> list[Passage]:
    """Open ``base`` and search it; settings (and a backend) are loaded only if it has embeddings."""
    with KnowledgeBase.open(base) as kb:
        embed_query = None
        if kb.meta("embed_model"):
            from aigc_cli.kb import embed

            if settings is None:
                from aigc_cli.config import load_settings

                settings = load_settings()
            embed_query = embed.query_embedder(kb, settings)
        return search(kb, query, k, embed_query)
