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

from aigc_cli.store.db import Store, _guarded

HL_START = "\x02"
HL_END = "\x03"
SNIPPET_CHARS = 120
MATCH_WINDOW = 64  # an indexed hit's window, as long as FTS5's snippet() gave (64 trigram tokens)
RANK_WINDOW = 2000  # a term in more messages than this lists newest first (see _Search._ranked)
_LIKE_SQL = " m.content LIKE ? ESCAPE '\\'"
_WINDOW = 1 << 20  # characters lowered at a time when looking for a match case-insensitively
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


def _snippet_around(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> str:
    """The text around the first term (``width`` characters), terms marked."""
    pos = _first_match(text, terms)
    start = max(0, pos - width // 3)
    piece = _mark_all(" ".join(text[start : start + width].split()), terms)
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def _first_match(text: str, terms: list[str]) -> int:
    """Where a term occurs (0 if none): linear, and fast on a 50 MB message.

    An exact-case ``str.find`` first (a fast search); else the text in 1 MB
    windows, lowered one window at a time (``re.IGNORECASE`` compares
    character by character: seconds on 50 MB).
    """
    exact = [p for p in (text.find(t) for t in terms) if p >= 0]
    if exact:
        return min(exact)
    lowered = [t.lower() for t in terms if t]
    overlap = max((len(t) for t in lowered), default=1)
    for start in range(0, len(text), _WINDOW):
        window = text[start : start + _WINDOW + overlap].lower()
        found = [p for p in (window.find(t) for t in lowered) if p >= 0]
        if found:
            return start + min(found)
    return 0


def _mark_all(text: str, terms: list[str]) -> str:
    for term in terms:
        text = _mark(text, term)
    return text


def _mark(text: str, term: str) -> str:
    out, low, t, i = [], text.lower(), term.lower(), 0
    while (j := low.find(t, i)) >= 0:
        out += [text[i:j], HL_START, text[j : j + len(t)], HL_END]
        i = j + len(t)
    return "".join(out) + text[i:]


class _Search:
    """One search: find candidate messages, keep each conversation's best, make snippets."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.error = store.error  # for @_guarded

    @_guarded
    def run(self, query: str, limit: int) -> list[SearchHit]:
        from aigc_cli.store.stoppable import stoppable

        with stoppable(self.store.conn):  # Ctrl-C/SIGTERM stop a search at once
            return self._run(query, limit)
        return []  # the signal was delivered above (stoppable raises); for type checkers

    def _run(self, query: str, limit: int) -> list[SearchHit]:
        long_terms, short_terms = split_terms(query)
        if not long_terms:
            if not short_terms:
                return []
            rows = self._scan(short_terms, limit * _FETCH_FACTOR)
            return [self._hit(r, _snippet_around(r[3], short_terms)) for r in _best_per_conversation(rows, limit)]
        phrases = [_fts_phrase(t) for t in long_terms]
        match = " ".join(phrases)
        rows = _best_per_conversation(self._ranked(match, phrases, short_terms, limit * _FETCH_FACTOR), limit)
        terms = long_terms + short_terms
        return [self._hit(r, self._snippet(match, r[0], terms, short_terms)) for r in rows]

    def _ranked(self, match: str, phrases: list[str], short_terms: list[str], fetch: int) -> list[tuple]:
        """Index hits, best first: bm25 when every term is selective, else newest first.

        bm25 weighs a term by how many messages hold it, which FTS5 counts
        over the whole index: for a word in most messages that costs time in
        proportion to the store, and such a word carries little weight
        anyway. So a query with a term in more than ``RANK_WINDOW`` messages
        lists the newest matches first, and every other query is ranked
        exactly; either way the work is bounded, whatever the store's size.
        """
        common = any(self._more_than(p, RANK_WINDOW) for p in phrases)
        sql = (
            "SELECT f.rowid, m.conversation_id, m.role, NULL, c.title, c.updated"
            " FROM messages_fts f JOIN messages m ON m.id = f.rowid"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE messages_fts MATCH ?"
            + "".join(" AND" + _LIKE_SQL for _ in short_terms)
            + (" ORDER BY f.rowid DESC" if common else " ORDER BY f.rank, f.rowid DESC")
            + " LIMIT ?"
        )
        return self.store.conn.execute(sql, [match, *map(_like, short_terms), fetch]).fetchall()

    def _more_than(self, phrase: str, n: int) -> bool:
        sql = "SELECT count(*) FROM (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? LIMIT ?)"
        return self.store.conn.execute(sql, (phrase, n + 1)).fetchone()[0] > n

    def _snippet(self, match: str, mid: int, terms: list[str], short_terms: list[str]) -> str:
        """A short message whole, a long one as the window around its first match; every term marked.

        Not FTS5's ``snippet()``: it scores every window of the message, which
        is quadratic in the message's length (a 250 KB message took minutes).
        """
        (text,) = self.store.conn.execute("SELECT content FROM messages WHERE id = ?", (mid,)).fetchone()
        if len(text) <= SNIPPET_CHARS:
            return _mark_all(" ".join(text.split()), terms)
        return _snippet_around(text, terms, MATCH_WINDOW)

    def _scan(self, short_terms: list[str], fetch: int) -> list[tuple]:
        """Terms too short for trigrams: newest messages first, until enough match."""
        sql = (
            "SELECT m.id, m.conversation_id, m.role, m.content, c.title, c.updated"
            " FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE "
            + " AND".join(_LIKE_SQL for _ in short_terms)
            + " ORDER BY m.id DESC LIMIT ?"
        )
        return self.store.conn.execute(sql, [*map(_like, short_terms), fetch]).fetchall()

    @staticmethod
    def _hit(row: tuple, snippet: str) -> SearchHit:
        mid, cid, role, _text, title, updated = row
        return SearchHit(cid, title, updated, mid, role, snippet)


def _best_per_conversation(rows: list[tuple], limit: int) -> list[tuple]:
    """The first (best) row of each conversation, up to ``limit`` conversations."""
    seen: set[str] = set()
    out = []
    for row in rows:
        if row[1] not in seen:
            seen.add(row[1])
            out.append(row)
            if len(out) == limit:
                break
    return out


def search(store: Store, query: str, limit: int = 20) -> list[SearchHit]:
    """Conversations matching every term of ``query``, best first, one hit each."""
    return _Search(store).run(query, limit)
