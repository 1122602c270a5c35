"""Syncing under stress: Ctrl-C in the middle, and two syncs of one base at once."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.conftest import AIGC
from tests.fixtures.kb_files import make_notes

N_FILES = 3000


def db_of(home: Path, name: str = "notes") -> Path:
    return home / "kb" / f"{name}.db"


def counts(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db, timeout=30) as conn:
        files = conn.execute("SELECT count(*) FROM files").fetchone()[0]
        chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
    return files, chunks


def assert_consistent(db: Path) -> None:
    """SQLite's own checks, both full-text indexes against their content, no orphans or duplicates."""
    with sqlite3.connect(db, timeout=30) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO chunks_word(chunks_word) VALUES ('integrity-check')")
        orphans = conn.execute("SELECT count(*) FROM chunks WHERE file_id NOT IN (SELECT id FROM files)").fetchone()[0]
        assert orphans == 0
        dupes = conn.execute("SELECT count(*) FROM (SELECT file_id, seq FROM chunks GROUP BY 1, 2 HAVING count(*) > 1)")
        assert dupes.fetchone()[0] == 0
        word_rows = conn.execute("SELECT count(*) FROM chunks_word").fetchone()[0]
        assert word_rows == conn.execute("SELECT count(*) FROM chunks").fetchone()[0]


def wait_for_files(db: Path, proc: subprocess.Popen, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                files, _ = counts(db)
            except sqlite3.OperationalError:
                files = 0
            if files:
                return files
        time.sleep(0.01)
    return 0


def test_ctrl_c_during_sync_keeps_what_was_committed_and_the_next_sync_finishes(aigc, tmp_path):
    folder = tmp_path / "many"
    make_notes(folder, N_FILES)
    proc = subprocess.Popen(
        [AIGC, "kb", "add", str(folder)],
        env=aigc.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    db = db_of(aigc.home)
    assert wait_for_files(db, proc) > 0
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert "interrupted" in err.decode()
    kept, _ = counts(db)
    assert 0 < kept < N_FILES
    assert_consistent(db)
    r = aigc("kb", "sync", timeout=300)
    assert r.code == 0, r.err
    assert f"{N_FILES - kept} new" in r.err
    assert counts(db)[0] == N_FILES
    assert_consistent(db)


def test_two_syncs_at_once_index_every_file_exactly_once(aigc, tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    assert aigc("kb", "add", str(folder)).code == 0
    make_notes(folder, 1500)
    procs = [
        subprocess.Popen(
            [AIGC, "kb", "sync"], env=aigc.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    errs = [p.communicate(timeout=300)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    db = db_of(aigc.home)
    files, chunks = counts(db)
    assert files == 1500 and chunks == 1500
    assert_consistent(db)
    again = aigc("kb", "sync")
    assert "0 new, 0 modified, 0 deleted, 0 renamed, 1500 unchanged" in again.err
