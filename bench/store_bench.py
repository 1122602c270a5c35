"""Conversation store speed at 10k, 50k and 100k messages; prints a Markdown section.

    python bench/store_bench.py            # the section for bench/RESULTS.md
    python bench/store_bench.py --quick    # 10k and 50k messages only, fewer repeats

One store is filled (bench/fill_store.py: the peers' workload, two messages
per turn, answers of 300 words, a tenth of the questions in Chinese) and
measured at each size, then topped up to the next. Two views:

* store time, in process: opening the store, `search` for a word in most
  messages ("word"), a rare one ("needle"), a short CJK term (the LIKE
  fallback, "生成"), a longer CJK one; `list -n 20`; reading the last
  conversation as `ask -c` does; writing one turn (two fsync'd commits);
* whole commands, as a user runs them: `aigc history search word`,
  `aigc history list`, `aigc ask -c` against the loopback server, each
  next to `aigc --help` (start-up) in the same run.

Medians of several runs. Not a test: nothing is asserted.
"""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (10_000, 50_000, 100_000)  # messages (two per turn)
QUERIES = ("word", "needle", "生成", "人工智能")


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def fill(home: Path, messages: int) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "bench" / "fill_store.py"), "--target", str(messages // 2)],
                   env={**os.environ, "AIGC_HOME": str(home)}, check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def store_times(path: Path, repeats: int) -> dict[str, float]:
    """Milliseconds per store operation, in process."""
    from aigc_cli.store.db import Store, context_messages
    from aigc_cli.store.search import search

    def continue_last() -> object:
        with Store.open(path) as s:  # type: ignore[union-attr]
            conv = s.last()
            return context_messages(s.messages(conv.id))  # type: ignore[union-attr]

    out = {"open": median_ms(lambda: Store.open(path).close(), repeats)}  # type: ignore[union-attr]
    with Store.open(path) as store:  # type: ignore[union-attr]
        for q in QUERIES:
            out[f"search {q}"] = median_ms(lambda: search(store, q, 10), repeats)
        out["list -n 20"] = median_ms(lambda: store.list(20), repeats)
        out["continue last (read)"] = median_ms(continue_last, repeats)

        def write_turn() -> None:
            cid, uid = store.begin_turn(None, "bench question", backend="openai", model="m")
            store.finish_turn(cid, uid, "bench answer " * 100)

        out["write a turn"] = median_ms(write_turn, repeats)
    return out


def command_ms(args: list[str], env: dict[str, str], repeats: int) -> tuple[float, float]:
    """Median wall and median CPU (user + sys of the child) milliseconds of a whole command.

    CPU time is what the command itself costs; wall time also holds the
    waits of a machine shared with other jobs.
    """
    walls, cpus = [], []
    for i in range(repeats + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i:  # the first run warms the page cache
            walls.append(wall * 1000)
            cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def command_times(home: Path, url: str, repeats: int) -> dict[str, tuple[float, float]]:
    from tests.fixtures.openai_server import API_KEY

    env = {**os.environ, "AIGC_HOME": str(home), "OPENAI_API_KEY": API_KEY, "OPENAI_BASE_URL": url}
    return {
        "aigc --help": command_ms(["aigc", "--help"], env, repeats),
        "aigc history search word": command_ms(["aigc", "history", "search", "word", "-n", "10"], env, repeats),
        "aigc history list": command_ms(["aigc", "history", "list", "-n", "20"], env, repeats),
        "aigc ask -c hi": command_ms(["aigc", "ask", "-c", "hi"], env, repeats),
        "aigc ask --no-log hi": command_ms(["aigc", "ask", "--no-log", "hi"], env, repeats),
    }


def table(rows: dict[str, list], sizes: list[int]) -> list[str]:
    """A Markdown table, one column per store size; a (wall, cpu) pair shows as "wall / cpu"."""
    head = "| | " + " | ".join(f"{s:,} msgs" for s in sizes) + " |"
    lines = [head, "| --- |" + " ---: |" * len(sizes)]
    for name, values in rows.items():
        cells = [f"{v[0]:.0f} / {v[1]:.0f}" if isinstance(v, tuple) else f"{v:.1f}" for v in values]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def main() -> int:
    quick = "--quick" in sys.argv
    sizes = list(SIZES[:2] if quick else SIZES)
    repeats = 3 if quick else 7
    from tests.fixtures.openai_server import FakeOpenAI

    fake = FakeOpenAI()
    home = Path(os.environ.get("STORE_BENCH_HOME") or tempfile.mkdtemp(prefix="aigc-store-bench-"))
    store_rows: dict[str, list[float]] = {}
    cmd_rows: dict[str, list[float]] = {}
    notes = []
    for size in sizes:
        secs = fill(home, size)
        path = home / "history.db"
        notes.append(f"{size:,} messages: filled in {secs:.0f} s, file {path.stat().st_size / 1e6:.0f} MB")
        for k, v in store_times(path, repeats).items():
            store_rows.setdefault(k, []).append(v)
        for k, v in command_times(home, fake.url, repeats).items():
            cmd_rows.setdefault(k, []).append(v)
    fake.stop()
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "## Conversation store (bench/store_bench.py)",
        "",
        f"{now} · {os.cpu_count()} cores ({platform.machine()}) · Python {platform.python_version()}"
        f" · SQLite {sqlite3.sqlite_version} · median of {repeats} runs, machine shared with other jobs.",
        "",
        "Store time, in process (ms):",
        "",
        *table(store_rows, sizes),
        "",
        "Whole commands (ms, wall / CPU):",
        "",
        *table(cmd_rows, sizes),
        "",
        "CPU over `aigc --help`: " + "; ".join(
            f"{name} +{cmd_rows[name][-1][1] - cmd_rows['aigc --help'][-1][1]:.0f} ms"
            for name in cmd_rows if name != "aigc --help") + f" (at {sizes[-1]:,} messages).",
        "",
        *[f"- {n}" for n in notes],
    ]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
