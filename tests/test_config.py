"""`aigc config` and config.toml: broken files, unknown keys, secrets kept
secret, and settings that really change what `aigc ask` sends."""

from __future__ import annotations

import stat
import tomllib

from tests.fixtures.openai_server import API_KEY

SECRET = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def write_config(home, text: str, name: str = "config.toml") -> None:
    (home / name).write_text(text, encoding="utf-8")


# ------------------------------------------------------------ broken files


def test_invalid_toml_exits_3_naming_the_file(aigc_api, home, fake):
    write_config(home, "backend = \n")
    r = aigc_api("ask", "hi")
    assert r.code == 3
    assert str(home / "config.toml") in r.err
    assert "invalid TOML" in r.err
    assert fake.chat_requests == []


def test_unknown_key_in_config_exits_3_naming_key_and_file(aigc_api, home):
    write_config(home, '[openai]\nmodle = "gpt-4o"\n')
    r = aigc_api("ask", "hi")
    assert r.code == 3
    assert "openai.modle" in r.err
    assert "unknown setting" in r.err
    assert str(home / "config.toml") in r.err


def test_wrong_type_in_config_exits_3_naming_key_and_file(aigc_api, home):
    write_config(home, '[openai]\ntimeout = "soon"\n')
    r = aigc_api("ask", "hi")
    assert r.code == 3
    assert "openai.timeout" in r.err
    assert str(home / "config.toml") in r.err


def test_broken_secrets_file_is_the_file_named(aigc_api, home):
    write_config(home, "[openai\n", name="secrets.toml")
    r = aigc_api("config", "show")
    assert r.code == 3
    assert str(home / "secrets.toml") in r.err


def test_config_errors_have_no_traceback(aigc_api, home):
    write_config(home, 'log = "maybe"\n')
    r = aigc_api("ask", "hi")
    assert r.code == 3
    assert "Traceback" not in r.err
    assert r.err.startswith("aigc: error: ")


# -------------------------------------------------------------- config set


def test_config_set_unknown_key_exits_2(aigc):
    r = aigc("config", "set", "openai.modle", "gpt-4o")
    assert r.code == 2
    assert "unknown setting 'openai.modle'" in r.err


def test_config_set_bad_value_exits_2_and_leaves_the_file_alone(aigc, home):
    aigc("config", "set", "openai.timeout", "30")
    r = aigc("config", "set", "openai.timeout", "soon")
    assert r.code == 2
    assert tomllib.loads((home / "config.toml").read_text())["openai"]["timeout"] == 30


def test_config_set_unknown_backend_exits_2(aigc):
    r = aigc("config", "set", "backend", "gpt5-magic")
    assert r.code == 2
    assert "openai" in r.err and "local" in r.err


def test_config_set_model_is_what_ask_sends(aigc_api, fake):
    assert aigc_api("config", "set", "openai.model", "fake-model").code == 0
    aigc_api("ask", "hi")
    assert fake.chat_requests[-1]["json"]["model"] == "fake-model"


def test_numeric_looking_model_name_stays_text(aigc, home):
    assert aigc("config", "set", "openai.model", "4").code == 0
    assert tomllib.loads((home / "config.toml").read_text())["openai"]["model"] == "4"


def test_config_set_timeout_takes_a_number(aigc, home):
    aigc("config", "set", "openai.timeout", "2.5")
    assert tomllib.loads((home / "config.toml").read_text())["openai"]["timeout"] == 2.5


# ------------------------------------------------------------------ secrets


def test_api_key_is_stored_in_a_file_only_the_user_can_read(aigc, home):
    r = aigc("config", "set", "openai.api_key", SECRET)
    assert r.code == 0, r.err
    secrets = home / "secrets.toml"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert not (home / "config.toml").exists() or SECRET not in (home / "config.toml").read_text()


def test_config_set_api_key_does_not_echo_the_key(aigc):
    r = aigc("config", "set", "openai.api_key", SECRET)
    assert SECRET not in r.out + r.err
    assert SECRET[-4:] in r.out


def test_api_key_can_be_read_from_stdin(aigc, home):
    r = aigc("config", "set", "openai.api_key", "-", input=SECRET + "\n")
    assert r.code == 0, r.err
    assert tomllib.loads((home / "secrets.toml").read_text())["openai"]["api_key"] == SECRET


def test_stored_key_is_used_for_requests(aigc, fake):
    aigc("config", "set", "openai.api_key", API_KEY)
    r = aigc("ask", "hi", OPENAI_BASE_URL=fake.url)
    assert r.code == 0, r.err
    headers = {k.lower(): v for k, v in fake.chat_requests[-1]["headers"].items()}
    assert headers["authorization"] == f"Bearer {API_KEY}"


def test_config_show_never_prints_a_stored_key(aigc):
    aigc("config", "set", "openai.api_key", SECRET)
    r = aigc("config", "show")
    assert r.code == 0, r.err
    assert SECRET not in r.out
    assert SECRET[-4:] in r.out


def test_config_show_never_prints_a_key_from_the_environment(aigc):
    r = aigc("config", "show", "--json", OPENAI_API_KEY=SECRET)
    assert SECRET not in r.out
    assert "OPENAI_API_KEY" in r.out or SECRET[-4:] in r.out


def test_config_get_api_key_is_masked(aigc):
    r = aigc("config", "get", "openai.api_key", OPENAI_API_KEY=SECRET)
    assert r.code == 0, r.err
    assert SECRET not in r.out
    assert r.out.strip().endswith(SECRET[-4:])


# ------------------------------------------------------------- show / path


def test_config_path_is_in_aigc_home(aigc, home):
    r = aigc("config", "path")
    assert r.out.strip() == str(home / "config.toml")


def test_config_show_says_where_a_value_came_from(aigc, fake):
    r = aigc("config", "show", OPENAI_BASE_URL=fake.url)
    assert fake.url in r.out
    assert "openai.base_url: environment OPENAI_BASE_URL" in r.out


def test_config_get_unknown_key_exits_2(aigc):
    r = aigc("config", "get", "nonsense.key")
    assert r.code == 2


def test_config_get_reads_a_model_entry_whose_name_has_dots(aigc):
    assert aigc("config", "set", "models.llama3.2.context_window", "32768").code == 0
    r = aigc("config", "get", "models.llama3.2.context_window")
    assert r.code == 0, r.err
    assert r.out.strip() == "32768"


def test_aigc_local_threads_sets_the_local_models_threads(monkeypatch, tmp_path):
    from aigc_cli.config import load_settings

    monkeypatch.setenv("AIGC_HOME", str(tmp_path))
    monkeypatch.setenv("AIGC_LOCAL_THREADS", "3")
    settings = load_settings()
    assert settings.local.n_threads == 3
    assert settings.sources["local.n_threads"] == "environment AIGC_LOCAL_THREADS"


def test_a_bad_aigc_local_threads_is_a_config_error_naming_the_variable(monkeypatch, tmp_path):
    import pytest

    from aigc_cli.config import load_settings
    from aigc_cli.errors import ConfigError

    monkeypatch.setenv("AIGC_HOME", str(tmp_path))
    monkeypatch.setenv("AIGC_LOCAL_THREADS", "0")
    with pytest.raises(ConfigError, match="AIGC_LOCAL_THREADS"):
        load_settings()
