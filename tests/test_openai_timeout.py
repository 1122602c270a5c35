"""A server that accepts and never answers: at most one retry after a read timeout.

The installed `aigc` runs against the loopback server with a 1 s
`openai.timeout`; the tests count the requests the server saw (how long it
took is bench's business, not a test's).
"""

from __future__ import annotations

import pytest

from tests.fixtures.openai_server import Fault, Hang, Reply

HANG = 4.0  # the server's silence; longer than any read timeout here


def configure(aigc, timeout: float = 1.0, retries: int | None = None) -> None:
    assert aigc("config", "set", "openai.timeout", str(timeout)).code == 0
    if retries is not None:
        assert aigc("config", "set", "openai.max_retries", str(retries)).code == 0


def test_a_server_that_never_answers_gets_two_requests_then_exit_4(aigc_api, fake):
    configure(aigc_api)
    fake.default = Hang(seconds=HANG)
    r = aigc_api("ask", "hello?")
    assert r.code == 4
    assert "timed out waiting for" in r.err
    assert len(fake.chat_requests) == 2


@pytest.mark.parametrize("retries", [5, 10])
def test_more_retries_do_not_mean_more_waiting_for_a_silent_server(aigc_api, fake, retries):
    configure(aigc_api, retries=retries)
    fake.default = Hang(seconds=HANG)
    assert aigc_api("ask", "hello?").code == 4
    assert len(fake.chat_requests) == 2


def test_one_read_timeout_is_retried_and_the_answer_arrives(aigc_api, fake):
    configure(aigc_api)
    fake.push(Hang(seconds=HANG), Reply(text="Here now."))
    r = aigc_api("ask", "hello?")
    assert (r.code, r.out) == (0, "Here now.\n")
    assert len(fake.chat_requests) == 2


def test_no_retries_configured_means_one_request(aigc_api, fake):
    configure(aigc_api, retries=0)
    fake.default = Hang(seconds=HANG)
    assert aigc_api("ask", "hello?").code == 4
    assert len(fake.chat_requests) == 1


def test_server_errors_are_still_retried_by_the_sdk(aigc_api, fake):
    configure(aigc_api)
    fake.push(Fault(503), Fault(503), Reply(text="Third time lucky."))
    r = aigc_api("ask", "hello?")
    assert (r.code, r.out) == (0, "Third time lucky.\n")
    assert len(fake.chat_requests) == 3


def test_a_read_timeout_on_a_retry_ends_the_request(aigc_api, fake):
    configure(aigc_api)
    fake.push(Fault(503), Hang(seconds=HANG), Reply(text="never asked for"))
    assert aigc_api("ask", "hello?").code == 4
    assert len(fake.chat_requests) == 2


def test_a_silent_server_under_no_stream_gets_two_requests(aigc_api, fake):
    configure(aigc_api)
    fake.default = Hang(seconds=HANG)
    assert aigc_api("ask", "--no-stream", "hello?").code == 4
    assert len(fake.chat_requests) == 2
