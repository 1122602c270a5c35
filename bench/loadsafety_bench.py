"""The cost of the safe load (issue #10): llama.cpp with and without its repacked
("extra buffer") CPU weights, on the bundled GGUF, as a Markdown section.

Each run is a child process (a crash of the fast path must not end the
bench): load, evaluate a ~500-token prompt, generate 64 tokens greedily;
the child reports load, prompt and generation seconds. Runs alternate
between the two settings; medians. On a CPU where the fast path crashes
(some AMX machines) only the safe path is measured and the crash is named.

    python3 bench/loadsafety_bench.py [--runs N] [--model FILE.gguf]
"""

from __future__ import annotations

import argparse
import json
import platform
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
import llama_cpp
from aigc_cli.backends.local import silence_llama_logs
from aigc_cli.backends.loadsafety import model_params
silence_llama_logs(llama_cpp)
path, on, threads = sys.argv[1], sys.argv[2] == "on", int(sys.argv[3])
t0 = time.perf_counter()
with model_params(llama_cpp, on):
    llm = llama_cpp.Llama(path, n_ctx=2048, n_threads=threads, n_threads_batch=threads, verbose=False)
t1 = time.perf_counter()
prompt = llm.tokenize(("The history of the printing press in Europe. " * 60).encode(), add_bos=True)[:500]
llm.eval(prompt)
t2 = time.perf_counter()
for _ in range(64):
    tok = llm.sample(temp=0.0)
    llm.eval([tok])
t3 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "prompt": t2 - t1, "gen": t3 - t2, "n_prompt": len(prompt)}))
"""


def run(model: Path, setting: str, threads: int) -> dict | str:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(model), setting, str(threads)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    if proc.returncode < 0:
        return f"crashes ({signal.Signals(-proc.returncode).name})"
    if proc.returncode != 0:
        return f"fails (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", type=Path)
    args = parser.parse_args()
    import llama_cpp

    from aigc_cli.backends import loadsafety
    from aigc_cli.backends.gguf import bundled_model, default_threads

    model = args.model or bundled_model()
    threads = default_threads()
    results: dict[str, list[dict]] = {"on": [], "off": []}
    crashed: dict[str, str] = {}
    for _ in range(args.runs):
        for setting in ("on", "off"):
            if setting in crashed:
                continue
            r = run(model, setting, threads)
            if isinstance(r, str):
                crashed[setting] = r
            else:
                results[setting].append(r)
    feats = loadsafety.amx_features(loadsafety.cpu_features(loadsafety.system_info(llama_cpp)))
    print("## Safe vs fast llama.cpp load (bench/loadsafety_bench.py)\n")
    print(f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {threads} threads, llama-cpp-python "
          f"{llama_cpp.__version__}, model {model.name}; AMX reported: {', '.join(feats) or 'no'}; "
          f"{args.runs} runs each, alternated, medians.\n")
    print("| extra buffers | load s | 500-token prompt s | 64 tokens s | tokens/s |")
    print("| --- | --- | --- | --- | --- |")
    med = {}
    for setting in ("on", "off"):
        if setting in crashed and not results[setting]:
            print(f"| {setting} | {crashed[setting]} | | | |")
            continue
        m = {k: statistics.median(r[k] for r in results[setting]) for k in ("load", "prompt", "gen")}
        med[setting] = m
        print(f"| {setting} | {m['load']:.2f} | {m['prompt']:.2f} | {m['gen']:.2f} | {64 / m['gen']:.1f} |")
    if len(med) == 2:
        print(f"\nSafe/fast: prompt {med['off']['prompt'] / med['on']['prompt']:.2f}x, "
              f"generation {med['off']['gen'] / med['on']['gen']:.2f}x.")


if __name__ == "__main__":
    main()
