"""Local tasks on the bundled base model (issue #12), printed as a Markdown section.

1. `aigc plan --json "Learn Rust in 4 weeks"`: wall time, steps, distinct steps
   that are not the goal restated.
2. `aigc summarize --length short` of ~15 KB of real Chinese text (the start of
   Vim's Chinese tutor, /usr/share/vim/vim90/tutor/tutor.zh_cn.utf-8, cut at a
   line): wall time, output bytes against input bytes.
3. `aigc write --tone friendly --format email "thank the team for the launch"`:
   wall time, and whether it echoes the recipe.
4. Ten fixed prompts (tests/fixtures/quality.py, five Chinese, five English):
   whether each answer echoes the prompt/template or loops.

Whole-process wall time of the installed `aigc` (this worktree's code through
PYTHONPATH), greedy (-t 0), medians of --runs runs, after one warm-up run that
pays the one-time load-safety probe.

    python3 bench/base_quality.py [--runs 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aigc_cli.backends.gguf import bundled_model  # noqa: E402
from tests.fixtures.quality import CASES, echoes, loops  # noqa: E402

_BESIDE = Path(sys.executable).with_name("aigc")
AIGC = str(_BESIDE) if _BESIDE.exists() else (shutil.which("aigc") or "aigc")
TUTOR = Path("/usr/share/vim/vim90/tutor/tutor.zh_cn.utf-8")
GOAL = "Learn Rust in 4 weeks"
BRIEF = "thank the team for the launch"


def chinese_text(limit: int = 15_000) -> str:
    """The first ``limit`` bytes of the Chinese Vim tutor, cut at a line end."""
    data = TUTOR.read_bytes()[:limit]
    return data[: data.rfind(b"\n") + 1].decode("utf-8")


def run(env: dict[str, str], model: Path, *args: str, stdin: str | None = None) -> tuple[float, str, int]:
    start = time.perf_counter()
    p = subprocess.run(
        [AIGC, *args, "--model-path", str(model), "-t", "0", "--no-log"],
        input=stdin, capture_output=True, text=True, env=env, timeout=900,
    )
    return time.perf_counter() - start, p.stdout, p.returncode


def timed(env: dict[str, str], model: Path, runs: int, *args: str, stdin: str | None = None) -> tuple[float, list[str]]:
    times, outs = [], []
    for _ in range(runs):
        t, out, code = run(env, model, *args, stdin=stdin)
        if code != 0:
            raise SystemExit(f"aigc {' '.join(args)} failed with exit code {code}")
        times.append(t)
        outs.append(out)
    return statistics.median(times), outs


def plan_row(env: dict[str, str], model: Path, runs: int) -> str:
    t, outs = timed(env, model, runs, "plan", "--json", GOAL)
    plans = [json.loads(o) for o in outs]
    good = [len({s["title"].lower() for s in p["steps"] if s["title"].lower() != GOAL.lower()}) for p in plans]
    return f"| `plan --json \"{GOAL}\"` | 7.6 s, 1 step (the goal) | {t:.1f} s | distinct steps, not the goal: {good} |"


def summarize_row(env: dict[str, str], model: Path, runs: int) -> str:
    text = chinese_text()
    size = len(text.encode())
    t, outs = timed(env, model, runs, "summarize", "--length", "short", stdin=text)
    sizes = [len(o.encode()) for o in outs]
    ratio = max(sizes) / size
    return (f"| `summarize --length short` of {size / 1000:.1f} KB Chinese | 3 min 47 s, 23 KB out (9.9 KB in) "
            f"| {t:.1f} s | out {sizes} bytes, at most {ratio:.0%} of the input |")


def write_row(env: dict[str, str], model: Path, runs: int) -> str:
    t, outs = timed(env, model, runs, "write", "--tone", "friendly", "--format", "email", BRIEF)
    echo = [bool(echoes(o, "write", BRIEF)) for o in outs]
    return f"| `write --format email` | 2.5 s, echoed the recipe | {t:.1f} s | echoes the recipe: {echo} |"


def case_rows(env: dict[str, str], model: Path) -> list[str]:
    rows = []
    for case in CASES:
        t, out, code = run(env, model, *case.args, "--json", stdin=case.stdin)
        data = json.loads(out) if code == 0 else {}
        answer = data.get("answer", "")
        prompt = case.stdin or case.args[-1]
        echo, loop = echoes(answer, case.recipe, prompt), loops(answer)
        shown = answer.strip().replace("\n", " ").replace("|", "\\|")[:80]
        rows.append(f"| {case.label} | {t:.1f} s | {data.get('finish_reason')} | {'yes' if echo else 'no'} "
                    f"| {'yes' if loop else 'no'} | {shown} |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="local.n_threads (1 on a shared, loaded machine)")
    args = ap.parse_args()
    model = bundled_model()
    with tempfile.TemporaryDirectory() as home:
        Path(home, "config.toml").write_text(f"[local]\nn_threads = {args.threads}\n")
        env = {**os.environ, "AIGC_HOME": home, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
        run(env, model, "ask", "--max-tokens", "4", "hi")  # warm-up: the load-safety probe
        load = os.getloadavg()[0]
        rows = [plan_row(env, model, args.runs), summarize_row(env, model, args.runs), write_row(env, model, args.runs)]
        cases = case_rows(env, model)
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f} "
          f"at the start; local.n_threads = {args.threads}; medians of {args.runs} runs.\n")
    print("| task | before (issue #12) | now | quality |\n| --- | --- | --- | --- |")
    print("\n".join(rows))
    print("\n| prompt | time | finish | echoes | loops | answer (start) |\n| --- | --- | --- | --- | --- | --- |")
    print("\n".join(cases))


if __name__ == "__main__":
    main()
