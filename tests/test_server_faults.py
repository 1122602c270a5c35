"""A server's faults are faults (issue #25 §5, #26 items 16 and 22): what a broken
or hostile OpenAI-compatible server sends ends in one line and a documented exit
code, with what arrived kept, through the real `aigc` and real HTTP on loopback."""

from __future__ import annotations

import email.utils
import json
import time

import pytest

from tests.fixtures.bad_server import RawBody, RawStream, delta, garbage_models, words
from tests.fixtures.openai_server import Fault, Reply
from tests.test_openai_faults import closed_port_url, write_config

HTML = RawBody(b"<html><body><h1>Welcome to nginx!</h1></body></html>", "text/html")
FOO = RawBody(b'{"foo": 1}', "application/json")
LIST = RawBody(b"[]", "application/json")


def the_turn(aigc) -> list[dict]:
    (conv,) = json.loads(aigc("history", "list", "--json").out)
    return json.loads(aigc("history", "show", "--json", conv["id"]).out)["messages"]


def one_error(err: str) -> str:
    """The error line; asserts there is exactly one, plus at most a hint, and no traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and lines[0].startswith("aigc: error: "), err
    assert all(line.startswith("  hint: ") for line in lines[1:]) and len(lines) <= 2, err
    assert "Traceback" not in err and "unexpected" not in err
    return lines[0]


# ------------------------------------------------------------ cut streams


def test_a_stream_that_ends_without_done_or_finish_reason_is_interrupted(aigc_api, fake):
    fake.push(RawStream(words("one ", "two "), done=False))
    r = aigc_api("ask", "hi")
    assert r.code == 4
    assert r.out.startswith("one two ")
    assert "ended before it was complete" in one_error(r.err)
    question, answer = the_turn(aigc_api)
    assert (answer["content"], answer["status"]) == ("one two ", "interrupted")


def test_a_finish_reason_without_done_is_a_complete_answer(aigc_api, fake):
    fake.push(RawStream([*words("one ", "two"), delta(None, "stop")], done=False))
    r = aigc_api("ask", "hi")
    assert r.code == 0, r.err
    assert the_turn(aigc_api)[1]["status"] == "complete"


def test_done_after_the_text_is_a_complete_answer(aigc_api, fake):
    fake.push(RawStream(words("one ", "two"), done=True))
    r = aigc_api("ask", "hi")
    assert r.code == 0, r.err
    assert r.out == "one two\n"


def test_a_40_mb_line_in_the_stream_is_refused_with_the_text_so_far_kept(aigc_api, fake):
    huge = b'data: {"id": "x", "choices": [{"index": 0, "delta": {"content": "' + b"x" * (40 << 20)
    fake.push(RawStream([*words("first ", "words "), huge], done=True))
    r = aigc_api("ask", "hi", timeout=120)
    assert r.code == 4
    assert r.out.startswith("first words ")
    assert "more than 4 MiB" in one_error(r.err)
    assert the_turn(aigc_api)[1]["status"] == "interrupted"


# ------------------------------------------------------- not an answer at all


@pytest.mark.parametrize("body", [HTML, FOO, LIST], ids=["html", "foo", "list"])
@pytest.mark.parametrize("mode", [[], ["--no-stream"]], ids=["stream", "no-stream"])
def test_a_body_that_is_not_a_chat_completion_is_one_line_and_exit_4(aigc_api, fake, body, mode):
    fake.push(body)
    r = aigc_api("ask", *mode, "hi")
    assert r.code == 4, r.err
    assert r.out == ""
    line = one_error(r.err)
    assert fake.url in line
    question, answer = the_turn(aigc_api)
    assert answer["status"] != "complete"


def test_an_integer_content_chunk_keeps_the_text_already_printed(aigc_api, fake):
    fake.push(RawStream([*words("first ", "words "), delta(42), delta(None, "stop")], done=True))
    r = aigc_api("ask", "hi")
    assert r.code == 4
    assert r.out.startswith("first words ")
    assert "content is not text: 42" in one_error(r.err)
    answer = the_turn(aigc_api)[1]
    assert (answer["content"], answer["status"]) == ("first words ", "interrupted")


def test_a_malformed_event_is_exit_4(aigc_api, fake):
    fake.push(RawStream([*words("a "), b"data: {not json\n\n"], done=True))
    r = aigc_api("ask", "hi")
    assert r.code == 4
    assert "malformed event" in one_error(r.err)


def test_an_in_band_error_event_is_a_server_fault_exit_4(aigc_api, fake):
    fake.push(RawStream([*words("a "), {"error": {"message": "overloaded"}}], done=True))
    r = aigc_api("ask", "hi")
    assert r.code == 4
    assert "failed mid-answer: overloaded" in one_error(r.err)


def test_a_garbage_model_list_is_one_line(aigc_api, fake):
    garbage_models(fake)
    try:
        r = aigc_api("models", "list", "--remote")
    finally:
        fake.routes.clear()
    assert r.code == 4, r.err
    assert "not the API's JSON" in one_error(r.err)


def test_a_model_list_with_malformed_entries_is_one_line(aigc_api, fake):
    garbage_models(fake, b'{"object": "list", "data": [{"id": 7}]}', "application/json")
    try:
        r = aigc_api("models", "list", "--remote")
    finally:
        fake.routes.clear()
    assert r.code == 4
    assert "malformed entries" in one_error(r.err)


# ---------------------------------------------------------------- statuses


@pytest.mark.parametrize(
    ("status", "code", "words_in_error"),
    [
        (408, 4, "timed out"),
        (500, 4, "failed (500"),
        (501, 4, "failed (501"),
        (400, 2, "rejected the request (400"),
        (422, 2, "rejected the request (422"),
        (413, 6, "too large (413"),
        (418, 2, "refused the request (418"),
    ],
)
def test_http_statuses_have_their_documented_exit_codes(aigc_api, fake, home, status, code, words_in_error):
    write_config(home, "[openai]\nmax_retries = 0\n")
    fake.push(Fault(status, "no thanks"))
    r = aigc_api("ask", "hi")
    assert r.code == code, r.err
    assert words_in_error in one_error(r.err)


def test_a_500_after_the_retries_exits_4(aigc_api, fake, home):
    write_config(home, "[openai]\nmax_retries = 1\n")
    fake.push(Fault(500, "boom"), Fault(500, "boom again"))
    r = aigc_api("ask", "hi")
    assert r.code == 4
    assert len(fake.chat_requests) == 2


def test_retry_after_as_an_http_date_is_honoured(aigc_api, fake):
    later = email.utils.formatdate(time.time() + 90, usegmt=True)
    fake.push(Fault(429, "slow down", headers={"Retry-After": later}), Reply(text="too late"))
    r = aigc_api("ask", "hi", timeout=30)
    assert r.code == 5
    assert "asks to wait 8" in r.err or "asks to wait 9" in r.err
    assert len(fake.chat_requests) == 1


def test_retry_after_parses_dates_and_ignores_nonsense():
    from aigc_cli.backends.openai_errors import retry_after

    soon = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= retry_after({"retry-after": soon}) <= 31
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({"retry-after": "nan"}) is None


# -------------------------------------------------------------- refusals


def test_a_refused_loopback_connection_is_not_retried(home, monkeypatch):
    from aigc_cli.backends.openai import OpenAIBackend
    from aigc_cli.config import load_settings
    from aigc_cli.errors import BackendUnreachable

    monkeypatch.setenv("AIGC_HOME", str(home))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", closed_port_url())
    backend = OpenAIBackend(load_settings())
    start = time.monotonic()
    with pytest.raises(BackendUnreachable, match="cannot reach"):
        backend.list_models()
    # two retries with the SDK's backoff took over a second (3.3 s with start-up)
    assert time.monotonic() - start < 0.7


# ------------------------------------------------------------------ --json


def refuse(constant: str) -> None:
    raise AssertionError(f"{constant} in --json output")


def test_json_output_never_holds_infinity_or_nan(aigc_api, fake, home):
    write_config(home, '[models."gpt-4o-mini"]\ninput_price = inf\n')
    fake.push(Reply(text="fine"))
    r = aigc_api("ask", "--json", "hi")
    assert r.code == 0, r.err
    data = json.loads(r.out, parse_constant=refuse)
    assert data["cost"] is None


@pytest.mark.parametrize("stream", [[], ["--no-stream"]], ids=["stream", "no-stream"])
def test_a_nan_token_count_from_the_server_is_not_echoed(aigc_api, fake, stream):
    fake.push(Reply(text="fine", usage={"prompt_tokens": float("nan"), "completion_tokens": 2}))
    r = aigc_api("ask", "--json", *stream, "hi")
    assert r.code == 0, r.err
    json.loads(r.out, parse_constant=refuse)


# ------------------------------------------------------------ credentials


def with_credentials(url: str) -> str:
    """The fixture's URL with a password in it and a key in the query."""
    return url.replace("http://", "http://admin:hunter2@") + "?api_key=qsecret42"


def test_credentials_in_the_base_url_are_masked_in_errors(aigc_api, fake, home):
    write_config(home, "[openai]\nmax_retries = 0\n")
    fake.push(Fault(503, "down"))
    r = aigc_api("ask", "hi", OPENAI_BASE_URL=with_credentials(fake.url))
    assert r.code in (3, 4), r.err
    assert "hunter2" not in r.err and "qsecret42" not in r.err
    assert "admin:****@" in r.err


def test_credentials_in_the_base_url_are_masked_by_doctor_and_config_show(aigc_api, fake):
    url = with_credentials(fake.url)
    for args in (("doctor", "--offline"), ("config", "show")):
        r = aigc_api(*args, OPENAI_BASE_URL=url)
        assert r.code == 0, r.err
        assert "hunter2" not in r.out and "qsecret42" not in r.out, args
        assert "admin:****@" in r.out


def test_a_server_echoing_the_authorization_header_never_prints_the_key(aigc_api, fake, home):
    from tests.fixtures.openai_server import API_KEY

    write_config(home, "[openai]\nmax_retries = 0\n")
    fake.push(Fault(400, f"bad request; headers were: Authorization: Bearer {API_KEY}, key={API_KEY}"))
    r = aigc_api("ask", "hi")
    assert r.code == 2, r.err
    assert API_KEY not in r.err
    assert "Bearer ****" in r.err


def test_an_in_band_error_echoing_the_key_never_prints_it(aigc_api, fake):
    from tests.fixtures.openai_server import API_KEY

    fake.push(RawStream([*words("a "), {"error": {"message": f"upstream said: invalid key {API_KEY}"}}], done=True))
    r = aigc_api("ask", "hi")
    assert r.code == 4
    assert API_KEY not in r.err
