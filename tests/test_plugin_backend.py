"""Third-party backends from the `aigc_cli.backends` entry-point group: a
real tiny distribution (module + *.dist-info) on PYTHONPATH of the subprocess,
found by importlib.metadata exactly like a pip-installed plugin."""

from __future__ import annotations

import json
import os
from pathlib import Path

PLUGINS = Path(__file__).parent / "fixtures" / "plugins"


def with_plugins(*names: str) -> dict[str, str]:
    paths = [str(PLUGINS / name) for name in names]
    old = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": os.pathsep.join(paths + ([old] if old else []))}


def test_plugin_backend_answers_through_ask(aigc):
    r = aigc("ask", "-b", "echo", "hello", "plugin", **with_plugins("echo"))
    assert r.code == 0, r.err
    assert r.out == "echo[echo-1]: hello plugin\n"


def test_plugin_gets_the_model_and_system_prompt(aigc):
    r = aigc("ask", "-b", "echo", "-m", "echo-9", "-s", "be brief", "hi", **with_plugins("echo"))
    assert r.out == "echo[echo-9](be brief): hi\n"


def test_plugin_chosen_in_the_config_file(aigc):
    env = with_plugins("echo")
    assert aigc("config", "set", "backend", "echo", **env).code == 0
    r = aigc("ask", "hi", **env)
    assert r.out == "echo[echo-1]: hi\n"


def test_json_output_names_the_plugin_backend(aigc):
    r = aigc("ask", "--json", "-b", "echo", "hi", **with_plugins("echo"))
    data = json.loads(r.out)
    assert data["backend"] == "echo"
    assert data["answer"] == "echo[echo-1]: hi"
    assert data["finish_reason"] == "stop"


def test_unknown_backend_hint_lists_the_plugin(aigc):
    r = aigc("ask", "-b", "nope", "hi", **with_plugins("echo"))
    assert r.code == 2
    assert "echo" in r.err and "openai" in r.err


def test_plugin_errors_keep_their_exit_code(aigc):
    r = aigc("ask", "-b", "echo", "please rate limit", **with_plugins("echo"))
    assert r.code == 5
    assert "aigc: error: the echo service is rate limited" in r.err


def test_broken_plugin_exits_3_naming_it(aigc):
    r = aigc("ask", "-b", "broken", "hi", **with_plugins("echo", "broken"))
    assert r.code == 3
    assert "backend plugin 'broken'" in r.err
    assert "Traceback" not in r.err


def test_plugin_missing_part_of_the_protocol_exits_3_saying_what(aigc):
    r = aigc("ask", "-b", "half", "hi", **with_plugins("echo", "broken"))
    assert r.code == 3
    assert "backend plugin 'half' does not implement" in r.err
    assert "stream" in r.err


def test_plugin_that_crashes_while_starting_exits_3_naming_it(aigc):
    r = aigc("ask", "-b", "crashy", "hi", **with_plugins("echo", "broken"))
    assert r.code == 3
    assert "backend plugin 'crashy' failed to start" in r.err
    assert "crashy cannot find its server" in r.err
