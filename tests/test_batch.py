"""`aigc batch`: one recipe over many inputs, resumable, cost-capped, live or on the Batch API.

Driven through the installed command against the loopback OpenAI fixture
(chat completions echo the prompt, so every output names its input) and its
Files/Batches endpoints (tests/fixtures/openai_batch.py); the store is read
with plain sqlite3, as any other program would.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import AIGC, Aigc
from tests.fixtures import openai_batch
from tests.fixtures.openai_server import Fault, FakeOpenAI, Reply


def _notes(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / f"note{i:04d}.md"
        p.write_text(f"item-{i:04d} says hello\n", encoding="utf-8")
        paths.append(p)
    return paths


def _sent_items(fake: FakeOpenAI) -> Counter[str]:
    """How often each item's marker was sent in a chat request."""
    import re

    seen: Counter[str] = Counter()
    for r in fake.chat_requests:
        text = json.dumps(r["json"])
        seen.update(set(re.findall(r"item-\d{4}", text)))
    return seen


def _db_items(home: Path) -> dict[str, str]:
    with sqlite3.connect(home / "history.db") as conn:
        return dict(conn.execute("SELECT key, status FROM batch_items").fetchall())


def _done_so_far(home: Path) -> int:
    """Items done, while the run may still be creating its store (no file or no table yet: 0)."""
    if not (home / "history.db").exists():
        return 0
    try:
        return sum(s == "done" for s in _db_items(home).values())
    except sqlite3.OperationalError:
        return 0


@pytest.fixture
def echo(fake: FakeOpenAI) -> FakeOpenAI:
    fake.default = Reply(text=None, echo=True)
    return fake


def test_two_hundred_items_with_eight_at_once(aigc_api: Aigc, echo: FakeOpenAI, tmp_path: Path) -> None:
    _notes(tmp_path / "in" / "sub", 200)
    r = aigc_api("batch", "summarize", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-j", "8", timeout=180)
    assert r.code == 0, r.err
    outs = sorted((tmp_path / "out" / "sub").glob("*.md"))
    assert len(outs) == 200
    # the output tree mirrors the inputs, and each output is its own input's answer
    assert "item-0042" in (tmp_path / "out" / "sub" / "note0042.md").read_text()
    assert all(n == 1 for n in _sent_items(echo).values()) and len(_sent_items(echo)) == 200
    assert "200 done, 0 failed" in r.err
    # nothing flooded the history: items are not conversations without --log
    assert aigc_api("history", "list").out.strip() == "" or "item-" not in aigc_api("history", "list").out


def test_same_command_again_resumes_and_sends_nothing_finished(
    aigc_api: Aigc, echo: FakeOpenAI, tmp_path: Path
) -> None:
    _notes(tmp_path / "in", 5)
    args = ("batch", "summarize", str(tmp_path / "in"), "-o", str(tmp_path / "out"))
    assert aigc_api(*args).code == 0
    before = len(echo.chat_requests)
    again = aigc_api(*args)
    assert again.code == 0 and "nothing left to do" in again.err
    assert len(echo.chat_requests) == before


def test_sigkill_mid_run_then_resume_loses_nothing_and_repeats_nothing(
    aigc_api: Aigc,
    echo: FakeOpenAI,
    tmp_path: Path,
    home: Path,
) -> None:
    _notes(tmp_path / "in", 60)
    echo.default = Reply(text=None, echo=True, first_delay=0.15)
    args = [AIGC, "batch", "summarize", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-j", "4"]
    proc = subprocess.Popen(args, env=aigc_api.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _done_so_far(home) < 15:
            time.sleep(0.2)
    finally:  # killed whatever happens: a run left going would send to the next test's server
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finished = {Path(k).name for k, s in _db_items(home).items() if s == "done"}
    assert 15 <= len(finished) < 60
    echo.default = Reply(text=None, echo=True)
    r = aigc_api("batch", "summarize", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-j", "4")
    assert r.code == 0, r.err
    assert len(list((tmp_path / "out").glob("*.md"))) == 60
    sent = _sent_items(echo)
    for name in finished:  # an item that had finished before the kill was never sent again
        assert sent[name.removesuffix(".md").replace("note", "item-")] == 1
    assert set(_db_items(home).values()) == {"done"}


def test_max_cost_stops_sending_once_the_spend_would_pass_it(aigc_api: Aigc, echo: FakeOpenAI, tmp_path: Path) -> None:
    _notes(tmp_path / "in", 30)
    # gpt-4o-mini: $0.15 / $0.60 per million tokens: 100k + 10k tokens = $0.021 an item
    echo.default = Reply(
        text=None, echo=True, usage={"prompt_tokens": 100_000, "completion_tokens": 10_000, "total_tokens": 110_000}
    )
    r = aigc_api(
        "batch",
        "summarize",
        str(tmp_path / "in"),
        "--jsonl",
        str(tmp_path / "r.jsonl"),
        "-j",
        "1",
        "--max-cost",
        "0.1",
        "-m",
        "gpt-4o-mini",
    )
    assert r.code == 8, r.err
    assert "--max-cost" in r.err
    lines = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    spent = sum(x["cost"] for x in lines)
    assert 0 < spent <= 0.1 and len(lines) == 4
    assert len(echo.chat_requests) == 4


def test_dry_run_sends_nothing_and_creates_no_job(aigc_api: Aigc, echo: FakeOpenAI, tmp_path: Path) -> None:
    _notes(tmp_path / "in", 3)
    r = aigc_api("batch", "summarize", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--dry-run")
    assert r.code == 0
    assert "3 items" in r.err and "estimated $" in r.err
    assert echo.requests == []
    assert aigc_api("batch", "list", "--json").out.strip() == "[]"


def test_an_unreadable_input_fails_its_item_only(aigc_api: Aigc, echo: FakeOpenAI, tmp_path: Path) -> None:
    _notes(tmp_path / "in", 4)
    (tmp_path / "in" / "broken.md").write_bytes(b"\x00\x01binary")
    r = aigc_api("batch", "summarize", str(tmp_path / "in"), "--jsonl", str(tmp_path / "r.jsonl"))
    assert r.code == 8
    rows = {Path(x["input"]).name: x for x in map(json.loads, (tmp_path / "r.jsonl").read_text().splitlines())}
    assert rows["broken.md"]["status"] == "failed" and "binary" in rows["broken.md"]["error"]
    assert sum(x["status"] == "done" for x in rows.values()) == 4
    assert "broken.md" in r.err and "aigc batch resume" in r.err


def test_a_429_storm_backs_off_and_finishes(aigc_api: Aigc, echo: FakeOpenAI, tmp_path: Path) -> None:
    _notes(tmp_path / "in", 12)
    assert aigc_api("config", "set", "openai.max_retries", "0").code == 0  # the storm reaches the batch
    echo.push(*[Fault(429, "Rate limit reached", "requests", "rate_limit_exceeded", {"Retry-After": "0"})] * 10)
    r = aigc_api("batch", "summarize", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-j", "6", timeout=120)
    assert r.code == 0, r.err
    assert len(list((tmp_path / "out").glob("*.md"))) == 12


def test_garbage_for_one_item_fails_that_item_only(aigc_api: Aigc, echo: FakeOpenAI, tmp_path: Path) -> None:
    _notes(tmp_path / "in", 3)
    echo.push(Fault(400, "Invalid content in the request", "invalid_request_error"))
    r = aigc_api("batch", "summarize", str(tmp_path / "in"), "--jsonl", str(tmp_path / "r.jsonl"), "-j", "1")
    assert r.code == 8
    statuses = [json.loads(x)["status"] for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert sorted(statuses) == ["done", "done", "failed"]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["nosuch-recipe", "IN", "-o", "OUT"], 2, "no recipe named"),
        (["summarize", "IN", "-o", "OUT", "--set", "nope=1"], 2, "nope"),
        (["summarize", "missing-file.md", "-o", "OUT"], 2, "no such file"),
        (["ask", "BAD.jsonl", "--field", "text", "-o", "OUT"], 3, "line 2"),
        (["summarize", "IN", "-o", "FILE/out"], 3, "output folder"),
        (["summarize", "IN"], 2, "-o DIR"),
    ],
)
def test_bad_commands_fail_before_anything_is_sent(
    aigc_api: Aigc,
    echo: FakeOpenAI,
    tmp_path: Path,
    args: list[str],
    code: int,
    says: str,
) -> None:
    _notes(tmp_path / "in", 2)
    (tmp_path / "bad.jsonl").write_text('{"text": "fine"}\n{not json\n')
    (tmp_path / "afile").write_text("x")
    subst = {
        "IN": str(tmp_path / "in"),
        "OUT": str(tmp_path / "out"),
        "BAD.jsonl": str(tmp_path / "bad.jsonl"),
        "FILE/out": str(tmp_path / "afile" / "out"),
    }
    r = aigc_api("batch", *[subst.get(a, a) for a in args])
    assert r.code == code, r.err
    assert says in r.err and len(r.err.strip().splitlines()) <= 2
    assert echo.chat_requests == []


def test_lines_and_jsonl_inputs(aigc_api: Aigc, echo: FakeOpenAI, tmp_path: Path) -> None:
    (tmp_path / "l.txt").write_text("item-0001 first\n\nitem-0002 second\n")
    (tmp_path / "d.jsonl").write_text('{"body": "item-0003 third"}\n{"body": "item-0004 fourth"}\n')
    r = aigc_api(
        "batch",
        "ask",
        str(tmp_path / "d.jsonl"),
        "--field",
        "body",
        "--lines",
        str(tmp_path / "l.txt"),
        "--jsonl",
        str(tmp_path / "r.jsonl"),
    )
    assert r.code == 0, r.err
    rows = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [x["input"].rsplit(":", 1)[1] for x in rows] == ["1", "2", "1", "3"]
    assert all(x["status"] == "done" and x["usage"]["prompt_tokens"] > 0 for x in rows)
    assert sorted(_sent_items(echo)) == ["item-0001", "item-0002", "item-0003", "item-0004"]


def test_log_stores_items_as_conversations(aigc_api: Aigc, echo: FakeOpenAI, tmp_path: Path) -> None:
    _notes(tmp_path / "in", 2)
    assert aigc_api("batch", "summarize", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--log").code == 0
    listed = aigc_api("history", "list", "--json")
    assert len(json.loads(listed.out)) == 2


def test_batch_api_end_to_end_with_a_failed_line(aigc_api: Aigc, echo: FakeOpenAI, tmp_path: Path) -> None:
    openai_batch.install(echo, polls=2, fail_ids=("1",))
    _notes(tmp_path / "in", 3)
    r = aigc_api(
        "batch",
        "summarize",
        str(tmp_path / "in"),
        "--api",
        "batch",
        "--jsonl",
        str(tmp_path / "r.jsonl"),
        "-o",
        str(tmp_path / "out"),
    )
    assert r.code == 8, r.err
    assert echo.chat_requests == []  # nothing went live
    rows = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [x["status"] for x in rows] == ["done", "failed", "done"]
    assert rows[0]["output"].startswith("batch: ") and "item-0000" in rows[0]["output"]
    assert rows[1]["error"] == "This request was rejected by the fixture"
    # the Batch API bills half: 10 + 5 tokens of gpt-4o-mini at half price
    assert rows[0]["cost"] == pytest.approx((10 * 0.15 + 5 * 0.60) / 1e6 / 2)
    assert sorted(p.name for p in (tmp_path / "out").glob("*.md")) == ["note0000.md", "note0002.md"]
    uploads = [r for r in echo.requests if r["path"].endswith("/files")]
    assert len(uploads) == 1


def test_batch_api_job_resumes_polling_from_a_new_process(
    aigc_api: Aigc,
    echo: FakeOpenAI,
    tmp_path: Path,
    home: Path,
) -> None:
    openai_batch.install(echo, polls=10_000)
    _notes(tmp_path / "in", 2)
    proc = subprocess.Popen(
        [AIGC, "batch", "summarize", str(tmp_path / "in"), "--api", "batch", "--jsonl", str(tmp_path / "r.jsonl")],
        env={**aigc_api.env, "AIGC_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(r["path"].split("?")[0].count("/batches/") for r in echo.requests):
        time.sleep(0.1)
    proc.kill()
    proc.wait(timeout=10)
    job = json.loads(aigc_api("batch", "list", "--json").out)[0]
    assert job["remote_id"].startswith("batch_") and job["done"] == 0
    echo.state["polls"] = 1  # the provider finishes meanwhile
    r = aigc_api("batch", "resume", job["id"][:6])
    assert r.code == 0, r.err
    creates = [r for r in echo.requests if r["method"] == "POST" and r["path"].rstrip("/").endswith("/batches")]
    assert len(creates) == 1  # polled again, never submitted twice
    assert [json.loads(x)["status"] for x in (tmp_path / "r.jsonl").read_text().splitlines()] == ["done", "done"]


def test_status_cancel_and_resume_by_id(aigc_api: Aigc, echo: FakeOpenAI, tmp_path: Path) -> None:
    _notes(tmp_path / "in", 2)
    (tmp_path / "in" / "broken.md").write_bytes(b"\x00")
    assert aigc_api("batch", "summarize", str(tmp_path / "in"), "-o", str(tmp_path / "out")).code == 8
    job = json.loads(aigc_api("batch", "list", "--json").out)[0]
    status = aigc_api("batch", "status", job["id"])
    assert status.code == 0 and "2 done, 1 failed" in status.out and "broken.md" in status.out
    (tmp_path / "in" / "broken.md").write_text("item-0009 now readable\n")
    resumed = aigc_api("batch", "resume", job["id"])
    assert resumed.code == 0, resumed.err
    assert (tmp_path / "out" / "broken.md").exists()
    assert aigc_api("batch", "cancel", job["id"]).code == 0
    again = aigc_api("batch", "summarize", str(tmp_path / "in"), "-o", str(tmp_path / "out"))
    assert again.code == 2 and "cancelled" in again.err
    assert aigc_api("batch", "status", "ffffffff").code == 2
