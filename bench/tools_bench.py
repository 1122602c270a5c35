"""Tools (issue #21): aigc's own cost per tool round trip, MCP servers starting together, import cost.

    python bench/tools_bench.py            # prints a Markdown section for bench/RESULTS.md

1. Round trip: one in-process `ask` turn over the loopback server with N tool
   rounds (calc, an instant tool; the server answers at once) against the same
   turn with none; (with - without) / N is what aigc adds per round: parsing
   the streamed call, checking arguments, the policy, running the call in a
   worker thread, and building and sending the next request.
2. MCP start: three stdio servers (tests/fixtures/mcp_servers.py, start-up
   delayed 0.5/1.0/1.5 s) started together vs each alone (mcp/client.start).
3. Imports: whether `aigc --help` and a tool-less ask load mcp, jsonschema or
   trafilatura (they must not).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROUNDS = 20
REPEATS = 5


def _turn(fake, rounds: int) -> float:
    from tests.fixtures.openai_server import Reply
    from tests.fixtures.openai_tools import Call, ToolReply

    from aigc_cli.config import load_settings
    from aigc_cli.session.options import TaskOptions
    from aigc_cli.session.tasks import run_ask

    fake.reset()
    fake.push(*[ToolReply([Call("calc", {"expression": f"{i}*3"})]) for i in range(rounds)], Reply(text="done"))
    settings = load_settings()
    settings.tools.max_rounds = rounds + 1
    opts = TaskOptions(tools=["calc"] if rounds else None, no_log=True)
    t0 = time.perf_counter()
    result = run_ask("go", opts, settings)
    took = time.perf_counter() - t0
    assert result.answer.text == "done" and len(result.tool_calls or []) == rounds, result
    return took


def round_trip() -> list[str]:
    from tests.fixtures.openai_server import API_KEY, FakeOpenAI

    fake = FakeOpenAI()
    os.environ.update(OPENAI_API_KEY=API_KEY, OPENAI_BASE_URL=fake.url, AIGC_HOME=tempfile.mkdtemp())
    _turn(fake, 1)  # warm: imports, tokenizer, connection
    with_tools, without = [], []
    for _ in range(REPEATS):
        with_tools.append(_turn(fake, ROUNDS))
        without.append(_turn(fake, 0))
    fake.stop()
    a, b = statistics.median(with_tools), statistics.median(without)
    per = (a - b) / ROUNDS
    return [f"| turn with {ROUNDS} calc rounds | {a * 1000:.0f} ms |", f"| same turn, no tools | {b * 1000:.0f} ms |",
            f"| **aigc's own time per tool round trip** | **{per * 1000:.1f} ms** (target < 30 ms) |"]


def mcp_start() -> list[str]:
    from aigc_cli.mcp.client import _close_all, start
    from aigc_cli.mcp.config import ServerSpec

    fixtures = ROOT / "tests" / "fixtures"

    def timed(subset: dict) -> float:
        t0 = time.perf_counter()
        loop, conns, notices = start(subset, 120)
        took = time.perf_counter() - t0
        assert not notices and len(conns) == len(subset), notices
        _close_all(loop, conns)
        return took

    rows = []
    for label, script, var, delays in (
        ("stdlib server sleeping", "mcp_tiny.py", "MCP_TINY_DELAY", (1.0, 1.5, 2.0)),
        ("SDK MCPServer sleeping", "mcp_servers.py", "MCP_TEST_SLOW_START", (0.5, 1.0, 1.5)),
    ):
        specs = {f"{d:g} s": ServerSpec(command=sys.executable, args=[str(fixtures / script), "stdio"], env={var: str(d)})
                 for d in delays}
        timed({"warm": next(iter(specs.values()))})  # the SDK's own import, once per process
        alone = {n: statistics.median(timed({n: s}) for _ in range(3)) for n, s in specs.items()}
        together = statistics.median(timed(specs) for _ in range(3))
        slowest = max(alone.values())
        rows += [f"| {label} {n}, alone | {t:.2f} s |" for n, t in alone.items()]
        rows += [f"| {label}: all three together | {together:.2f} s |",
                 f"| **{label}: together / slowest alone** | **{together / slowest:.2f}x** (target <= 1.3x) |"]
    return rows


def imports() -> list[str]:
    code = ("import sys; from aigc_cli.cli.main import build_app; build_app();"
            "print(','.join(m for m in ('mcp', 'jsonschema', 'trafilatura', 'aigc_cli.tools.registry') if m in sys.modules) or 'none')")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        subprocess.run(["aigc", "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return [f"| heavy modules loaded by building the CLI | {loaded} |",
            f"| `aigc --help` (median of 7, this loaded machine) | {statistics.median(times) * 1000:.0f} ms |"]


def main() -> None:
    print(f"## Tools and MCP (bench/tools_bench.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n")
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.1f}.\n")
    print("| measure | value |\n|---|---|")
    for line in [*round_trip(), *mcp_start(), *imports()]:
        print(line)


if __name__ == "__main__":
    main()
