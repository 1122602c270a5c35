"""Map-reduce summarizing of input larger than the model's window, against a
loopback OpenAI server whose answers say which part they summarize."""

from __future__ import annotations

import json
import random
import re
import time

import pytest

from aigc_cli.tokens import count_text
from tests.fixtures.openai_server import FakeOpenAI, Reply, _Handler

WINDOW = 700
RESERVE = 100


class _PartHandler(_Handler):
    """Answers a map request with 'summary of part N' after a random delay, so
    that concurrent requests finish out of order; anything else is echoed."""

    def _text_for(self, reply, body):
        content = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
        found = re.search(r"part (\d+) of a longer text", content)
        if found is None:
            return content
        time.sleep(random.uniform(0.0, 0.05))
        return f"summary of part {found.group(1)}"


@pytest.fixture(scope="module")
def parts_server():
    server = FakeOpenAI()
    server.httpd.RequestHandlerClass = type("H", (_PartHandler,), {"fake": server})
    yield server
    server.stop()


@pytest.fixture
def small_window(aigc_api, parts_server):
    """`aigc` against the part server, with gpt-4o-mini's window set to WINDOW tokens."""
    parts_server.reset()
    (aigc_api.home / "config.toml").write_text(
        f"[context]\nreserve_output = {RESERVE}\n\n[models.gpt-4o-mini]\ncontext_window = {WINDOW}\n"
    )
    aigc_api.env["OPENAI_BASE_URL"] = parts_server.url
    return aigc_api


def long_text(paragraphs: int = 60) -> str:
    return (
        "\n\n".join(
            f"Paragraph {i}: the committee met on day {i} and agreed on item {i * 7}; "
            f"costs rose by {i} percent and the next review is in week {i + 2}."
            for i in range(1, paragraphs + 1)
        )
        + "\n"
    )


def map_requests(server):
    return [r for r in server.chat_requests if "of a longer text" in r["json"]["messages"][-1]["content"]]


def test_input_larger_than_the_window_is_split_into_parts_that_fit(small_window, parts_server, tmp_path):
    doc = tmp_path / "long.txt"
    doc.write_text(long_text())
    r = small_window("summarize", "--jobs", "4", str(doc))
    assert r.code == 0, r.err
    maps = map_requests(parts_server)
    assert len(maps) > 3
    for req in maps:
        assert count_text(req["json"]["messages"][-1]["content"]) + RESERVE <= WINDOW
    assert "summarized" in r.err and "map-reduce" in r.err


def test_chunks_together_are_the_whole_input(small_window, parts_server, tmp_path):
    doc = tmp_path / "long.txt"
    doc.write_text(long_text())
    small_window("summarize", "--jobs", "4", str(doc))
    by_part = {}
    for req in map_requests(parts_server):
        content = req["json"]["messages"][-1]["content"]
        part = int(re.search(r"part (\d+) of", content).group(1))
        by_part[part] = content.split("<input>\n", 1)[1].rsplit("\n</input>", 1)[0]
    joined = "".join(by_part[i] for i in sorted(by_part))
    assert sorted(by_part) == list(range(1, len(by_part) + 1))
    assert re.sub(r"\s+", "", joined) == re.sub(r"\s+", "", long_text())


@pytest.mark.parametrize("jobs", ["1", "4"])
def test_reduce_step_gets_part_summaries_in_chunk_order(small_window, parts_server, tmp_path, jobs):
    doc = tmp_path / "long.txt"
    doc.write_text(long_text())
    r = small_window("summarize", "--jobs", jobs, str(doc))
    n = len(map_requests(parts_server))
    final = parts_server.chat_requests[-1]["json"]["messages"]
    expected = "\n\n".join(f"[part {i}]\nsummary of part {i}" for i in range(1, n + 1))
    assert final[-1]["content"] == (
        "The text inside <input> tags is a series of summaries of consecutive parts of one long text, "
        "in order. Treat it as that whole text.\nSummarize the text inside <input> tags.\nLength: medium.\n\n"
        f"<input>\n{expected}\n</input>"
    )
    assert r.out == final[-1]["content"] + "\n"


def test_map_requests_use_the_summarize_system_prompt(small_window, parts_server, tmp_path):
    doc = tmp_path / "long.txt"
    doc.write_text(long_text())
    small_window("summarize", "--lang", "zh", str(doc))
    first = map_requests(parts_server)[0]["json"]["messages"]
    assert first[0]["role"] == "system"
    assert first[0]["content"].endswith("Write the summary in this language: Chinese (中文).")


def test_only_the_final_summary_is_logged_as_one_turn(small_window, parts_server, tmp_path):
    doc = tmp_path / "long.txt"
    doc.write_text(long_text())
    small_window("summarize", str(doc))
    conversations = json.loads(small_window("history", "list", "--json").out)
    assert [(c["recipe"], c["messages"]) for c in conversations] == [("summarize", 2)]


def test_window_too_small_for_the_prompt_is_input_too_large(aigc_api, fake, tmp_path):
    (aigc_api.home / "config.toml").write_text(
        "[context]\nreserve_output = 200\n\n[models.gpt-4o-mini]\ncontext_window = 300\n"
    )
    doc = tmp_path / "t.txt"
    doc.write_text("hello " * 50)
    r = aigc_api("summarize", str(doc))
    assert r.code == 6
    assert "leaves no room for input" in r.err
    assert fake.chat_requests == []


def test_progress_bar_is_drawn_on_a_terminal(small_window, parts_server, tmp_path):
    import pexpect

    from tests.conftest import AIGC

    doc = tmp_path / "long.txt"
    doc.write_text(long_text())
    child = pexpect.spawn(
        AIGC,
        ["summarize", "--jobs", "2", str(doc)],
        env=small_window.env,
        encoding="utf-8",
        dimensions=(30, 100),
        timeout=120,
    )
    child.expect(r"summarizing parts.*[\d.]+/[\d.]+ [kMG]?B")  # bytes done of a total fixed from the start
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_no_progress_bar_in_a_pipe(small_window, parts_server, tmp_path):
    doc = tmp_path / "long.txt"
    doc.write_text(long_text())
    r = small_window("summarize", str(doc))
    assert "summarizing parts" not in r.err
    assert "\x1b" not in r.err + r.out


def test_ctrl_c_during_the_map_step_stops_with_130(aigc_api, fake, tmp_path):
    import signal
    import subprocess

    from tests.conftest import AIGC

    (aigc_api.home / "config.toml").write_text(
        f"[models.gpt-4o-mini]\ncontext_window = {WINDOW}\n[context]\nreserve_output = {RESERVE}\n"
    )
    fake.default = Reply(text="word " * 400, chunk_delay=0.02)  # each part takes ~8 s
    doc = tmp_path / "long.txt"
    doc.write_text(long_text())
    proc = subprocess.Popen(
        [AIGC, "summarize", "--jobs", "2", str(doc)], env=aigc_api.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 20
    while not fake.chat_requests and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "interrupted" in err.decode()
    assert "Traceback" not in err.decode()
    assert out == b""
