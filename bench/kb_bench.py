"""Knowledge-base speed: first index, no-change sync, search, peak memory; prints Markdown.

    python bench/kb_bench.py --files 10000 --mb 100   # the issue's size
    python bench/kb_bench.py --files 2000 --mb 20     # a quicker run

Generates mixed Chinese/English Markdown notes (headings, paragraphs, code
blocks, Chinese sentences ending in 。！？) in a temp folder, deterministic
for a given size, then runs the installed `aigc` as a user would, with its
own AIGC_HOME: `kb add` (first index, keyword-only), `kb sync` with nothing
changed, `kb search` for an English and a Chinese query, each next to
`aigc --help` in the same run. Peak RSS is the child's maximum resident set
(getrusage: the largest of the process and its workers). Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AIGC = shutil.which("aigc") or str(Path(sys.executable).with_name("aigc"))
WORDS = ("system memory index query server client backup network storage update install config python rust "
         "garden recipe travel budget meeting project design review release planning research paper model data "
         "kernel driver thread socket cache window render layout shader compiler parser token stream buffer").split()
HANZI = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"


def make_corpus(folder: Path, files: int, total_mb: float, seed: int = 13) -> int:
    rnd = random.Random(seed)
    per_file = int(total_mb * 1024 * 1024 / files)
    written = 0
    for i in range(files):
        sub = folder / f"d{i % 50:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        parts = [f"# {rnd.choice(WORDS).title()} notes {i}\n"]
        size = len(parts[0])
        while size < per_file:
            kind = rnd.random()
            if kind < 0.15:
                block = f"## {rnd.choice(WORDS).title()} {rnd.choice(WORDS)}\n"
            elif kind < 0.55:
                block = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(20, 80))).capitalize() + ".\n"
            elif kind < 0.9:
                block = "".join(
                    "".join(rnd.choice(HANZI) for _ in range(rnd.randint(8, 30))) + rnd.choice("。！？")
                    for _ in range(rnd.randint(2, 6))
                ) + "\n"
            else:
                block = "```python\n" + "\n".join(f"{rnd.choice(WORDS)} = {rnd.randint(0, 999)}" for _ in range(5)) + "\n```\n"
            parts.append(block + "\n")
            size += len(block.encode()) + 1
        data = "".join(parts).encode()
        (sub / f"note-{i:05d}.md").write_bytes(data)
        written += len(data)
    return written


def run(env: dict[str, str], *args: str) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MiB, CPU seconds of it and its workers) of one aigc command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([AIGC, *args], env=env, stdin=subprocess.DEVNULL, capture_output=True)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        sys.exit(f"aigc {' '.join(args)} failed: {proc.stderr.decode()[-500:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, after.ru_maxrss / 1024, cpu


def median(env: dict[str, str], n: int, *args: str) -> float:
    return statistics.median(run(env, *args)[0] for _ in range(n))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--mb", type=float, default=100.0)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus, home = Path(tmp) / "notes", Path(tmp) / "home"
        home.mkdir()
        size = make_corpus(corpus, args.files, args.mb)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AIGC_"))}
        env["AIGC_HOME"] = str(home)
        index_s, index_rss, index_cpu = run(env, "kb", "add", str(corpus))
        load = os.getloadavg()[0]
        db = home / "kb" / "notes.db"
        db_mb = sum(p.stat().st_size for p in db.parent.glob("notes.db*")) / 2**20
        sync_s = median(env, args.repeat, "kb", "sync")
        help_s = median(env, args.repeat, "--help")
        search_en = median(env, args.repeat, "kb", "search", "kernel driver cache")
        search_zh = median(env, args.repeat, "kb", "search", "研究经济发展")
        search_short = median(env, args.repeat, "kb", "search", "电力")
    print(f"## Knowledge base (bench/kb_bench.py, {time.strftime('%Y-%m-%d')})\n")
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.files:,} generated Markdown notes, {size / 2**20:.1f} MiB (mixed Chinese/English); "
          f"base file {db_mb:.0f} MiB. Medians of {args.repeat} runs except the first index.\n")
    print("| measure | value | target |\n|---|---|---|")
    print(f"| first index (`kb add`, keyword-only) | {index_s:.1f} s wall, {index_cpu:.1f} s CPU in the writer"
          f" (load average {load:.1f}) | < 60 s at 10,000 files / 100 MB |")
    print(f"| peak RSS while indexing | {index_rss:.0f} MiB | < 300 MB |")
    print(f"| `kb sync`, nothing changed | {sync_s:.2f} s | < 1 s |")
    print(f"| `aigc --help` (start-up) | {help_s:.3f} s | |")
    print(f"| `kb search kernel driver cache` | {search_en:.3f} s (+{(search_en - help_s) * 1000:.0f} ms) | < +100 ms |")
    print(f"| `kb search 研究经济发展` | {search_zh:.3f} s (+{(search_zh - help_s) * 1000:.0f} ms) | < +100 ms |")
    print(f"| `kb search 电力` (2-char CJK) | {search_short:.3f} s (+{(search_short - help_s) * 1000:.0f} ms) | < +100 ms |")


if __name__ == "__main__":
    main()
