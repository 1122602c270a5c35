"""Loading a GGUF in a way that works on this CPU (docs/ARCHITECTURE.md, "Local backend").

llama.cpp's CPU backend repacks some weight types (Q4_K among them) into
"extra buffer types" for faster kernels; on CPUs with AMX (Sapphire Rapids
class) the first matrix multiply in that path segfaults on some models
(upstream, ggml-org/llama.cpp#20824). Loading with ``use_extra_bufts=False``
avoids it at some speed cost (bench/RESULTS.md).

A native crash must never be the first thing a user sees, so the choice is:

1. ``local.extra_buffers = on|off`` forces it (no probe);
2. ``auto``: the CPU features llama.cpp reports decide the candidate (AMX -> off);
3. a verdict remembered for this model file on this machine, if any;
4. else a tiny decode in a *child* process with the candidate settings; a child
   killed by a signal means the safe settings (probed too), and the verdict
   is written next to the model cache so the probe runs once.

Only the child (``python -m aigc_cli.backends.probe``) and the caller's load
touch llama.cpp; this module imports it only for ``system_info``.
"""

from __future__ import annotations

import contextlib
import hashlib
import platform
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from aigc_cli import paths
from aigc_cli.errors import ConfigError

Setting = Literal["auto", "on", "off"]
PROBE_TIMEOUT_S = 180.0
_FEATURE = re.compile(r"([A-Z][A-Z0-9_]*) = (\w+)")


class Decision(BaseModel):
    """How a model is loaded on this machine, and why (shown by `aigc doctor`)."""

    extra_buffers: bool
    reason: str
    source: Literal["setting", "cpu", "verdict", "probe"]


class Verdict(BaseModel):
    """A probe's result for one model file on one machine, kept in the model cache."""

    extra_buffers: bool
    reason: str
    model: str
    machine: str


# ------------------------------------------------------------ CPU features


def system_info(llama_cpp: Any) -> str:
    return llama_cpp.llama_print_system_info().decode("utf-8", "replace")


def cpu_features(info: str) -> dict[str, str]:
    """``"CPU : SSE3 = 1 | AMX_INT8 = 1 | ..."`` -> ``{"SSE3": "1", "AMX_INT8": "1"}``."""
    return dict(_FEATURE.findall(info))


def amx_features(features: dict[str, str]) -> list[str]:
    return sorted(k for k, v in features.items() if k.startswith("AMX") and v == "1")


def candidate(setting: Setting, features: dict[str, str]) -> Decision:
    """The load settings before any probe: forced, or chosen from the CPU features."""
    if setting != "auto":
        on = setting == "on"
        return Decision(extra_buffers=on, reason=f"local.extra_buffers = {setting}", source="setting")
    amx = amx_features(features)
    if amx:
        return Decision(
            extra_buffers=False,
            reason=f"the CPU reports {', '.join(amx)}: llama.cpp's repacked AMX weights can crash",
            source="cpu",
        )
    return Decision(extra_buffers=True, reason="no AMX reported: the fast repacked weights", source="cpu")


# ---------------------------------------------------------------- verdicts


def machine_id(info: str) -> str:
    """What makes a verdict valid: this CPU, this llama.cpp build's features, this OS."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    raw = "|".join([platform.machine(), platform.system(), model, info])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _model_id(path: Path) -> str:
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def verdict_file(path: Path, machine: str, llama_version: str) -> Path:
    key = hashlib.sha256(f"{_model_id(path)}|{machine}|{llama_version}".encode()).hexdigest()[:24]
    return paths.model_cache_dir() / "verdicts" / f"{key}.json"


def read_verdict(file: Path) -> Verdict | None:
    try:
        return Verdict.model_validate_json(file.read_text())
    except (OSError, ValueError):
        return None  # none yet, or damaged: probe again


def write_verdict(file: Path, verdict: Verdict) -> None:
    from aigc_cli.fileio import atomic_write

    atomic_write(file, verdict.model_dump_json(), mode=0o644)


# ------------------------------------------------------------------ probing


def run_probe(path: Path, extra_buffers: bool, threads: int) -> int:
    """Load ``path`` and decode a few tokens in a child; its return code (<0: signal)."""
    cmd = [sys.executable, "-m", "aigc_cli.backends.probe", str(path),
           "--extra-buffers", "on" if extra_buffers else "off", "--threads", str(threads)]  # fmt: skip
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=PROBE_TIMEOUT_S)  # fmt: skip
    except subprocess.TimeoutExpired:
        return 0  # slow is not a crash: load normally
    return proc.returncode


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def decide(setting: Setting, path: Path, threads: int, llama_cpp: Any) -> Decision:
    """How to load ``path`` here; probes a child once per model and machine (see module doc)."""
    info = system_info(llama_cpp)
    first = candidate(setting, cpu_features(info))
    if first.source == "setting":
        return first
    machine = machine_id(info)
    file = verdict_file(path, machine, getattr(llama_cpp, "__version__", "?"))
    known = read_verdict(file)
    if known is not None:
        return Decision(extra_buffers=known.extra_buffers, reason=known.reason, source="verdict")
    decision = _probe_until_safe(path, first, threads)
    write_verdict(file, Verdict(extra_buffers=decision.extra_buffers, reason=decision.reason,
                                model=str(path), machine=machine))  # fmt: skip
    return decision


def _probe_until_safe(path: Path, first: Decision, threads: int) -> Decision:
    code = run_probe(path, first.extra_buffers, threads)
    if code >= 0:
        return first
    crash = _signal_name(code)
    if not first.extra_buffers:
        raise ConfigError(
            f"llama.cpp crashes ({crash}) running {path.name} on this machine, even with the safe load settings",
            hint="try another GGUF file or the openai backend (-b openai)",
        )
    safe_code = run_probe(path, False, threads)
    if safe_code < 0:
        raise ConfigError(
            f"llama.cpp crashes ({_signal_name(safe_code)}) running {path.name} on this machine",
            hint="try another GGUF file or the openai backend (-b openai)",
        )
    from aigc_cli.notices import notify

    notify(
        f"llama.cpp crashed ({crash}) running {path.name} with repacked CPU weights on this machine; "
        "using the safe load settings from now on (local.extra_buffers = off forces this)"
    )
    return Decision(extra_buffers=False, reason=f"a probe of the fast path crashed ({crash})", source="probe")


# ---------------------------------------------------------------- loading


@contextlib.contextmanager
def model_params(llama_cpp: Any, extra_buffers: bool) -> Iterator[None]:
    """Make ``llama_cpp.Llama(...)`` load with ``use_extra_bufts = extra_buffers``.

    llama-cpp-python's ``Llama`` takes no such argument: it fills its model
    parameters from ``llama_model_default_params()`` and loads in the same
    constructor, so that factory is wrapped for the duration of one load.
    """
    low = llama_cpp.llama_cpp
    original = low.llama_model_default_params

    def defaults() -> Any:
        params = original()
        params.use_extra_bufts = extra_buffers
        return params

    low.llama_model_default_params = defaults
    try:
        yield
    finally:
        low.llama_model_default_params = original
