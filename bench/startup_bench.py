"""`aigc --help` before and after a change, and how long a Tab completion takes.

Runs the installed `aigc` script with PYTHONPATH pointing at two source trees
(e.g. a `git archive` of main and your worktree), alternating them run by
run so that a busy machine slows both alike; prints medians of wall time
and CPU time (user + system, from rusage). Then times completion requests
the way the bash script makes them (``_AIGC_COMPLETE=complete_bash``).

    git archive main | tar -x -C /tmp/base
    python bench/startup_bench.py --before /tmp/base --after . --runs 20
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one run."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def report(label: str, samples: list[tuple[float, float]]) -> None:
    wall = statistics.median(s[0] for s in samples) * 1000
    cpu = statistics.median(s[1] for s in samples) * 1000
    print(f"| {label} | {wall:.0f} | {cpu:.0f} | {len(samples)} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="source tree before the change")
    ap.add_argument("--after", default=".", help="source tree after the change")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    # the console script beside this Python, not a version manager's shim (a shell script of its own)
    beside = Path(sys.executable).with_name("aigc")
    aigc = str(beside) if beside.exists() else shutil.which("aigc") or "aigc"
    home = tempfile.mkdtemp(prefix="aigc-bench-")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AIGC_"))}
    base["AIGC_HOME"] = home
    trees = {"before": os.path.abspath(args.before), "after": os.path.abspath(args.after)}
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in trees}
    for i in range(3 + args.runs):
        order = list(trees.items()) if i % 2 else list(trees.items())[::-1]
        for name, tree in order:
            result = timed([aigc, "--help"], {**base, "PYTHONPATH": tree})
            if i >= 3:  # the first runs warm the page cache and .pyc files
                samples[name].append(result)
    print("| case | wall ms (median) | cpu ms (median) | runs |\n|---|---|---|---|")
    for name in trees:
        report(f"aigc --help ({name})", samples[name])
    after = {**base, "PYTHONPATH": trees["after"], "_AIGC_COMPLETE": "complete_bash"}
    for line, cword in (("aigc ", 1), ("aigc run ", 2), ("aigc ask -m ", 3), ("aigc history show ", 3)):
        env = {**after, "COMP_WORDS": line, "COMP_CWORD": str(cword)}
        runs = [timed([aigc], env) for _ in range(args.runs)]
        report(f"Tab after `{line.strip()}`", runs)
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
