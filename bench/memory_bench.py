"""What personal memory costs a one-shot `aigc ask`; prints a Markdown section.

    python bench/memory_bench.py

`aigc ask hi` against the loopback OpenAI server with 0 memories, 10 short
ones (the block surely fits its budget by its UTF-8 size: nothing is
counted), and 200 (more than the 400-token budget: counted with tiktoken,
the oldest left out), next to `--no-memory` with those 200; plus
`aigc memory list` with 200. Medians of the commands' CPU time (user +
system: wall time on a shared machine is mostly waiting); nothing is asserted.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import AIGC, base_env  # noqa: E402
from tests.fixtures.openai_server import API_KEY, FakeOpenAI  # noqa: E402

RUNS = 7


def timed(args: list[str], env: dict[str, str], stdin: str = "") -> float:
    """CPU seconds (user + system) the command took: steadier than wall time on a shared machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([AIGC, *args], input=stdin.encode(), capture_output=True, env=env, timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    took = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"{args}: {proc.stderr.decode()[-400:]}")
    return took


def median(args: list[str], env: dict[str, str]) -> float:
    timed(args, env)  # warm the page cache
    return statistics.median(timed(args, env) for _ in range(RUNS))


def home_with(n: int, server: FakeOpenAI) -> dict[str, str]:
    home = Path(tempfile.mkdtemp(prefix="aigc-membench-"))
    env = {**base_env(home), "OPENAI_API_KEY": API_KEY, "OPENAI_BASE_URL": server.url}
    if n:
        lines = "".join(f"fact {i}: the user prefers option {i} when asked about topic {i}\n" for i in range(n))
        timed(["memory", "add"], env, lines)
    return env


def in_process() -> list[tuple[str, float]]:
    """The block itself, in this process: 10 memories (byte bound) and 200 (tiktoken; the
    first call loads the encoding)."""
    from aigc_cli.memory.block import with_block
    from aigc_cli.memory.store import Memory

    def memories(n: int) -> list[Memory]:
        return [Memory(i, f"fact {i}: the user prefers option {i} when asked about topic {i}", 0.0, "cli", False)
                for i in range(n)]

    out = []
    for n in (10, 200):
        items = memories(n)
        start = time.perf_counter()
        with_block("Be brief.", items, 400, "gpt-4o-mini")
        first = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(20):
            with_block("Be brief.", items, 400, "gpt-4o-mini")
        out.append((f"block of {n} memories, in process: first call / after", first, (time.perf_counter() - start) / 20))
    return out


def main() -> None:
    server = FakeOpenAI()
    try:
        rows = []
        for n in (0, 10, 200):
            rows.append((f"`ask hi`, {n} memories", median(["ask", "hi"], home_with(n, server))))
        many = home_with(200, server)
        rows.append(("`ask --no-memory hi`, 200 memories", median(["ask", "--no-memory", "hi"], many)))
        rows.append(("`memory list`, 200 memories", median(["memory", "list"], many)))
        rows.append(("`--help`", median(["--help"], many)))
    finally:
        server.stop()
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"## Personal memory: cost per command ({when}; {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, median of {RUNS})\n")
    print("| command | CPU time |\n| --- | --- |")
    for name, took in rows:
        print(f"| {name} | {took * 1000:.0f} ms |")
    for name, first, after in in_process():
        print(f"| {name} | {first * 1000:.1f} ms / {after * 1000:.2f} ms (wall) |")


if __name__ == "__main__":
    main()
