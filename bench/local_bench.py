"""Local backend speed (issue #7), printed as a Markdown section.

1. `aigc ask -b local` generating 64 tokens, against a minimal
   llama-cpp-python script that loads the same GGUF with the same context
   size and threads and generates the same tokens from the same prompt.
   Whole-process wall time, runs alternated, medians and the paired ratio.
2. Continuing a local conversation with ~2,000 tokens of history
   (`aigc ask -c`): time to the first byte of the answer on stdout, with the
   saved prompt state (warm) and with the state cache off (cold), and
   whether both give the same answer at temperature 0.

    python3 bench/local_bench.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aigc_cli.backends.gguf import default_threads  # noqa: E402
from aigc_cli.backends.transcript import STOP_SEQUENCES, build_prompt  # noqa: E402
from aigc_cli.messages import Message  # noqa: E402

# the installed script itself: a pyenv shim in front of it would add its own ~70 ms
_BESIDE = Path(sys.executable).with_name("aigc")
AIGC = str(_BESIDE) if _BESIDE.exists() else (shutil.which("aigc") or "aigc")
QUESTION = "Give a numbered list of ten healthy habits."  # runs to 64 tokens at temperature 0
N_CTX = 8192

MINIMAL = """
import sys
from llama_cpp import Llama
path, n_ctx, threads, prompt_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
prompt = open(prompt_file, encoding="utf-8").read()
llm = Llama(path, n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, verbose=False)
for ev in llm.create_completion(prompt, max_tokens=64, temperature=0, repeat_penalty=1.1,
                                stop=sys.argv[5:], stream=True):
    sys.stdout.write(ev["choices"][0]["text"]); sys.stdout.flush()
print()
"""


def env_for(home: Path | None = None) -> dict[str, str]:
    """A clean environment; bytecode may be written, as in any normal install."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AIGC_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if home is not None:
        env["AIGC_HOME"] = str(home)
    return env


def timed(cmd: list[str], env: dict[str, str] | None = None, stdin: bytes = b"") -> tuple[float, float, str]:
    """Wall time, time to the first stdout byte, and stdout of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin and proc.stdout
    proc.stdin.write(stdin)
    proc.stdin.close()
    first = proc.stdout.read(1)
    ttft = time.perf_counter() - start
    rest = proc.stdout.read()
    err = proc.stderr.read() if proc.stderr else b""
    proc.wait()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}): {err.decode(errors='replace')[-500:]}")
    return wall, ttft, (first + rest).decode("utf-8", "replace")


def oneshot(home: Path, model: Path, runs: int) -> list[str]:
    env = env_for(home)
    aigc_cmd = [AIGC, "ask", "-b", "local", "--max-tokens", "64", "--temperature", "0", QUESTION]
    prompt_file = home / "prompt.txt"
    prompt_file.write_text(build_prompt([Message(role="user", content=QUESTION)]), encoding="utf-8")
    script = home / "minimal.py"
    script.write_text(MINIMAL)
    minimal_cmd = [sys.executable, str(script), str(model), str(N_CTX), str(default_threads()),
                   str(prompt_file), *STOP_SEQUENCES]  # fmt: skip
    timed(aigc_cmd, env)  # warm the page cache and the model cache
    timed(minimal_cmd, env_for())
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(timed(aigc_cmd, env)[0])
        theirs.append(timed(minimal_cmd, env_for())[0])
    ratios = [a / b for a, b in zip(ours, theirs)]
    out_a = timed(aigc_cmd, env)[2].strip()
    out_m = timed(minimal_cmd, env_for())[2].strip()
    return [
        f"`aigc ask -b local` 64 tokens vs a minimal llama-cpp-python script (same GGUF, n_ctx {N_CTX}, "
        f"{default_threads()} threads, same prompt), {runs} alternated runs:",
        "",
        "| | median wall (s) |",
        "| --- | ---: |",
        f"| aigc ask -b local | {statistics.median(ours):.2f} |",
        f"| minimal script | {statistics.median(theirs):.2f} |",
        f"| fastest run | {min(ours):.2f} vs {min(theirs):.2f} |",
        f"| paired ratio (median) | {statistics.median(ratios):.2f}x |",
        f"| ratio of fastest runs | {min(ours) / min(theirs):.2f}x |",
        "",
        f"Same text from both: {'yes' if out_a == out_m else 'NO'}.",
    ]


def history_text(n_lines: int = 110) -> str:
    return "\n".join(
        f"Entry {i}: the shipment of item {i * 13 % 97} left warehouse {i % 7} on day {i % 28 + 1}."
        for i in range(n_lines)
    )


def continuation(home: Path, model: Path, runs: int) -> list[str]:
    warm, cold = home / "warm", home / "cold"
    for h in (warm, cold):
        h.mkdir()
        (h / "config.toml").write_text(f'backend = "local"\n[local]\nmodel_path = "{model}"\n')
    with (cold / "config.toml").open("a") as fh:
        fh.write("state_cache_mb = 0\n")
    first = [AIGC, "ask", "--max-tokens", "24", "--temperature", "0", "Which warehouse did item 5 leave from?"]
    doc = history_text().encode()
    for h in (warm, cold):
        timed(first, env_for(h), stdin=doc)
    follow = [AIGC, "ask", "-c", "--no-log", "--max-tokens", "16", "--temperature", "0", "And item 12?"]
    warm_t, cold_t, answers = [], [], set()
    for _ in range(runs):
        _, t, a = timed(follow, env_for(warm))
        warm_t.append(t)
        answers.add(("warm", a))
        _, t, c = timed(follow, env_for(cold))
        cold_t.append(t)
        answers.add(("cold", c))
    same = len({a for _, a in answers}) == 1
    tokens = _history_tokens(model, doc.decode())
    return [
        f"`aigc ask -c` continuing a local conversation with {tokens} tokens of history, "
        f"time to the first answer byte (whole process), {runs} alternated runs:",
        "",
        "| | median TTFT (s) |",
        "| --- | ---: |",
        f"| cold (local.state_cache_mb = 0) | {statistics.median(cold_t):.2f} |",
        f"| warm (saved prompt state) | {statistics.median(warm_t):.2f} |",
        f"| ratio warm/cold | {statistics.median(warm_t) / statistics.median(cold_t):.2f} |",
        "",
        f"Same answer warm and cold at temperature 0: {'yes' if same else 'NO'}.",
    ]


def _history_tokens(model: Path, text: str) -> int:
    from aigc_cli.backends.local import _llama_cpp

    llm = _llama_cpp().Llama(str(model), n_ctx=512, vocab_only=True, verbose=False)  # silenced
    return len(llm.tokenize(text.encode(), add_bos=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["oneshot", "continue"], help="run one of the two parts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aigc-local-bench-") as tmp:
        base = Path(tmp)
        from tests.fixtures.llama_server import bundled_gguf

        model = bundled_gguf(base / "gguf")
        (base / "oneshot").mkdir()
        (base / "oneshot" / "config.toml").write_text(f'[local]\nmodel_path = "{model}"\n')
        lines = ["## Local backend (llama.cpp in-process, Gemma 3 270M Q4_K_M)", ""]
        if args.only != "continue":
            lines += oneshot(base / "oneshot", model, args.runs) + [""]
        if args.only != "oneshot":
            lines += continuation(base, model, args.runs)
        print("\n".join(lines))


if __name__ == "__main__":
    main()
