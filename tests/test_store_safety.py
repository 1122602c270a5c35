"""The store under stress: many processes at once, SIGKILL mid-write, and
files it must refuse (damaged, not a database, from a newer aigc)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import AIGC
from tests.fixtures.openai_server import Reply

ROOT = Path(__file__).resolve().parent.parent


def worker(env, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fixtures.store_worker", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def db(home):
    return sqlite3.connect(home / "history.db")


def integrity(home):
    with db(home) as conn:
        conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
        return conn.execute("PRAGMA integrity_check").fetchall()


def test_eight_processes_twenty_turns_each_lose_nothing(aigc_api, fake):
    fake.default = Reply(text=None, echo=True)
    procs = [worker(aigc_api.env, "turns", f"w{i}", "20") for i in range(8)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    with db(aigc_api.home) as conn:
        convs = conn.execute("SELECT id FROM conversations").fetchall()
        assert len(convs) == 8
        for (cid,) in convs:
            rows = conn.execute(
                "SELECT role, content, status FROM messages WHERE conversation_id = ? ORDER BY id", (cid,)
            ).fetchall()
            name = rows[0][1].split()[0]
            expected = []
            for i in range(20):
                expected += [("user", f"{name} turn {i}", "complete"), ("assistant", f"{name} turn {i}", "complete")]
            assert rows == expected
    assert len(fake.chat_requests) == 160


def test_parallel_aigc_commands_all_store_their_turn(aigc_api, fake):
    procs = [
        subprocess.Popen(
            [AIGC, "ask", f"question {i}"],
            env=aigc_api.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(6)
    ]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    with db(aigc_api.home) as conn:
        asked = conn.execute("SELECT content FROM messages WHERE role = 'user'").fetchall()
    assert sorted(q for (q,) in asked) == [f"question {i}" for i in range(6)]


def test_sigkill_during_writes_keeps_every_committed_turn(aigc_api):
    committed = []
    for after, delay in ((1, 0.0), (2, 0.05), (3, 0.2)):
        proc = worker(aigc_api.env, "writes", f"k{after}")
        # kill once the worker has committed `after` turns (a fixed delay from the start may land
        # before a loaded machine has even opened the store), then a little later, mid-write
        seen = [proc.stdout.readline() for _ in range(after)]
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        committed += [line.split() for line in "".join(seen).splitlines() + out.splitlines()]
        assert integrity(aigc_api.home) == [("ok",)]
    assert committed, "the worker never committed a turn"
    with db(aigc_api.home) as conn:
        for name, cid, uid, mid, i in committed:
            rows = conn.execute(
                "SELECT id, conversation_id, content FROM messages WHERE id IN (?, ?) ORDER BY id", (uid, mid)
            ).fetchall()
            assert [(r[0], r[1]) for r in rows] == [(int(uid), cid), (int(mid), cid)]
            assert rows[0][2] == f"{name} question {i}"
            assert rows[1][2].startswith(f"{name} answer {i} ")


def test_sigkill_mid_answer_keeps_the_question_and_the_store_usable(aigc_api, fake):
    fake.push(Reply(text="one two three four five six", chunk_delay=0.5), Reply(text="fine"))
    proc = subprocess.Popen(
        [AIGC, "ask", "slow question"],
        env=aigc_api.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.read(4) == b"one "
    proc.kill()
    proc.wait(timeout=10)
    assert integrity(aigc_api.home) == [("ok",)]
    r = aigc_api("ask", "-c", "next question")
    assert r.code == 0, r.err
    with db(aigc_api.home) as conn:
        assert conn.execute("SELECT role, content FROM messages ORDER BY id").fetchall() == [
            ("user", "slow question"),
            ("user", "next question"),
            ("assistant", "fine"),
        ]
    assert [m["content"] for m in fake.chat_requests[-1]["json"]["messages"]] == ["next question"]


def test_ctrl_c_during_a_write_waits_for_the_commit_then_interrupts(aigc_api):
    proc = worker(aigc_api.env, "interrupted", "c")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode != 0 and "KeyboardInterrupt" in err
    assert "not reached" not in out
    with db(aigc_api.home) as conn:
        assert conn.execute("SELECT role, content, status FROM messages ORDER BY id").fetchall() == [
            ("user", "c question (edited)", "complete"),
            ("assistant", "partial answer", "interrupted"),
        ]


# ------------------------------------------------------------ files it must refuse


def test_a_file_that_is_not_a_database_is_refused_and_left_untouched(aigc_api, fake):
    path = aigc_api.home / "history.db"
    junk = b"these are my notes, not a database\n" * 100
    path.write_bytes(junk)
    for args in (("ask", "hi"), ("history", "list"), ("history", "search", "notes")):
        r = aigc_api(*args)
        assert r.code == 3, args  # a damaged store: "bad file" (#26 item 16), not "unexpected"
        assert "conversation store" in r.err and "Traceback" not in r.err
    assert path.read_bytes() == junk
    assert fake.chat_requests == []


def test_a_damaged_database_gives_a_clear_error_not_a_traceback(aigc_api, fake):
    aigc_api("ask", "a question worth keeping")
    path = aigc_api.home / "history.db"
    with db(aigc_api.home) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    data[page:] = b"\xde\xad\xbe\xef" * ((len(data) - page) // 4)
    path.write_bytes(bytes(data))
    for args in (("history", "list"), ("history", "search", "worth")):
        r = aigc_api(*args)
        assert r.code == 3, args  # a damaged store: "bad file" (#26 item 16), not "unexpected"
        assert "conversation store" in r.err and "untouched" in r.err
        assert "Traceback" not in r.err
    assert path.read_bytes() == bytes(data)


def test_no_log_still_answers_when_the_store_is_damaged(aigc_api, fake):
    (aigc_api.home / "history.db").write_bytes(b"garbage" * 100)
    fake.push(Reply(text="still here"))
    r = aigc_api("ask", "--no-log", "hi")
    assert (r.code, r.out) == (0, "still here\n")


def test_a_store_path_that_is_a_directory_is_a_clear_error(aigc_api):
    (aigc_api.home / "history.db").mkdir()
    r = aigc_api("history", "list")
    assert r.code == 3
    assert "conversation store" in r.err
