"""Full-text search over stored messages, ranked, with snippets; CJK included.

The index uses FTS5's trigram tokenizer, so any run of 3+ characters matches
inside words, which is what Chinese and Japanese (no spaces between words)
need. Terms shorter than three characters (``生成``, ``AI``) cannot match
trigrams; they are matched with ``LIKE`` instead: as extra filters on the
index's hits when the query also has longer terms, or by scanning the newest
messages first when it has only short ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from aigc_cli.store import Store, _guarded

HL_START = "\x02"
HL_END = "\x03"
SNIPPET_TOKENS = 64  # FTS5's maximum; a trigram token is about one character
SNIPPET_CHARS = 80
_FETCH_FACTOR = 5  # message hits fetched per conversation wanted, before grouping


@dataclass(slots=True, frozen=True)
class SearchHit:
    """The best-matching message of one conversation; ``snippet`` marks matches
    with ``HL_START``/``HL_END``."""

    conversation_id: str
    title: str
    updated: float
    message_id: int
    role: str
    snippet: str


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def split_terms(query: str) -> tuple[list[str], list[str]]:
    """(terms for the trigram index, terms too short for it)."""
    terms = query.split()
    return [t for t in terms if len(t) >= 3], [t for t in terms if len(t) < 3]


def _snippet_around(text: str, terms: list[str]) -> str:
    """A snippet for LIKE matches: the text around the first term, terms marked."""
    low = text.lower()
    pos = min((p for p in (low.find(t.lower()) for t in terms) if p >= 0), default=0)
    start = max(0, pos - SNIPPET_CHARS // 3)
    piece = " ".join(text[start : start + SNIPPET_CHARS].split())
    for term in terms:
        piece = _mark(piece, term)
    return ("…" if start else "") + piece + ("…" if start + SNIPPET_CHARS < len(text) else "")


def _mark(text: str, term: str) -> str:
    out, low, t, i = [], text.lower(), term.lower(), 0
    while (j := low.find(t, i)) >= 0:
        out += [text[i:j], HL_START, text[j : j + len(t)], HL_END]
        i = j + len(t)
    return "".join(out) + text[i:]


class _Search:
    def __init__(self, store: Store) -> None:
        self.store = store

    @_guarded
    def run(self, query: str, limit: int) -> list[SearchHit]:
        long_terms, short_terms = split_terms(query)
        if not long_terms and not short_terms:
            return []
        fetch = limit * _FETCH_FACTOR
        if long_terms:
            rows = self._fts(long_terms, short_terms, fetch)
        else:
            rows = self._scan(short_terms, fetch)
        return self._group(rows, short_terms, scanned=not long_terms, limit=limit)

    def _fts(self, long_terms: list[str], short_terms: list[str], fetch: int) -> list[tuple]:
        sql = (
            "SELECT m.id, m.conversation_id, m.role,"
            " snippet(messages_fts, 0, ?, ?, '…', ?), c.title, c.updated"
            " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE messages_fts MATCH ?"
            + "".join(" AND m.content LIKE ? ESCAPE '\\'" for _ in short_terms)
            + " ORDER BY rank LIMIT ?"
        )
        match = " ".join(_fts_phrase(t) for t in long_terms)
        args = [HL_START, HL_END, SNIPPET_TOKENS, match, *map(_like, short_terms), fetch]
        return self.store.conn.execute(sql, args).fetchall()

    def _scan(self, short_terms: list[str], fetch: int) -> list[tuple]:
        sql = (
            "SELECT m.id, m.conversation_id, m.role, m.content, c.title, c.updated"
            " FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE "
            + " AND ".join("m.content LIKE ? ESCAPE '\\'" for _ in short_terms)
            + " ORDER BY m.id DESC LIMIT ?"
        )
        return self.store.conn.execute(sql, [*map(_like, short_terms), fetch]).fetchall()

    @staticmethod
    def _group(rows: list[tuple], short_terms: list[str], *, scanned: bool, limit: int) -> list[SearchHit]:
        """One hit per conversation (its best message); short terms marked in the snippet."""
        hits: dict[str, SearchHit] = {}
        for mid, cid, role, text, title, updated in rows:
            if cid in hits:
                continue
            if scanned:
                snippet = _snippet_around(text, short_terms)
            else:
                snippet = " ".join(text.split())
                for term in short_terms:
                    snippet = _mark(snippet, term)
            hits[cid] = SearchHit(cid, title, updated, mid, role, snippet)
            if len(hits) == limit:
                break
        return list(hits.values())


def search(store: Store, query: str, limit: int = 20) -> list[SearchHit]:
    """Conversations matching every term of ``query``, best first, one hit each."""
    return _Search(store).run(query, limit)
