#!/usr/bin/env python3
"""`aigc batch` throughput against an instant loopback server, beside the shell-loop way.

Runs N short items (default 10,000) through `aigc batch ask --lines` at -j 1, 8
and 32 and reports items/s and peak RSS; then the way people do it today,
`xargs -P 8` over one process per item (`aigc ask`, and `llm` when a venv with
it is given), on a sample (default 200 items) whose rate is compared. The
server is ../shared/bench-peers/fake_openai.py (instant, 8-token answers).

Usage: python3 bench/batch_bench.py [--items 10000] [--sample 200] [--llm /path/to/venv]
Prints a Markdown table (paste into bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAKE = HERE.parent.parent / "shared" / "bench-peers" / "fake_openai.py"


def start_fake(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port_file = tmp / "port"
    proc = subprocess.Popen([sys.executable, str(FAKE), "--port", "0", "--port-file", str(port_file),
                             "--tokens", "8", "--models", "fake,fake-8"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if port_file.exists() and port_file.read_text().strip():
            return proc, f"http://127.0.0.1:{port_file.read_text().strip()}/v1"
        time.sleep(0.05)
    raise SystemExit("fake server did not start")


def timed(cmd: list[str] | str, env: dict[str, str], shell: bool = False) -> tuple[float, float]:
    """Wall seconds and the peak RSS (MiB) of the largest child process."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {cmd}\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--jobs", default="1,8,32")
    ap.add_argument("--llm", help="a venv with llm installed (pip install llm)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="aigc-batch-bench-"))
    fake, url = start_fake(tmp)
    aigc = shutil.which("aigc") or "aigc"
    env = {**os.environ, "AIGC_HOME": str(tmp / "home"), "OPENAI_API_KEY": "dummy", "OPENAI_BASE_URL": url,
           "AIGC_MODEL": "fake-8"}
    lines = tmp / "items.txt"
    lines.write_text("".join(f"question {i}: what is {i} + {i}?\n" for i in range(args.items)))
    sample = tmp / "sample.txt"
    sample.write_text("".join(f"question {i}: what is {i} + {i}?\n" for i in range(args.sample)))
    rows = []
    try:
        for j in [int(x) for x in args.jobs.split(",")]:
            out = tmp / f"out-{j}.jsonl"
            wall, rss = timed([aigc, "batch", "ask", "--lines", str(lines), "--jsonl", str(out), "-j", str(j),
                               "--no-memory"], {**env, "AIGC_HOME": str(tmp / f"home-{j}")})
            assert sum(1 for _ in out.open()) == args.items
            rows.append((f"aigc batch -j {j}", args.items, wall, args.items / wall, rss))
        wall, rss = timed(f"xargs -P 8 -I{{}} {aigc} ask --no-log {{}} < {sample}", env, shell=True)
        rows.append(("xargs -P 8 aigc ask", args.sample, wall, args.sample / wall, rss))
        if args.llm:
            llm_home = tmp / "llm-home"
            llm_home.mkdir()
            (llm_home / "extra-openai-models.yaml").write_text(
                f"- model_id: fake-8\n  model_name: fake-8\n  api_base: {url}\n")
            llm_env = {**env, "LLM_USER_PATH": str(llm_home)}
            # llm migrates its logs.db on first use; eight first uses at once race on it
            subprocess.run([f"{args.llm}/bin/llm", "-m", "fake-8", "warm up"], env=llm_env, check=True,
                           capture_output=True)
            wall, rss = timed(f"xargs -P 8 -I{{}} {args.llm}/bin/llm -n -m fake-8 {{}} < {sample}", llm_env, shell=True)
            rows.append(("xargs -P 8 llm -n", args.sample, wall, args.sample / wall, rss))
    finally:
        fake.terminate()
    base = {name: rate for name, _, _, rate, _ in rows}
    ref = base.get("xargs -P 8 llm -n") or base.get("xargs -P 8 aigc ask")
    print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.1f}")
    print("| how | items | wall s | items/s | peak RSS MiB | × reference |")
    print("|---|---|---|---|---|---|")
    for name, n, wall, rate, rss in rows:
        print(f"| {name} | {n} | {wall:.1f} | {rate:.1f} | {rss:.0f} | {rate / ref:.1f} |")
    _ = resource  # (rusage comes from wait4)


if __name__ == "__main__":
    main()
