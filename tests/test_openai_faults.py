"""The openai backend against a misbehaving server: retries, timeouts, error
mapping and interruption, all through the real `aigc` command and real HTTP
on loopback (openai 3.x runs on httpx2, so nothing can be mocked in between)."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import time

import pytest

from tests.conftest import AIGC
from tests.fixtures.openai_server import API_KEY, Disconnect, Fault, Hang, Reply

QUOTA = Fault(
    429,
    "You exceeded your current quota, please check your plan and billing details.",
    type="insufficient_quota",
    code="insufficient_quota",
)


def closed_port_url() -> str:
    """A loopback URL nobody listens on: connection refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def write_config(home, text: str) -> None:
    (home / "config.toml").write_text(text, encoding="utf-8")


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


# ------------------------------------------------------------------ retries


def test_rate_limit_then_success_still_answers(aigc_api, fake):
    fake.push(Fault(429, headers={"Retry-After": "1"}), Reply(text="answer after the retry"))
    r = aigc_api("ask", "hi")
    assert r.code == 0, r.err
    assert r.out == "answer after the retry\n"
    assert len(fake.chat_requests) == 2


def test_retry_after_header_sets_the_wait(aigc_api, fake):
    # without the header the SDK's first backoff is at most 0.5 s
    fake.push(Fault(429, headers={"Retry-After": "1"}), Reply(text="ok"))
    aigc_api("ask", "hi")
    first, second = fake.chat_requests
    assert second["time"] - first["time"] >= 0.95


def test_server_error_then_success_is_retried(aigc_api, fake):
    fake.push(Fault(500, "boom"), Reply(text="recovered"))
    r = aigc_api("ask", "hi")
    assert r.code == 0, r.err
    assert r.out == "recovered\n"
    assert len(fake.chat_requests) == 2


def test_no_stream_request_is_retried_too(aigc_api, fake):
    fake.push(Fault(502, "bad gateway"), Reply(text="whole answer"))
    r = aigc_api("ask", "--no-stream", "hi")
    assert r.code == 0, r.err
    assert r.out == "whole answer\n"
    assert len(fake.chat_requests) == 2


def test_json_mode_error_leaves_stdout_empty(aigc_api, fake):
    fake.push(QUOTA)
    r = aigc_api("ask", "--json", "hi")
    assert r.code == 5
    assert r.out == ""


def test_persistent_rate_limit_exits_5_after_the_configured_retries(aigc_api, fake, home):
    write_config(home, "[openai]\nmax_retries = 1\n")
    fake.push(Fault(429, "slow down"), Fault(429, "slow down"))
    r = aigc_api("ask", "hi")
    assert r.code == 5
    assert "rate limited" in r.err
    assert len(fake.chat_requests) == 2


def test_quota_exhausted_exits_5_without_retrying(aigc_api, fake):
    fake.push(QUOTA, QUOTA, QUOTA)
    r = aigc_api("ask", "hi")
    assert r.code == 5
    assert "out of quota" in r.err
    assert "billing" in r.err
    assert len(fake.chat_requests) == 1


def test_long_retry_after_is_reported_instead_of_waited_for(aigc_api, fake):
    fake.push(Fault(429, "slow down", headers={"Retry-After": "90"}), Reply(text="too late"))
    r = aigc_api("ask", "hi", timeout=30)
    assert r.code == 5
    assert "wait 90 s" in r.err
    assert len(fake.chat_requests) == 1


def test_unavailable_gateway_exits_4(aigc_api, fake, home):
    write_config(home, "[openai]\nmax_retries = 0\n")
    fake.push(Fault(503, "upstream overloaded"))
    r = aigc_api("ask", "hi")
    assert r.code == 4
    assert "unavailable (503" in r.err


# ------------------------------------------------------------ unreachable


def test_connection_refused_exits_4_quickly(aigc_api):
    start = time.monotonic()
    r = aigc_api("ask", "hi", OPENAI_BASE_URL=closed_port_url(), timeout=30)
    assert r.code == 4
    assert time.monotonic() - start < 15
    assert "cannot reach http://127.0.0.1:" in r.err


def test_server_that_never_answers_times_out_with_exit_4(aigc_api, fake, home):
    write_config(home, "[openai]\ntimeout = 1\n")
    fake.push(Hang(5), Hang(5))  # the first try and its one retry (tests/test_openai_timeout.py)
    start = time.monotonic()
    r = aigc_api("ask", "hi", timeout=30)
    assert r.code == 4
    assert time.monotonic() - start < 15
    assert "timed out waiting for" in r.err
    assert "openai.timeout" in r.err


def test_disconnect_mid_stream_prints_what_arrived_and_exits_4(aigc_api, fake):
    fake.push(Disconnect(text="one two three four five", after=3))
    r = aigc_api("ask", "hi")
    assert r.code == 4
    assert r.out == "one two three \n"
    assert "lost mid-answer" in r.err


# ------------------------------------------------------------- refusals


def test_bad_key_exits_3_with_a_hint(aigc_api, fake):
    r = aigc_api("ask", "hi", OPENAI_API_KEY="sk-wrong-key-123456")
    assert r.code == 3
    assert "refused the API key" in r.err
    assert "hint: check OPENAI_API_KEY" in r.err
    assert len(fake.chat_requests) == 1


def test_openai_backend_without_a_key_says_how_to_set_one(aigc):
    r = aigc("ask", "-b", "openai", "hi")
    assert r.code == 3
    assert "no OpenAI API key" in r.err
    assert "OPENAI_API_KEY" in r.err


def test_a_compatible_server_that_needs_no_key_works_without_one(aigc, fake):
    fake.api_key = ""  # like Ollama or llama.cpp's server
    try:
        r = aigc("ask", "-b", "openai", "hi", OPENAI_BASE_URL=fake.url)
    finally:
        fake.api_key = API_KEY
    assert r.code == 0, r.err
    assert r.out == "Hello from the fixture.\n"


def test_a_compatible_server_that_wants_a_key_says_so(aigc, fake):
    r = aigc("ask", "-b", "openai", "hi", OPENAI_BASE_URL=fake.url)
    assert r.code == 3
    assert "refused the API key" in r.err


def test_context_length_error_exits_6(aigc_api, fake):
    fake.push(
        Fault(
            400,
            "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
            type="invalid_request_error",
            code="context_length_exceeded",
        )
    )
    r = aigc_api("ask", "hi")
    assert r.code == 6
    assert "maximum context length" in r.err


def test_unknown_model_exits_3_pointing_at_the_model_name(aigc_api, fake):
    fake.push(Fault(404, "The model `gpt-nope` does not exist", code="model_not_found"))
    r = aigc_api("ask", "-m", "gpt-nope", "hi")
    assert r.code == 3
    assert "gpt-nope" in r.err
    assert "model name" in r.err


def test_wrong_base_url_404_points_at_the_base_url(aigc_api, fake):
    fake.push(Fault(404, "Not Found"))
    r = aigc_api("ask", "hi")
    assert r.code == 3
    assert "no chat completions endpoint" in r.err
    assert "OPENAI_BASE_URL" in r.err


# ------------------------------------------------------------ error shape


@pytest.mark.parametrize(
    "fault",
    [Fault(401, "Incorrect API key"), QUOTA, Fault(400, "bad\nmultiline\nmessage")],
    ids=["auth", "quota", "multiline-server-message"],
)
def test_errors_are_one_line_plus_at_most_one_hint(aigc_api, fake, fault):
    fake.push(fault)
    r = aigc_api("ask", "hi")
    lines = error_lines(r.err)
    assert lines[0].startswith("aigc: error: ")
    assert len(lines) <= 2
    assert all(line.startswith("  hint: ") for line in lines[1:])
    assert "Traceback" not in r.err


def test_aigc_debug_shows_the_traceback(aigc_api, fake):
    fake.push(Fault(401, "Incorrect API key"))
    r = aigc_api("ask", "hi", AIGC_DEBUG="1")
    assert r.code != 0
    assert "Traceback (most recent call last)" in r.err


# ------------------------------------------------------------------ Ctrl-C


def read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    """Read a pipe until ``needle`` shows up (or time runs out)."""
    data = b""
    deadline = time.monotonic() + timeout
    while needle not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
    return data


def test_ctrl_c_while_streaming_keeps_the_text_and_exits_130(aigc_api, fake):
    words = " ".join(f"w{i}" for i in range(200))
    fake.push(Reply(text=words, chunk_delay=0.05))
    proc = subprocess.Popen(
        [AIGC, "ask", "count"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=aigc_api.env,
    )
    try:
        early = read_until(proc.stdout.fileno(), b"w3 ", timeout=20)
        assert b"w3 " in early
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    out = (early + rest).decode()
    assert proc.returncode == 130
    assert out.startswith("w0 w1 w2 w3 ")
    assert "w199" not in out
    assert "interrupted" in err.decode()
    assert "Traceback" not in err.decode()


def test_an_error_event_mid_stream_keeps_the_text_and_names_the_servers_message(aigc_api, fake):
    from tests.fixtures.openai_server import StreamError

    fake.push(StreamError(text="alpha beta gamma delta", after=2, message="overloaded, sorry"))
    r = aigc_api("ask", "hi")
    assert r.code == 4  # a server fault (issue #25 §5), not aigc's "unexpected"
    assert r.out.startswith("alpha beta ")
    assert "failed mid-answer: overloaded, sorry" in r.err
