"""Loading llama.cpp safely on any x86-64 CPU (issue #10).

llama.cpp's repacked ("extra buffer") weights segfault on some AMX CPUs. The
decision logic is tested on feature strings; the probe is tested with a child
that really dies by SIGSEGV (tests/fixtures/crashing_probe/sitecustomize.py
kills the probe child whose ``--extra-buffers`` value matches
``$CRASH_PROBE_WITH``), on the real bundled model.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from aigc_cli.backends import loadsafety
from aigc_cli.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures"
CRASHING = str(FIXTURES / "crashing_probe")

AMX_INFO = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | AVX512 = 1 | "
    "AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)
PLAIN_INFO = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)


def test_an_amx_cpu_picks_the_safe_load():
    decision = loadsafety.candidate("auto", loadsafety.cpu_features(AMX_INFO))
    assert decision.extra_buffers is False
    assert "AMX_INT8" in decision.reason


def test_a_cpu_without_amx_picks_the_fast_load():
    decision = loadsafety.candidate("auto", loadsafety.cpu_features(PLAIN_INFO))
    assert decision.extra_buffers is True


def test_amx_reported_as_zero_is_no_amx():
    decision = loadsafety.candidate("auto", loadsafety.cpu_features(PLAIN_INFO + "AMX_INT8 = 0 | "))
    assert decision.extra_buffers is True


@pytest.mark.parametrize("setting, expected", [("on", True), ("off", False)])
def test_the_setting_forces_either_load_whatever_the_cpu(setting, expected):
    for info in (AMX_INFO, PLAIN_INFO):
        decision = loadsafety.candidate(setting, loadsafety.cpu_features(info))
        assert (decision.extra_buffers, decision.source) == (expected, "setting")


# ------------------------------------------------------ probing, for real


def _reported(info: str) -> SimpleNamespace:
    """llama_cpp as far as the decision reads it: its feature report and version."""
    import llama_cpp

    return SimpleNamespace(llama_print_system_info=lambda: info.encode(), __version__=llama_cpp.__version__)


@pytest.fixture
def crashing(monkeypatch, tmp_path) -> Path:
    """Probe children with ``--extra-buffers on`` die by SIGSEGV; returns their log."""
    log = tmp_path / "probes.log"
    monkeypatch.setenv("AIGC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [CRASHING, os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("CRASH_PROBE_WITH", "on")
    monkeypatch.setenv("CRASH_PROBE_LOG", str(log))
    return log


@pytest.mark.slow
def test_a_probe_killed_by_sigsegv_leads_to_the_safe_load_and_a_stored_verdict(crashing, gguf_model, caplog):
    caplog.set_level("INFO", logger="aigc_cli")  # the core's notices (aigc_cli/notices.py); the CLI prints them
    decision = loadsafety.decide("auto", gguf_model, 1, _reported(PLAIN_INFO))
    assert (decision.extra_buffers, decision.source) == (False, "probe")
    assert "SIGSEGV" in decision.reason
    assert crashing.read_text().splitlines() == ["probe --extra-buffers on", "probe --extra-buffers off"]
    verdicts = list((Path(os.environ["AIGC_HOME"]) / "models" / "verdicts").glob("*.json"))
    assert [json.loads(v.read_text())["extra_buffers"] for v in verdicts] == [False]
    said = caplog.text
    assert "crashed (SIGSEGV)" in said and "safe load settings" in said


@pytest.mark.slow
def test_a_remembered_verdict_is_used_without_probing_again(crashing, gguf_model, capsys):
    loadsafety.decide("auto", gguf_model, 1, _reported(PLAIN_INFO))
    capsys.readouterr()
    again = loadsafety.decide("auto", gguf_model, 1, _reported(PLAIN_INFO))
    assert (again.extra_buffers, again.source) == (False, "verdict")
    assert len(crashing.read_text().splitlines()) == 2  # no third probe
    assert capsys.readouterr().err == ""  # said once


def _this_cpu_has_amx() -> bool:
    import llama_cpp

    return bool(loadsafety.amx_features(loadsafety.cpu_features(loadsafety.system_info(llama_cpp))))


@pytest.mark.slow
@pytest.mark.skipif(_this_cpu_has_amx(), reason="on this AMX CPU the real fast path may crash the probe")
def test_a_probe_that_answers_keeps_the_fast_load(crashing, gguf_model, monkeypatch):
    monkeypatch.setenv("CRASH_PROBE_WITH", "never")
    decision = loadsafety.decide("auto", gguf_model, 1, _reported(PLAIN_INFO))
    assert (decision.extra_buffers, decision.source) == (True, "cpu")


@pytest.mark.slow
def test_an_amx_cpu_probes_only_the_safe_load(crashing, gguf_model):
    decision = loadsafety.decide("auto", gguf_model, 1, _reported(AMX_INFO))
    assert decision.extra_buffers is False
    assert crashing.read_text().splitlines() == ["probe --extra-buffers off"]


@pytest.mark.slow
def test_a_model_that_crashes_either_way_is_a_clear_error(crashing, gguf_model, monkeypatch):
    monkeypatch.setenv("CRASH_PROBE_WITH", "any")
    with pytest.raises(ConfigError, match="crashes"):
        loadsafety.decide("auto", gguf_model, 1, _reported(PLAIN_INFO))


def test_a_forced_setting_never_probes(crashing, tmp_path):
    decision = loadsafety.decide("on", tmp_path / "not-even-read.gguf", 1, _reported(AMX_INFO))
    assert (decision.extra_buffers, decision.source) == (True, "setting")
    assert not crashing.exists()


# ----------------------------------------------------- the installed command


@pytest.mark.slow
def test_ask_on_the_local_model_survives_a_crashing_fast_path(aigc, gguf_model):
    """Whatever this machine's CPU, a crashing fast path ends in an answer, not a SIGSEGV."""
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [CRASHING, os.environ.get("PYTHONPATH")])),
           "CRASH_PROBE_WITH": "on"}  # fmt: skip
    r = aigc("ask", "-b", "local", "--model-path", str(gguf_model), "--max-tokens", "8", "Say hi.", **env)
    assert r.code == 0, r.err
    assert r.out.strip()
    again = aigc("ask", "-b", "local", "--model-path", str(gguf_model), "--max-tokens", "8", "Say hi.", **env)
    assert again.code == 0 and "crashed" not in again.err


@pytest.mark.slow
def test_ask_with_a_model_that_crashes_either_way_exits_3_with_one_line(aigc, gguf_model):
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [CRASHING, os.environ.get("PYTHONPATH")])),
           "CRASH_PROBE_WITH": "any"}  # fmt: skip
    r = aigc("ask", "-b", "local", "--model-path", str(gguf_model), "--max-tokens", "8", "Say hi.", **env)
    assert r.code == 3
    assert "llama.cpp crashes (SIGSEGV)" in r.err


def test_config_show_lists_the_extra_buffers_setting(aigc):
    aigc("config", "set", "local.extra_buffers", "off")
    r = aigc("config", "show")
    assert r.code == 0, r.err
    assert "extra_buffers" in r.out and "off" in r.out


def test_a_bad_extra_buffers_value_is_refused(aigc):
    r = aigc("config", "set", "local.extra_buffers", "sometimes")
    assert r.code == 2
    assert "extra_buffers" in r.err


@pytest.mark.slow
def test_doctor_prints_the_cpu_features_and_how_the_model_loads(aigc, gguf_model):
    r = aigc("doctor", "-b", "local", "--model-path", str(gguf_model))
    assert r.code == 0, r.err
    assert "cpu features:" in r.out and "AVX" in r.out
    assert "extra buffers:" in r.out
