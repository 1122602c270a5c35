"""Tools on the local backend (issue #21): the GGUF's chat template renders them, calls are parsed.

The parser is checked on the forms real models write; the rest runs the
bundled GGUF (slow): once as it ships (its template knows no tools: asking
for tools is a usage error before anything runs) and once with a
Qwen2.5-style tools template written into its metadata.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigc_cli.backends.local_tools import parse_calls
from aigc_cli.messages import GenOptions, Message, ToolCall

QWEN_STYLE = """{%- if tools %}<|im_start|>system
You may call these tools:
<tools>
{%- for tool in tools %}
{{ tool | tojson }}
{%- endfor %}
</tools>
Call one as <tool_call>{"name": NAME, "arguments": ARGS}</tool_call><|im_end|>
{% endif %}
{%- for message in messages %}
{%- if message.role == "assistant" and message.tool_calls %}<|im_start|>assistant
{%- for tc in message.tool_calls %}
<tool_call>{"name": "{{ tc.function.name }}", "arguments": {{ tc.function.arguments | tojson }}}</tool_call>
{%- endfor %}<|im_end|>
{% elif message.role == "tool" %}<|im_start|>user
<tool_response>{{ message.content }}</tool_response><|im_end|>
{% else %}<|im_start|>{{ message.role }}
{{ message.content }}<|im_end|>
{% endif %}
{%- endfor %}<|im_start|>assistant
"""


def test_parse_qwen_hermes_calls_with_text_around() -> None:
    text = (
        'Let me look.\n<tool_call>\n{"name": "calc", "arguments": {"expression": "2+2"}}\n</tool_call>\n'
        '<tool_call>{"name": "now", "arguments": {}}</tool_call>'
    )
    rest, calls = parse_calls(text)
    assert rest == "Let me look."
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [("calc", {"expression": "2+2"}), ("now", {})]
    assert len({c.id for c in calls}) == 2


def test_parse_llama3_json_and_python_tag() -> None:
    for text in (
        '{"name": "get_weather", "parameters": {"city": "Oslo"}}',
        '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Oslo"}}',
        '```json\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n```',
    ):
        rest, calls = parse_calls(text)
        assert rest == "" and calls[0].name == "get_weather" and json.loads(calls[0].arguments) == {"city": "Oslo"}


def test_plain_answers_and_broken_calls_stay_text() -> None:
    for text in ("The answer is {4}.", '{"answer": 4}', "<tool_call>{not json}</tool_call>", "Use <tool_call> tags."):
        assert parse_calls(text) == (text, [])


# ---------------------------------------------------------- the real GGUF


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("local-tools-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIGC_HOME", str(home))
        yield home


def _backend(model: Path):
    from aigc_cli.backends.local import LocalBackend
    from aigc_cli.config import Settings

    settings = Settings()
    settings.local.model_path = str(model)
    settings.local.n_ctx = 1024
    settings.local.state_cache_mb = 0
    settings.local.n_threads = 1  # as base_env: the workers share two cores
    return LocalBackend(settings)


@pytest.mark.slow
def test_a_model_whose_template_knows_no_tools_is_refused_before_running(gguf_model: Path, home: Path) -> None:
    from aigc_cli.config import Settings
    from aigc_cli.errors import UsageError
    from aigc_cli.session.options import TaskOptions
    from aigc_cli.session.tasks import run_ask

    assert _backend(gguf_model).supports_tools("") is False
    with pytest.raises(UsageError, match="cannot call tools"):
        run_ask("hi", TaskOptions(backend="local", model_path=str(gguf_model), tools=["now"]), Settings())


@pytest.mark.slow
def test_a_tools_template_renders_the_tools_and_the_earlier_calls(gguf_model: Path, home: Path, tmp_path: Path) -> None:
    from aigc_cli.tools.builtin import builtin_tools
    from tests.fixtures.gguf_edit import add_string_metadata

    model = tmp_path / "qwen-style.gguf"
    add_string_metadata(gguf_model, model, "tokenizer.chat_template", QWEN_STYLE)
    be = _backend(model)
    assert be.supports_tools("") is True
    calc = builtin_tools()["calc"].spec()
    messages = [
        Message(role="user", content="What is 6*7?"),
        Message(
            role="assistant", content="", tool_calls=[ToolCall(id="c1", name="calc", arguments='{"expression": "6*7"}')]
        ),
        Message(role="tool", tool_call_id="c1", content="42"),
    ]
    llm = be.llm()
    text = llm.detokenize(be.prompt(messages, tools=[calc]).tokens, special=True).decode()
    assert '"name": "calc"' in text and "arithmetic expression" in text
    assert '<tool_call>{"name": "calc", "arguments": {"expression": "6*7"}}</tool_call>' in text
    assert "<tool_response>42</tool_response>" in text
    plain = llm.detokenize(be.prompt(messages[:1]).tokens, special=True).decode()
    assert "<tools>" not in plain
    chunks = list(be.stream(messages, GenOptions(temperature=0, max_tokens=16, tools=[calc])))
    assert chunks[-1].usage is not None  # the held answer still ends with its usage
