"""Ranking passages for a query: the word index, optionally vectors, fused by rank.

The query's English words and CJK character pairs (``terms.query_terms``)
and its CJK characters (``terms.query_chars``) are looked up in the word
index in tiers, each ranked by bm25 with the heading weighing double:
passages with every word and pair first (a whole phrase), then those with
every word and character (``泡茶`` finds ``怎么泡绿茶``), then those with any
term. With an embedding model the query's nearest passages (sqlite-vec,
cosine) form a second list, and the two are merged by reciprocal rank
fusion, which needs no score scales to agree: score = sum over lists of
1 / (RRF_K + rank). A keyword-only search shows each passage's bm25 score
for the query instead (``score_kind``), which says how well it matches;
a fusion score only says where it ranked.

Passages with the same text (a file copied into three folders) are shown
once, with the other files listed in ``also``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
    score_kind: str = "bm25"  # "bm25" (keyword-only: relevance) or "fusion" (reciprocal rank)
    also: list[str] = field(default_factory=list)  # other files holding the same passage


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts(kb: KnowledgeBase, table: str, every: list[list[str]], anyof: list[str]) -> list[int]:
    """Passages with every term of each tier in turn, then those with any term, each part by bm25.

    bm25 costs time in proportion to the passages a query matches, and a word
    in most passages carries almost no weight anyway. So terms in more than
    ``COMMON`` passages only narrow the every-term tiers, the any-term part
    uses the rarer terms, and a query of nothing but common words lists its
    newest every-term matches unranked: the work stays bounded whatever the
    base's size (the history search does the same).
    """
    if not anyof:
        return []
    rare = [t for t in anyof if not _more_than(kb, table, t, COMMON)]
    if not rare:
        sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid DESC LIMIT ?"
        return [r[0] for r in kb.conn.execute(sql, (" AND ".join(map(_phrase, every[0] if every else anyof)), FETCH))]
    sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY bm25({table}, 2.0, 1.0) LIMIT ?"
    ranked: list[int] = []
    for query in [" AND ".join(map(_phrase, tier)) for tier in every] + [" OR ".join(map(_phrase, rare))]:
        if len(ranked) >= FETCH:
            break
        seen = set(ranked)
        ranked += [r[0] for r in kb.conn.execute(sql, (query, FETCH)) if r[0] not in seen]
    return ranked[:FETCH]


def _tiers(query: str) -> tuple[list[list[str]], list[str]]:
    """The every-term tiers (words and pairs; words and characters) and all terms, for ``_fts``."""
    words = terms.query_terms(query)
    chars = terms.query_chars(query)
    latin = [w for w in words if not terms.CJK_RUN.match(w)]
    every = []
    if len(words) > 1 or (words and chars):
        every.append(words)
    if chars and set(latin + chars) != set(words):
        every.append(latin + chars)
    return every, list(dict.fromkeys(words + chars))


def bm25_scores(kb: KnowledgeBase, ids: list[int], query: str) -> dict[int, float]:
    """Each passage's BM25 score for the query's terms (higher is better), for display.

    FTS5's own idf, log((N - n + 0.5) / (n + 0.5)), is zero (clamped to 1e-6)
    for a term in half the passages or more, so in a small base every score
    would show as 0. So per term, FTS5's score divided by its idf (the
    term-frequency and length part, heading weighing double) is multiplied by
    Lucene's idf, log(1 + (N - n + 0.5) / (n + 0.5)), which stays positive,
    and summed. ``n`` is counted up to ``COMMON`` (bounded work; past it the
    idf is near zero either way).
    """
    import math

    _, anyof = _tiers(query)
    total = kb.conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
    sql = "SELECT -bm25(chunks_word, 2.0, 1.0) FROM chunks_word WHERE chunks_word MATCH ? AND rowid = ?"
    out = dict.fromkeys(ids, 0.0)
    for term in anyof:
        hits = kb.conn.execute(
            "SELECT count(*) FROM (SELECT rowid FROM chunks_word WHERE chunks_word MATCH ? LIMIT ?)",
            (_phrase(term), COMMON + 1),
        ).fetchone()[0]
        if not hits:
            continue
        ratio = (total - hits + 0.5) / (hits + 0.5)
        fts_idf = max(math.log(ratio), 1e-6) if ratio > 0 else 1e-6
        for cid in ids:
            row = kb.conn.execute(sql, (_phrase(term), cid)).fetchone()
            if row is not None:
                out[cid] += row[0] / fts_idf * math.log(1 + max(ratio, 0.0))
    return {cid: round(score, 3) for cid, score in out.items()}


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
    every, anyof = _tiers(query)
    ranked = _fts(kb, "chunks_word", every, anyof)
    return [ranked] if ranked else []


def search(
    kb: KnowledgeBase,
    query: str,
    k: int = 5,
    embed_query: QueryEmbedder | None = None,
    notices: list[str] | None = None,
) -> list[Passage]:
    """The ``k`` best passages for ``query``; empty when nothing relevant is found.

    With ``notices``, a query that cannot be embedded (the server is down, the
    model gone) is searched by keyword alone and the reason added there; the
    keyword index never depends on the embedding backend.
    """
    lists = keyword_lists(kb, query)
    hybrid = False
    vector = _query_vector(kb, query, embed_query, notices)
    if vector is not None:
        near = _nearest(kb, vector)
        if near and (lists or near[0][1] <= VECTOR_MAX_DISTANCE):
            lists.append([cid for cid, _ in near])
            hybrid = True
    found = _passages(kb, fuse(lists)[: k * 4], query)[:k]  # k * 4: room for duplicates to collapse
    if hybrid:
        for _, p in found:
            p.score_kind = "fusion"
    else:  # keyword-only: the relevance score, not the rank
        scores = bm25_scores(kb, [cid for cid, _ in found], query)
        for cid, p in found:
            p.score = scores.get(cid, 0.0)
    return [p for _, p in found]


def _query_vector(
    kb: KnowledgeBase, query: str, embed_query: QueryEmbedder | None, notices: list[str] | None
) -> list[float] | None:
    if embed_query is None or kb.vector_dim() is None or not query.strip():
        return None
    from aigc_cli.errors import AigcError

    try:
        return embed_query(query)
    except AigcError as exc:
        if notices is None:
            raise
        notices.append(f"the query could not be embedded ({exc.message}); keyword results only")
        return None


def _passages(kb: KnowledgeBase, ranked: list[tuple[int, float]], query: str) -> list[tuple[int, Passage]]:
    """The passages in rank order, each text once: later copies add their path to ``also``."""
    if not ranked:
        return []
    ids = [cid for cid, _ in ranked]
    sql = (
        "SELECT c.id, f.path, c.start_line, c.end_line, c.heading, c.text FROM chunks c"
        f" JOIN files f ON f.id = c.file_id WHERE c.id IN ({','.join('?' * len(ids))})"
    )
    rows = {r[0]: r for r in kb.conn.execute(sql, ids)}
    words = terms.query_terms(query) + terms.CJK_RUN.findall(query)
    out: list[tuple[int, Passage]] = []
    by_text: dict[tuple[str, str], Passage] = {}
    for cid, score in ranked:
        if cid not in rows:
            continue
        _, path, start, end, heading, text = rows[cid]
        first = by_text.get((heading, text))
        if first is not None:
            if path != first.path and path not in first.also:
                first.also.append(path)
            continue
        p = Passage(path, start, end, heading, round(score, 6), text, snippet(text, words))
        by_text[(heading, text)] = p
        out.append((cid, p))
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


def find(
    query: str, base: str, k: int = 5, settings: "Settings | None" = None, notices: list[str] | None = None
) -> list[Passage]:
    """Open ``base`` and search it; settings (and a backend) are loaded only if it has embeddings."""
    with KnowledgeBase.open(base) as kb:
        embed_query = None
        if kb.meta("embed_model"):
            from aigc_cli.kb import embed

            if settings is None:
                from aigc_cli.config import load_settings

                settings = load_settings()
            embed_query = embed.query_embedder(kb, settings)
        return search(kb, query, k, embed_query, notices)
