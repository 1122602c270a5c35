"""The model table and `aigc models list/default` as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

from aigc_cli import modeltable
from aigc_cli.config import Settings
from tests.conftest import base_env


def rows_by_name(result) -> dict[str, dict]:
    assert result.code == 0, result.err
    return {row["name"]: row for row in json.loads(result.out)}


def test_list_shows_windows_and_prices_from_the_table(aigc):
    rows = rows_by_name(aigc("models", "list", "--json"))
    entry = modeltable.BUILTIN["gpt-4o"]
    assert rows["gpt-4o"]["context_window"] == entry.context_window
    assert (rows["gpt-4o"]["input_price"], rows["gpt-4o"]["output_price"]) == (entry.input_price, entry.output_price)


def test_list_shows_the_local_model_free_with_its_allocated_window(aigc):
    (aigc.home / "config.toml").write_text("[local]\nn_ctx = 4096\n")
    row = rows_by_name(aigc("models", "list", "--json"))["gemma-3-270m"]
    assert row["backend"] == "local"
    assert row["context_window"] == 4096
    assert (row["input_price"], row["output_price"]) == (0.0, 0.0)


def test_config_adds_a_model_served_elsewhere(aigc):
    (aigc.home / "config.toml").write_text('[models."llama3.2"]\ncontext_window = 131072\nmax_output = 2048\n')
    row = rows_by_name(aigc("models", "list", "--json"))["llama3.2"]
    assert (row["context_window"], row["max_output"], row["source"]) == (131072, 2048, "config")


def test_config_overrides_only_the_fields_it_sets():
    settings = Settings.model_validate({"models": {"gpt-4o": {"input_price": 1.0}}})
    entry = modeltable.lookup("gpt-4o", settings)
    assert entry.input_price == 1.0
    assert entry.output_price == modeltable.BUILTIN["gpt-4o"].output_price
    assert entry.context_window == modeltable.BUILTIN["gpt-4o"].context_window


def test_dated_snapshot_uses_its_family_entry():
    entry = modeltable.lookup("gpt-4o-mini-2024-07-18")
    assert entry.context_window == modeltable.BUILTIN["gpt-4o-mini"].context_window
    assert entry.input_price == modeltable.BUILTIN["gpt-4o-mini"].input_price


def test_unknown_model_gets_the_conservative_fallback_window():
    assert modeltable.lookup("some-ollama-model") is None
    assert modeltable.window("some-ollama-model") == modeltable.FALLBACK_WINDOW


def test_plain_list_is_a_table_with_the_default_marked(aigc_api, aigc):
    r = aigc_api("models", "list")
    line = next(row for row in r.out.splitlines() if " gpt-4o-mini " in row)
    assert line.startswith("* ")
    assert "128,000" in line and "0.15" in line and "0.6" in line
    # with no key the openai backend is not in use, so none of its models is a default (#26.5)
    line = next(row for row in aigc("models", "list").out.splitlines() if " gpt-4o-mini " in row)
    assert not line.startswith("* ")


def test_remote_list_joins_the_server_models_with_the_table(aigc_api, fake):
    rows = rows_by_name(aigc_api("models", "list", "--remote", "--json"))
    assert set(rows) == set(fake.models)
    assert rows["gpt-4o"]["context_window"] == modeltable.BUILTIN["gpt-4o"].context_window
    assert rows["fake-model"]["context_window"] is None
    assert any(r["path"].endswith("/models") for r in fake.requests)


def test_default_sets_the_backend_model_and_ask_uses_it(aigc_api, fake):
    r = aigc_api("models", "default", "gpt-4.1-mini")
    assert r.code == 0, r.err
    config = tomllib.loads((aigc_api.home / "config.toml").read_text())
    assert config["openai"]["model"] == "gpt-4.1-mini"
    aigc_api("ask", "hi")
    assert fake.chat_requests[-1]["json"]["model"] == "gpt-4.1-mini"


def test_default_for_an_unknown_model_warns_about_the_window(aigc):
    r = aigc("models", "default", "mistral-nemo")
    assert r.code == 0, r.err
    assert "8,192 tokens" in r.err and "models.mistral-nemo.context_window" in r.err


def test_list_never_imports_an_sdk(home):
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aigc_cli", "models", "list"],
        capture_output=True,
        env=base_env(home),
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    mods = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.decode().splitlines() if "|" in line}
    assert "aigc_cli.modeltable" in mods
    assert not {m for m in mods if m.split(".")[0] in ("openai", "llama_cpp", "tiktoken")}


def test_config_set_accepts_model_names_with_dots(aigc):
    r = aigc("config", "set", "models.llama3.2.context_window", "131072")
    assert r.code == 0, r.err
    config = tomllib.loads((aigc.home / "config.toml").read_text())
    assert config["models"]["llama3.2"] == {"context_window": 131072}
    assert rows_by_name(aigc("models", "list", "--json"))["llama3.2"]["context_window"] == 131072


def test_default_with_a_gguf_file_sets_the_local_model_path(aigc, tmp_path):
    r = aigc("models", "default", str(tmp_path / "tiny.gguf"))
    assert r.code == 0, r.err
    config = tomllib.loads((aigc.home / "config.toml").read_text())
    assert config["local"]["model_path"] == str(tmp_path / "tiny.gguf")
    assert r.err == ""
