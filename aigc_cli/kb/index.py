"""One knowledge base = one SQLite file: files, passages, and their search indexes.

Each base lives in ``<data dir>/kb/NAME.db`` so that a big base never slows
the history store and ``kb rm`` is one file. WAL and a busy timeout let
several processes read and sync at once; every write happens inside
``BEGIN IMMEDIATE`` so two syncs take turns instead of failing.

Passages are indexed by one FTS5 table, ``chunks_word`` (contentless: the
text lives once, in ``chunks``; the index is written and deleted here because
what it indexes is transformed), with unicode61 + Porter stemming over
``terms.index_text`` of the text: English words by stem (``installing`` finds
``install``), Chinese and Japanese as single characters and overlapping
character pairs (see ``terms``). A base indexed by an older ``terms.VERSION``
has its word index rebuilt from the stored passages when it is opened (once;
the passages themselves are kept). A trigram table beside it was measured on the bench's notes: it
made indexing 2.4x slower and the base 2.7x bigger, and character pairs
already match CJK words inside runs (recall in bench/RESULTS.md). Vectors, when a base has an embedding model, live in a
``sqlite-vec`` table keyed by the passage id.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aigc_cli import paths
from aigc_cli.errors import ConfigError, StoreError, UsageError
from aigc_cli.kb import terms
from aigc_cli.kb.terms import index_text

DEFAULT_BASE = "notes"
BUSY_MS = 30000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS roots(path TEXT PRIMARY KEY, exclude INTEGER NOT NULL DEFAULT 0, added REAL NOT NULL);
CREATE TABLE IF NOT EXISTS files(
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    hash TEXT, skip TEXT, indexed REAL NOT NULL);
CREATE TABLE IF NOT EXISTS chunks(
    id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, seq INTEGER NOT NULL,
    start_line INTEGER NOT NULL, end_line INTEGER NOT NULL, heading TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_file ON chunks(file_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_word USING fts5(
    heading, text, content='', tokenize='porter unicode61 remove_diacritics 2');
"""


@dataclass(slots=True)
class BaseInfo:
    """What `kb list` shows about one base (a dataclass: `kb` commands never import pydantic)."""

    name: str
    path: str
    folders: list[str]
    files: int
    chunks: int
    skipped: int
    last_sync: float | None
    embed_model: str | None = None
    embed_backend: str | None = None


def kb_dir() -> Path:
    return paths.data_dir() / "kb"


def check_name(name: str) -> str:
    from aigc_cli import names

    return names.check(name, "knowledge base")


def db_file(name: str) -> Path:
    return kb_dir() / f"{check_name(name)}.db"


def names() -> list[str]:
    folder = kb_dir()
    return sorted(p.stem for p in folder.glob("*.db")) if folder.is_dir() else []


def _vec_sqlite() -> Any:
    """An sqlite3 module that can load sqlite-vec (the stdlib one, if built to allow it)."""
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3
    try:
        import pysqlite3.dbapi2 as mod
    except ImportError:
        raise ConfigError(
            "this Python's sqlite3 cannot load extensions, which vector search needs",
            hint="pip install 'aigc-cli[embed]' (pysqlite3-binary), or keep the base keyword-only",
        ) from None
    return mod


class KnowledgeBase:
    """An open base. Use as a context manager; every write is one short transaction."""

    def __init__(self, name: str, conn: Any, path: Path) -> None:
        self.name = name
        self.conn = conn
        self.path = path
        self.vectors = False

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, name: str, create: bool = False) -> "KnowledgeBase":
        path = db_file(name)
        if not path.exists() and not create:
            known = ", ".join(names()) or "none yet"
            raise UsageError(f"no knowledge base named {name!r} (bases: {known})", hint="aigc kb add PATH --kb NAME")
        from aigc_cli import fileio

        fileio.prepare_private_db(path)  # a base holds the user's text: 0600 in a 0700 folder
        kb = cls(name, _connect(sqlite3, path), path)
        try:
            kb._init_schema()
            if kb.meta("embed_model"):
                kb.conn.close()
                kb.conn = _connect(_vec_sqlite(), path)
                kb._load_vec()
        except sqlite3.DatabaseError as exc:
            kb.conn.close()
            from aigc_cli.store.faults import storage_fault, store_error

            if storage_fault(exc, path):  # full disk or read-only: the base is fine, say what is wrong
                raise store_error(exc, path, what="the knowledge base") from None
            raise StoreError(f"knowledge base {path} cannot be read: {exc}", hint="kb rm it and add again") from None
        return kb

    def _init_schema(self) -> None:
        if self.conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'chunks_word'").fetchone()[0]:
            if self.meta("terms") != terms.VERSION:
                self._rebuild_words()
            return
        # executescript commits whatever is open, so the script is its own transaction
        created = repr(str(time.time()))
        self.conn.executescript(
            "BEGIN IMMEDIATE;" + SCHEMA + f"INSERT OR IGNORE INTO meta VALUES ('created', {created});"
            f"INSERT OR REPLACE INTO meta VALUES ('terms', {terms.VERSION!r});COMMIT;"
        )

    def _rebuild_words(self) -> None:
        """The word index again from the stored passages, with this version's terms."""
        with self.write():
            if self.meta("terms") == terms.VERSION:
                return  # another process did it while we waited for the lock
            self.conn.execute("INSERT INTO chunks_word(chunks_word) VALUES ('delete-all')")
            rows = self.conn.execute("SELECT id, heading, text FROM chunks").fetchall()
            self.conn.executemany(
                "INSERT INTO chunks_word(rowid, heading, text) VALUES (?, ?, ?)",
                [(cid, index_text(h), index_text(t)) for cid, h, t in rows],
            )
            self.set_meta("terms", terms.VERSION)

    def _load_vec(self) -> None:
        import sqlite_vec

        self.conn.enable_load_extension(True)
        sqlite_vec.load(self.conn)
        self.conn.enable_load_extension(False)
        self.vectors = True

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ transactions

    def write(self) -> "_Write":
        """``with kb.write():`` one IMMEDIATE transaction; rolled back on any exception (Ctrl-C too)."""
        return _Write(self.conn)

    # ------------------------------------------------------------ meta and roots

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self.conn.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def roots(self, exclude: bool = False) -> list[str]:
        rows = self.conn.execute("SELECT path FROM roots WHERE exclude = ? ORDER BY path", (int(exclude),))
        return [r[0] for r in rows]

    def add_root(self, path: str) -> None:
        with self.write():
            self.conn.execute(
                "DELETE FROM roots WHERE exclude = 1 AND (path = ? OR path LIKE ? ESCAPE '\\')", (path, _under(path))
            )
            self.conn.execute("INSERT OR IGNORE INTO roots VALUES (?, 0, ?)", (path, time.time()))

    def forget(self, path: str) -> int:
        """Drop ``path`` (a root, a folder or a file) and what was indexed under it; returns files dropped.

        A path inside a folder that stays in the base is remembered as excluded,
        so the next sync does not bring it back.
        """
        with self.write():
            self.conn.execute("DELETE FROM roots WHERE path = ? OR path LIKE ? ESCAPE '\\'", (path, _under(path)))
            if any(path.startswith(r.rstrip("/") + "/") for r in self.roots()):
                self.conn.execute("INSERT OR REPLACE INTO roots VALUES (?, 1, ?)", (path, time.time()))
            ids = [
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM files WHERE path = ? OR path LIKE ? ESCAPE '\\'", (path, _under(path))
                )
            ]
            for fid in ids:
                self.delete_file(fid)
        return len(ids)

    # ------------------------------------------------------------ files and chunks (inside write())

    def file_rows(self) -> dict[str, tuple[int, int, int, str | None, str | None]]:
        """path -> (id, size, mtime_ns, hash, skip reason) for every known file."""
        rows = self.conn.execute("SELECT path, id, size, mtime_ns, hash, skip FROM files")
        return {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in rows}

    def file_row(self, path: str) -> tuple[int, int, int, str | None, str | None] | None:
        row = self.conn.execute("SELECT id, size, mtime_ns, hash, skip FROM files WHERE path = ?", (path,)).fetchone()
        return tuple(row) if row else None

    def delete_file(self, file_id: int) -> None:
        rows = self.conn.execute("SELECT id, heading, text FROM chunks WHERE file_id = ?", (file_id,)).fetchall()
        self.conn.executemany(
            "INSERT INTO chunks_word(chunks_word, rowid, heading, text) VALUES ('delete', ?, ?, ?)",
            [(cid, index_text(h), index_text(t)) for cid, h, t in rows],
        )
        if self.vectors:
            self.conn.execute(
                "DELETE FROM chunks_vec WHERE rowid IN (SELECT id FROM chunks WHERE file_id = ?)", (file_id,)
            )
        self.conn.execute("DELETE FROM chunks WHERE file_id = ?", (file_id,))
        self.conn.execute("DELETE FROM files WHERE id = ?", (file_id,))

    def put_file(
        self,
        path: str,
        size: int,
        mtime_ns: int,
        digest: str | None,
        chunks: list[Any],
        skip: str | None = None,
        terms: list[tuple[str, str]] | None = None,
    ) -> list[int]:
        """Replace a file's row and passages; returns the new passage ids."""
        old = self.file_row(path)
        if old is not None:
            self.delete_file(old[0])
        cur = self.conn.execute(
            "INSERT INTO files(path, size, mtime_ns, hash, skip, indexed) VALUES (?, ?, ?, ?, ?, ?)",
            (path, size, mtime_ns, digest, skip, time.time()),
        )
        fid = cur.lastrowid
        ids = []
        if terms is None:
            terms = [(index_text(c.heading), index_text(c.text)) for c in chunks]
        for seq, c in enumerate(chunks):
            cur = self.conn.execute(
                "INSERT INTO chunks(file_id, seq, start_line, end_line, heading, text) VALUES (?, ?, ?, ?, ?, ?)",
                (fid, seq, c.start_line, c.end_line, c.heading, c.text),
            )
            ids.append(cur.lastrowid)
            self.conn.execute(
                "INSERT INTO chunks_word(rowid, heading, text) VALUES (?, ?, ?)", (cur.lastrowid, *terms[seq])
            )
        return ids

    def touch_file(self, file_id: int, path: str, size: int, mtime_ns: int) -> None:
        """Same content, new path or timestamp (a rename, a `touch`): no re-indexing."""
        self.conn.execute(
            "UPDATE files SET path = ?, size = ?, mtime_ns = ?, indexed = ? WHERE id = ?",
            (path, size, mtime_ns, time.time(), file_id),
        )

    # ------------------------------------------------------------ vectors

    def vector_dim(self) -> int | None:
        row = self.meta("embed_dim")
        return int(row) if row else None

    def ensure_vec_table(self, dim: int) -> None:
        """Create the vector table for this dimension (inside write())."""
        self.conn.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vec USING vec0(embedding float[{int(dim)}] distance_metric=cosine)"
        )
        self.set_meta("embed_dim", str(dim))

    def drop_vectors(self) -> None:
        """Forget every vector (a new model never mixes with the old one's)."""
        self.conn.execute("DROP TABLE IF EXISTS chunks_vec")
        self.set_meta("embed_dim", None)

    def put_vectors(self, ids: list[int], vectors: list[list[float]]) -> None:
        import sqlite_vec

        dim = self.vector_dim()
        if any(len(v) != dim for v in vectors):
            raise ConfigError(
                f"the embedding model {self.meta('embed_model')!r} now returns {len(vectors[0])} dimensions, "
                f"but knowledge base {self.name!r} holds {dim}",
                hint=f"embed everything again: aigc kb add --kb {self.name} --no-embed PATH, then --embed MODEL",
            )

        self.conn.executemany(
            "INSERT OR REPLACE INTO chunks_vec(rowid, embedding) VALUES (?, ?)",
            [(i, sqlite_vec.serialize_float32(v)) for i, v in zip(ids, vectors)],
        )

    def unembedded(self, limit: int) -> list[tuple[int, str, str]]:
        """Passages with no vector yet: (id, heading, text)."""
        if self.vector_dim() is None:
            sql = "SELECT id, heading, text FROM chunks ORDER BY id LIMIT ?"
        else:
            sql = (
                "SELECT id, heading, text FROM chunks WHERE id NOT IN (SELECT rowid FROM chunks_vec)"
                " ORDER BY id LIMIT ?"
            )
        return [tuple(r) for r in self.conn.execute(sql, (limit,))]

    # ------------------------------------------------------------ reporting

    def skipped_files(self) -> list[tuple[str, str]]:
        """(path, reason) of every file the base holds no passage of, by path."""
        rows = self.conn.execute("SELECT path, skip FROM files WHERE skip IS NOT NULL ORDER BY path")
        return [(r[0], r[1]) for r in rows]

    def info(self) -> BaseInfo:
        q = self.conn.execute
        last = self.meta("last_sync")
        return BaseInfo(
            name=self.name,
            path=str(self.path),
            folders=self.roots(),
            files=q("SELECT count(*) FROM files WHERE skip IS NULL").fetchone()[0],
            chunks=q("SELECT count(*) FROM chunks").fetchone()[0],
            skipped=q("SELECT count(*) FROM files WHERE skip IS NOT NULL").fetchone()[0],
            last_sync=float(last) if last else None,
            embed_model=self.meta("embed_model"),
            embed_backend=self.meta("embed_backend"),
        )


class _Write:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (KeyboardInterrupt included)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


def _connect(mod: Any, path: Path) -> Any:
    conn = mod.connect(str(path), timeout=BUSY_MS / 1000, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _under(path: str) -> str:
    """A LIKE pattern for everything inside folder ``path``."""
    base = path.rstrip("/") + "/"
    return base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def remove(name: str) -> None:
    """Delete a base's files (the database and its WAL)."""
    path = db_file(name)
    if not path.exists():
        raise UsageError(f"no knowledge base named {name!r}")
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
