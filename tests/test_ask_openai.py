"""`aigc ask` against the loopback OpenAI server, as a real subprocess."""

from __future__ import annotations

import json

from tests.fixtures.openai_server import Reply


def test_answer_is_printed_plain_to_a_pipe(aigc_api, fake):
    fake.push(Reply(text="Paris is the **capital**."))
    r = aigc_api("ask", "What is the capital of France?")
    assert r.code == 0, r.err
    assert r.out == "Paris is the **capital**.\n"
    assert "\x1b" not in r.out


def test_question_is_sent_as_the_user_message(aigc_api, fake):
    aigc_api("ask", "What", "is", "2+2?")
    sent = fake.chat_requests[-1]["json"]
    assert sent["messages"] == [{"role": "user", "content": "What is 2+2?"}]
    assert sent["stream"] is True


def test_piped_text_is_delimited_and_instruction_follows(aigc_api, fake):
    aigc_api("ask", "Write a commit message for this diff", input="+added line\n")
    content = fake.chat_requests[-1]["json"]["messages"][-1]["content"]
    assert content == "<input>\n+added line\n</input>\n\nWrite a commit message for this diff"


def test_stdin_alone_is_the_question(aigc_api, fake):
    aigc_api("ask", input="What is the capital of Spain?\n")
    assert fake.chat_requests[-1]["json"]["messages"][-1]["content"] == "What is the capital of Spain?\n"


def test_empty_input_is_a_usage_error_without_a_request(aigc_api, fake):
    r = aigc_api("ask", input="   \n")
    assert r.code == 2
    assert "nothing to ask" in r.err
    assert fake.chat_requests == []


def test_invalid_utf8_stdin_is_a_usage_error(aigc_api, fake):
    r = aigc_api("ask", "summarize", input=b"caf\xe9 au lait")
    assert r.code == 2
    assert "UTF-8" in r.err
    assert fake.chat_requests == []


def test_binary_stdin_is_a_usage_error(aigc_api, fake):
    r = aigc_api("ask", "what is this", input=b"\x7fELF\x00\x00\x01")
    assert r.code == 2
    assert "binary" in r.err


def test_user_text_with_template_syntax_reaches_the_model_verbatim(aigc_api, fake):
    text = "costs $x and ${y} or {{z}} {w} %s"
    aigc_api("ask", text)
    assert fake.chat_requests[-1]["json"]["messages"][-1]["content"] == text


def test_options_are_sent(aigc_api, fake):
    aigc_api("ask", "-m", "gpt-4o", "-s", "Be terse.", "--temperature", "0.2", "--max-tokens", "50", "hi")
    sent = fake.chat_requests[-1]["json"]
    assert sent["model"] == "gpt-4o"
    assert sent["temperature"] == 0.2
    assert sent["max_tokens"] == 50
    assert sent["messages"][0] == {"role": "system", "content": "Be terse."}


def test_json_output_has_answer_backend_model_usage_and_finish_reason(aigc_api, fake):
    fake.push(Reply(text="Madrid.", usage={"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9}))
    r = aigc_api("ask", "--json", "Capital of Spain?")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["answer"] == "Madrid."
    assert data["backend"] == "openai"
    assert data["model"] == "gpt-4o-mini"
    assert data["usage"] == {"prompt_tokens": 7, "completion_tokens": 2}
    assert data["finish_reason"] == "stop"


def test_no_stream_sends_a_plain_request(aigc_api, fake):
    fake.push(Reply(text="whole answer"))
    r = aigc_api("ask", "--no-stream", "hi")
    assert r.out == "whole answer\n"
    assert not fake.chat_requests[-1]["json"].get("stream")


def test_chinese_question_and_answer_round_trip(aigc_api, fake):
    fake.push(Reply(text="巴黎是法国的首都。"))
    r = aigc_api("ask", "法国的首都是哪里？")
    assert r.out == "巴黎是法国的首都。\n"
    assert fake.chat_requests[-1]["json"]["messages"][-1]["content"] == "法国的首都是哪里？"


def test_nothing_but_the_answer_reaches_a_pipe(aigc_api, fake):
    fake.push(Reply(text="# Heading\n\n- item **bold**", first_delay=0.5))
    r = aigc_api("ask", "hi")
    assert r.out == "# Heading\n\n- item **bold**\n"
    assert r.err == ""


def test_answer_streams_into_a_pipe_as_it_arrives(aigc_api, fake):
    import subprocess

    from tests.conftest import AIGC
    from tests.test_openai_faults import read_until

    fake.push(Reply(text="first " + "later " * 40, chunk_delay=0.1))
    proc = subprocess.Popen(
        [AIGC, "ask", "hi"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=aigc_api.env,
    )
    try:
        early = read_until(proc.stdout.fileno(), b"first ", timeout=20)
        still_running = proc.poll() is None
    finally:
        proc.kill()
        proc.wait()
    assert early.startswith(b"first ")
    assert still_running


def test_unknown_option_is_a_one_line_usage_error(aigc_api, fake):
    r = aigc_api("ask", "--bogus", "hi")
    assert r.code == 2
    assert r.err.splitlines() == ["aigc: error: No such option: --bogus", "  hint: see `aigc ask --help`"]
    assert fake.chat_requests == []


def test_temperature_out_of_range_is_a_usage_error(aigc_api, fake):
    r = aigc_api("ask", "--temperature", "7", "hi")
    assert r.code == 2
    assert "--temperature" in r.err
    assert fake.chat_requests == []


def test_max_tokens_uses_the_new_name_for_the_official_api():
    # the request body only; building it needs no network
    from aigc_cli.backends.openai import OpenAIBackend
    from aigc_cli.config import Settings
    from aigc_cli.messages import GenOptions, Message

    backend = OpenAIBackend(Settings())
    req = backend._request([Message(role="user", content="hi")], GenOptions(max_tokens=5))
    assert req["max_completion_tokens"] == 5
    assert "max_tokens" not in req


def test_reader_closing_the_pipe_stops_quietly_with_exit_0(aigc_api, fake):
    import subprocess

    from tests.conftest import AIGC

    fake.push(Reply(text=("word " * 20 + "\n") * 3000))
    proc = subprocess.Popen(
        [AIGC, "ask", "hi"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=aigc_api.env
    )
    head = proc.stdout.read(20)  # like `| head -c 20`
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=30)
    assert head == b"word word word word "
    assert proc.returncode == 0
    assert err == b""
