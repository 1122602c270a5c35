"""Bring a base up to date with its folders: only what changed is read again.

A file whose size and mtime match its row is not opened at all, which keeps
a sync with nothing to do at a directory walk plus one query. A changed file
is read and hashed: the same hash means only its timestamp moved (or it was
renamed: a new path whose hash matches a vanished file's), so its passages
and vectors are kept; otherwise it is extracted and chunked again.

Reading, extracting and chunking run in worker processes when many files
changed (the writer, SQLite's FTS5, is then the only serial part); at most a
few batches are read ahead, so memory stays flat however big the folder.
Work is committed in batches of files. Ctrl-C rolls back only the batch in
flight; the next sync finds those files still changed and does them. Two
syncs at once take turns on the write lock, and each re-checks a file's row
inside its transaction, so the one that comes second skips what the first
did instead of doing it twice.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from aigc_cli.errors import AigcError
from aigc_cli.kb import chunk as chunking
from aigc_cli.kb import extract, files
from aigc_cli.kb.index import KnowledgeBase
from aigc_cli.kb.terms import index_text

MAX_FILE_BYTES = 32 * 1024 * 1024
BATCH_FILES = 256
BATCH_BYTES = 8 * 1024 * 1024
EMBED_BATCH = 32
POOL_MIN_FILES = 512  # fewer changed files than this are prepared in-process (no pool start-up)
MAX_WORKERS = 3

Embedder = Callable[[list[str]], list[list[float]]]
SKIP_BINARY = "binary"
SKIP_EMPTY = "empty"


class Progress(Protocol):
    def start(self, total: int, what: str) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def finish(self) -> None: ...


@dataclass(slots=True)
class SyncReport:
    """What one sync did; ``skipped`` lists (path, reason) met in this sync."""

    new: int = 0
    modified: int = 0
    deleted: int = 0
    renamed: int = 0
    unchanged: int = 0
    chunks: int = 0
    embedded: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    missing_roots: list[str] = field(default_factory=list)
    seconds: float = 0.0
    embed_error: AigcError | None = None  # embedding stopped; the passages are indexed by keyword anyway


@dataclass(slots=True)
class _Item:
    stat: files.FileStat
    digest: str | None
    chunks: list[chunking.Chunk] = field(default_factory=list)
    skip: str | None = None
    terms: list[tuple[str, str]] | None = None  # the word index's text per chunk (terms.bigrams)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _prepare(fs: files.FileStat) -> _Item:
    """Read, hash, extract and chunk one changed file (no database work).

    A file that gives no passage is kept as a row with its reason (``SKIP_*``),
    so that ``kb add`` can name it and ``kb list --verbose`` list it later.
    """
    if fs.skip:
        return _Item(fs, None, skip=fs.skip)
    if files.known_binary(fs.path):
        return _Item(fs, None, skip=SKIP_BINARY)
    if fs.size > MAX_FILE_BYTES:
        return _Item(fs, None, skip=f"too large (over {MAX_FILE_BYTES // (1024 * 1024)} MB)")
    try:
        with open(fs.path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return _Item(fs, None, skip=f"unreadable ({exc.strerror or exc})")
    digest = _digest(data)
    try:
        text = extract.extract(fs.path, data)
    except extract.Unreadable as exc:
        reason = str(exc)
        return _Item(fs, digest, skip=SKIP_BINARY if reason == "binary file" else f"unreadable ({reason})")
    chunks = chunking.chunk_text(text.text, text.kind)
    if not chunks:
        return _Item(fs, digest, skip=SKIP_EMPTY)
    return _Item(fs, digest, chunks, terms=[(index_text(c.heading), index_text(c.text)) for c in chunks])


def _prepare_many(stats: list[files.FileStat]) -> list[_Item]:
    return [_prepare(fs) for fs in stats]


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the main process, which rolls back and stops them."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _scan(kb: KnowledgeBase, report: SyncReport) -> dict[str, files.FileStat]:
    excludes = [p.rstrip("/") for p in kb.roots(exclude=True)]
    disk: dict[str, files.FileStat] = {}
    for root in kb.roots():
        if not os.path.exists(root):
            report.missing_roots.append(root)
            continue
        for fs in files.walk(root):
            if not any(fs.path == e or fs.path.startswith(e + "/") for e in excludes):
                disk[fs.path] = fs
    return disk


class _Syncer:
    def __init__(self, kb: KnowledgeBase, embedder: Embedder | None, progress: Progress | None) -> None:
        self.kb = kb
        self.embedder = embedder
        self.progress = progress
        self.report = SyncReport()
        self.gone_by_hash: dict[str, tuple[str, int]] = {}

    def run(self) -> SyncReport:
        started = time.monotonic()
        disk = _scan(self.kb, self.report)
        known = self.kb.file_rows()
        changed = [fs for p, fs in disk.items() if p not in known or known[p][1:3] != (fs.size, fs.mtime_ns)]
        self.report.unchanged = len(disk) - len(changed)
        gone = {p: row for p, row in known.items() if p not in disk}
        self.gone_by_hash = {row[3]: (p, row[0]) for p, row in gone.items() if row[3] and not row[4]}
        if self.progress and changed:
            self.progress.start(len(changed), f"indexing {self.kb.name}")
        try:
            self._index(changed, known)
            self._delete(gone, disk)
            if self.embedder is not None:
                self._embed_missing()
            with self.kb.write():
                self.kb.set_meta("last_sync", str(time.time()))
        finally:
            if self.progress and changed:
                self.progress.finish()
        self.report.seconds = time.monotonic() - started
        return self.report

    def _index(self, changed: list[files.FileStat], known: dict) -> None:
        """Prepare batches (in worker processes when there is much to do) and commit each in turn."""
        batches = list(_batches(changed))
        workers = min(MAX_WORKERS, (os.cpu_count() or 1) - 1)
        if len(changed) < POOL_MIN_FILES or workers < 1:
            for stats in batches:
                self._commit(_prepare_many(stats), known)
            return
        import multiprocessing
        from collections import deque
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(workers, multiprocessing.get_context("forkserver"), initializer=_ignore_sigint)
        try:
            pending: deque = deque()
            todo = iter(batches)
            for stats in todo:
                pending.append(pool.submit(_prepare_many, stats))
                if len(pending) > workers + 1:  # bounded read-ahead keeps memory flat
                    self._commit(pending.popleft().result(), known)
            while pending:
                self._commit(pending.popleft().result(), known)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _commit(self, batch: list[_Item], known: dict) -> None:
        vectors = self._vectors(batch)
        with self.kb.write():
            for item in batch:
                self._apply(item, known, vectors.get(id(item)))
        if self.progress:
            self.progress.advance(len(batch))

    def _vectors(self, batch: list[_Item]) -> dict[int, list[list[float]]]:
        """Embeddings for a batch's passages, fetched before the write lock is taken."""
        if self.embedder is None:
            return {}
        texts, owners = [], []
        for item in batch:
            for c in item.chunks:
                texts.append(embed_text(c.heading, c.text))
                owners.append(id(item))
        out: dict[int, list[list[float]]] = {}
        try:
            for start in range(0, len(texts), EMBED_BATCH):
                vecs = self.embedder(texts[start : start + EMBED_BATCH])
                for owner, vec in zip(owners[start : start + EMBED_BATCH], vecs):
                    out.setdefault(owner, []).append(vec)
        except AigcError as exc:
            self._embedding_failed(exc)
            return {}
        return out

    def _embedding_failed(self, exc: AigcError) -> None:
        """Stop embedding for this sync and keep indexing by keyword: the error goes in the report.

        The passages stay without vectors, so the next sync (``_embed_missing``)
        embeds them once the server can.
        """
        self.report.embed_error = exc
        self.embedder = None

    def _apply(self, item: _Item, known: dict, vectors: list[list[float]] | None) -> None:
        fs, kb = item.stat, self.kb
        row = kb.file_row(fs.path)
        if row is not None and row[1:3] == (fs.size, fs.mtime_ns):
            return  # another sync got here first
        if row is not None and item.digest and row[3] == item.digest and not row[4]:
            kb.touch_file(row[0], fs.path, fs.size, fs.mtime_ns)
            return
        if row is None and item.digest and item.digest in self.gone_by_hash:
            old_path, old_id = self.gone_by_hash.pop(item.digest)
            if kb.file_row(old_path) is not None and not os.path.exists(old_path):
                kb.touch_file(old_id, fs.path, fs.size, fs.mtime_ns)
                self.report.renamed += 1
                return
        ids = kb.put_file(fs.path, fs.size, fs.mtime_ns, item.digest, item.chunks, item.skip, item.terms)
        if vectors:
            if kb.vector_dim() is None:
                kb.ensure_vec_table(len(vectors[0]))
            kb.put_vectors(ids, vectors)
        if item.skip:
            self.report.skipped.append((fs.path, item.skip))
            return
        self.report.chunks += len(ids)
        if fs.path in known:
            self.report.modified += 1
        else:
            self.report.new += 1

    def _delete(self, gone: dict, disk: dict) -> None:
        with self.kb.write():
            for path in gone:
                row = self.kb.file_row(path)
                if row is not None and path not in disk and not os.path.exists(path):
                    self.kb.delete_file(row[0])
                    self.report.deleted += 1

    def _embed_missing(self) -> None:
        """Vectors for passages that have none (first embedding, a new model, an interrupted sync)."""
        while True:
            rows = self.kb.unembedded(EMBED_BATCH * 4)
            if not rows:
                return
            vectors: list[list[float]] = []
            try:
                for start in range(0, len(rows), EMBED_BATCH):
                    vectors += self.embedder([embed_text(h, t) for _, h, t in rows[start : start + EMBED_BATCH]])  # type: ignore[misc]
            except AigcError as exc:
                self._embedding_failed(exc)
                return
            with self.kb.write():
                if self.kb.vector_dim() is None:
                    self.kb.ensure_vec_table(len(vectors[0]))
                live = {
                    r[0]
                    for r in self.kb.conn.execute(
                        f"SELECT id FROM chunks WHERE id IN ({','.join('?' * len(rows))})", [r[0] for r in rows]
                    )
                }
                pairs = [(r[0], v) for r, v in zip(rows, vectors) if r[0] in live]
                self.kb.put_vectors([p[0] for p in pairs], [p[1] for p in pairs])
            self.report.embedded += len(pairs)


def _batches(changed: list[files.FileStat]):
    """Runs of files of at most BATCH_FILES files or BATCH_BYTES bytes: one commit each."""
    batch: list[files.FileStat] = []
    size = 0
    for fs in changed:
        batch.append(fs)
        size += fs.size
        if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def embed_text(heading: str, text: str) -> str:
    """What gets embedded: the heading path gives a passage its topic."""
    return f"{heading}\n{text}" if heading else text


def sync(kb: KnowledgeBase, embedder: Embedder | None = None, progress: Progress | None = None) -> SyncReport:
    """Index what changed under the base's folders; see the module docstring."""
    return _Syncer(kb, embedder, progress).run()
