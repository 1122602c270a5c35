"""Issue #25 sections 3 and 4 in-process: the answer guard, stoppable searches, imports that
roll back on a signal and say what they committed, linear memory imports (real SQLite)."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from aigc_cli.backends.fake import FakeBackend
from aigc_cli.config import LimitsSettings
from aigc_cli.messages import Chunk, GenOptions, Message
from aigc_cli.backends.guard import AnswerTooLarge, NoTokens
from aigc_cli.session.turn import generate
from aigc_cli.store.db import Store


class Endless(FakeBackend):
    """Text forever, or one piece and then silence (a stalled model or server)."""

    def __init__(self, piece: str, stall_after: int | None = None) -> None:
        super().__init__()
        self.piece, self.stall_after = piece, stall_after

    def stream(self, messages: Sequence[Message], options: GenOptions) -> Iterator[Chunk]:
        n = 0
        while True:
            if self.stall_after is not None and n >= self.stall_after:
                time.sleep(3600)
            n += 1
            yield Chunk(text=self.piece)


def ask(backend: FakeBackend, limits: LimitsSettings, stream: bool = True):
    return generate(backend, [Message(role="user", content="hi")], GenOptions(), stream=stream, limits=limits)


def test_an_endless_answer_is_cut_at_answer_bytes_and_kept_as_interrupted():
    answer, error = ask(Endless("é" * 1000), LimitsSettings(answer_bytes=5001))
    assert isinstance(error, AnswerTooLarge) and error.exit_code == 6
    assert answer.interrupted
    assert answer.text == "é" * 2500  # 5000 bytes: the half character that would pass the bound is left out


def test_the_size_bound_holds_for_no_stream_too():
    answer, error = ask(FakeBackend(replies=["word " * 1000]), LimitsSettings(answer_bytes=1024), stream=False)
    assert isinstance(error, AnswerTooLarge)
    assert answer.text == ("word " * 1000)[:1024]


def test_a_stalled_stream_ends_after_token_timeout_with_the_text_so_far():
    started = time.monotonic()
    answer, error = ask(Endless("so far ", stall_after=2), LimitsSettings(token_timeout=0.5))
    assert time.monotonic() - started < 30
    assert isinstance(error, NoTokens) and error.exit_code == 4
    assert (answer.text, answer.interrupted) == ("so far so far ", True)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)  # the timer's handler is gone
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_answer_within_the_bounds_is_untouched():
    answer, error = ask(FakeBackend(replies=["a normal answer"]), LimitsSettings())
    assert error is None and answer.text == "a normal answer" and not answer.interrupted


def test_the_summaries_context_fitting_asks_for_are_bounded_too():
    from aigc_cli.context.request import backend_ask

    endless = backend_ask(Endless("é" * 1000), GenOptions(), LimitsSettings(answer_bytes=4000))
    with pytest.raises(AnswerTooLarge):
        endless([Message(role="user", content="condense this")], 100)
    started = time.monotonic()
    stalled = backend_ask(Endless("so far ", stall_after=1), GenOptions(), LimitsSettings(token_timeout=0.5))
    with pytest.raises(NoTokens):
        stalled([Message(role="user", content="condense this")], 100)
    assert time.monotonic() - started < 30


def test_summarizes_map_steps_keep_the_users_bounds():
    from aigc_cli.session.mapreduce import Summarizer

    worker = Summarizer(Endless("é" * 1000), GenOptions(), None, 1000, limits=LimitsSettings(answer_bytes=3000))
    with pytest.raises(AnswerTooLarge):
        worker.one(1, "a part of a long document")


# ------------------------------------------------------------------ search


def _slow_query(conn: sqlite3.Connection) -> None:
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) SELECT count(*) FROM n"
    ).fetchone()


def test_a_signal_stops_a_long_query_at_once():
    from aigc_cli.store.stoppable import stoppable

    conn = sqlite3.connect(":memory:")
    timer = threading.Timer(0.3, signal.raise_signal, (signal.SIGINT,))  # delivered to the main thread
    started = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        with stoppable(conn):
            _slow_query(conn)
    assert time.monotonic() - started < 5  # the whole count takes minutes
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_search_over_a_long_message_snippets_around_the_first_match(tmp_path: Path):
    from aigc_cli.store.import_rows import write_imported
    from aigc_cli.store.rows import Imported
    from aigc_cli.store.search import HL_END, HL_START, search

    text = "lorem ipsum dolor sit amet " * 40000 + "the needle is here " + "tail " * 1000
    with Store.open(tmp_path / "h.db") as store:
        with store.transaction() as db:
            write_imported(db, [Imported(None, "long", 1.7e9, 1.7e9, messages=[("user", text, 1.7e9)])])
        hits = search(store, "needle")
    assert len(hits) == 1
    assert f"{HL_START}needle{HL_END} is here" in hits[0].snippet
    assert len(hits[0].snippet) < 200


# ------------------------------------------------------------------ imports


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("AIGC_HOME", str(tmp_path))
    with Store.open(tmp_path / "h.db") as s:
        yield s


def _count(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM memories").fetchone()[0]


def test_memory_import_reads_the_known_texts_once_not_once_per_memory(store):
    from aigc_cli.memory import store as ms

    ms.add(store, ["already here"])
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    added = ms.add_many(
        store, [(f"fact {i}", 1.7e9, False) for i in range(300)] + [("already here", 1.7e9, False)], "import"
    )
    store.conn.set_trace_callback(None)
    assert len(added) == 300
    assert sum(s.lstrip().upper().startswith("SELECT") for s in statements) == 1


def test_a_signal_while_importing_rolls_everything_back(store):
    from aigc_cli.store.bulk import write_all

    class Stop(BaseException):
        pass

    def stop(signum, frame):
        raise Stop

    previous = signal.signal(signal.SIGTERM, stop)
    reported: list[int] = []

    def write(db: sqlite3.Connection) -> int:
        for i in range(2000):
            db.execute("INSERT INTO memories(text, created, source, pinned) VALUES (?, 0, 'import', 0)", (f"m{i}",))
            if i == 1000:
                signal.raise_signal(signal.SIGTERM)  # its handler runs here, between two rows
        return 2000

    try:
        with pytest.raises(Stop):
            write_all(store, write, reported.append)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert reported == [] and _count(store) == 0


def test_a_signal_during_the_commit_waits_for_the_report(store):
    from aigc_cli.store.bulk import write_all

    class Stop(BaseException):
        pass

    def stop(signum, frame):
        raise Stop

    previous = signal.signal(signal.SIGTERM, stop)
    reported: list[int] = []

    def write(db: sqlite3.Connection) -> int:
        db.executemany(
            "INSERT INTO memories(text, created, source, pinned) VALUES (?, 0, 'import', 0)",
            [(f"m{i}",) for i in range(10)],
        )
        return 10

    def trace(sql: str) -> None:
        if sql == "COMMIT":
            signal.raise_signal(signal.SIGTERM)

    try:
        store.conn.set_trace_callback(trace)
        with pytest.raises(Stop):
            write_all(store, write, reported.append)
    finally:
        store.conn.set_trace_callback(None)
        signal.signal(signal.SIGTERM, previous)
    assert reported == [10] and _count(store) == 10


def test_the_first_match_is_found_in_any_case_across_window_edges():
    from aigc_cli.store.search import _WINDOW, _first_match

    text = "a" * (_WINDOW - 3) + "NeEdLe" + "b" * 100
    assert _first_match(text, ["needle"]) == _WINDOW - 3
    assert _first_match(text, ["absent", "EDL"]) == _WINDOW - 1
    assert _first_match("nothing here", ["zzz"]) == 0
