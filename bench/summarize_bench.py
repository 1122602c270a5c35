#!/usr/bin/env python3
"""Benchmark `aigc summarize`: map-step concurrency and peak memory.

1. Speed: a 1 MB text against the loopback fake server answering every
   request with a 100-word summary streamed at 10 ms per word (token), the
   model's window set to 4,096 tokens so the text splits into ~80 parts;
   `--jobs 1` vs `--jobs 4`, wall time of the whole command.
2. Memory: a 50 MB text (the default 128k window, instant answers), peak RSS
   of the `aigc` process from /usr/bin/time -v.

Usage: python3 bench/summarize_bench.py [--runs N] [--big-mb 50]
Prints a Markdown section for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fixtures.openai_server import API_KEY, FakeOpenAI, Reply  # noqa: E402

AIGC = shutil.which("aigc") or str(Path(sys.executable).with_name("aigc"))
WORDS = ("the committee reviewed the budget and agreed that the new plan would ship in spring "
         "after two more rounds of testing with users in three cities ").split()


READING = """Reading: the map step is I/O-bound on the server, so four threads (the openai
SDK client is thread-safe) divide its wall time by about four; what is left is
serial: start-up and imports (~1-3 s on this busy machine), tokenizing the
input, and the final merge request. Memory is bounded by design: files are read
in 1 MB blocks through an incremental UTF-8 decoder, chunks are produced lazily
and at most `2 × jobs` are in flight, and only the short part summaries are
kept, so a 50 MB input costs little over what the process needs anyway.
Re-run: `python3 bench/summarize_bench.py`."""


def make_text(path: Path, megabytes: float) -> None:
    """English-like prose, written in blocks so the bench itself stays small."""
    target = int(megabytes * 1024 * 1024)
    para = " ".join(WORDS[i % len(WORDS)] for i in range(120)) + ".\n\n"
    block = para * 64
    with path.open("w") as fh:
        written = 0
        n = 0
        while written < target:
            piece = f"Section {n}. " + block
            fh.write(piece)
            written += len(piece)
            n += 1


def env_for(home: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AIGC_"))}
    env.update(AIGC_HOME=str(home), OPENAI_API_KEY=API_KEY, OPENAI_BASE_URL=url)
    return env


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one `aigc` run."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", AIGC, *args], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"aigc failed ({proc.returncode}): {proc.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    return wall, rss


def speed(tmp: Path, runs: int) -> list[str]:
    fake = FakeOpenAI()
    fake.default = Reply(text=" ".join(WORDS[i % len(WORDS)] for i in range(100)), chunk_delay=0.01)
    home = tmp / "home-speed"
    home.mkdir()
    (home / "config.toml").write_text('[models.gpt-4o-mini]\ncontext_window = 4096\n')
    doc = tmp / "one-mb.txt"
    make_text(doc, 1)
    env = env_for(home, fake.url)
    rows = []
    walls: dict[int, float] = {}
    for jobs in (1, 4):
        fake.requests.clear()
        results = [timed(["summarize", "--no-log", "--jobs", str(jobs), str(doc)], env) for _ in range(runs)]
        requests = len(fake.chat_requests) // runs
        walls[jobs] = statistics.median(w for w, _ in results)
        rss = max(r for _, r in results) / 1024
        rows.append(f"| `--jobs {jobs}` | {requests} | {walls[jobs]:.2f} | {rss:.0f} |")
    fake.stop()
    return [
        "1 MB English text, fake server streaming a 100-token answer at 10 ms/token, window 4,096:",
        "",
        "| run | requests (map + reduce) | wall s (median) | peak RSS MiB |",
        "| --- | ---: | ---: | ---: |",
        *rows,
        "",
        f"Speed-up `--jobs 4` over `--jobs 1`: **{walls[1] / walls[4]:.1f}x**.",
    ]


def memory(tmp: Path, megabytes: float) -> list[str]:
    fake = FakeOpenAI()
    fake.default = Reply(text="A short summary of this part.")
    home = tmp / "home-mem"
    home.mkdir()
    doc = tmp / "big.txt"
    make_text(doc, megabytes)
    env = env_for(home, fake.url)
    wall, rss = timed(["summarize", "--no-log", str(doc)], env)
    requests = len(fake.chat_requests)
    small = tmp / "small.txt"
    small.write_text("A short text.\n")
    _, base = timed(["summarize", "--no-log", str(small)], env)
    fake.stop()
    return [
        f"{megabytes:.0f} MB English text, default window (128k), instant answers: {requests} requests, "
        f"wall {wall:.1f} s, **peak RSS {rss / 1024:.0f} MiB** (a 14-byte input: {base / 1024:.0f} MiB).",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--big-mb", type=float, default=50)
    args = ap.parse_args()
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{os.cpu_count()} cores ({platform.machine()}) · Python {platform.python_version()}"
    with tempfile.TemporaryDirectory() as tmp:
        lines = [
            "## Summarize: map-step concurrency and memory (bench/summarize_bench.py)",
            "",
            f"{stamp} · {machine} · machine shared with other jobs.",
            "",
            *speed(Path(tmp), args.runs),
            "",
            *memory(Path(tmp), args.big_mb),
            "",
            READING,
        ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
