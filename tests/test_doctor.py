"""`aigc doctor`: explains which settings won and checks the backend live."""

from __future__ import annotations

from tests.fixtures.openai_server import API_KEY


def test_doctor_names_the_environment_as_the_source_of_the_key_without_showing_it(aigc_api):
    r = aigc_api("doctor", "--offline")
    assert r.code == 0, r.err
    assert "backend     : openai" in r.out
    assert "openai.api_key = sk-…ture  <- environment OPENAI_API_KEY" in r.out
    assert API_KEY not in r.out


def test_doctor_live_check_asks_the_server_for_its_models(aigc_api, fake):
    r = aigc_api("doctor")
    assert r.code == 0, r.err
    assert "gpt-4o-mini answered" in r.out  # one tiny chat request with the model in force (#26.6)
    assert [q["path"] for q in fake.requests] == ["/v1/models", "/v1/chat/completions"]


def test_doctor_explains_a_backend_chosen_in_the_config_file(aigc):
    aigc("config", "set", "backend", "openai")
    r = aigc("doctor", "--offline")
    assert "chosen by `backend` from config file" in r.out


def test_doctor_with_a_dead_server_exits_4(aigc):
    r = aigc("doctor", OPENAI_API_KEY="sk-whatever-1234", OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    assert r.code == 4
    assert "cannot reach http://127.0.0.1:9/v1" in r.err
