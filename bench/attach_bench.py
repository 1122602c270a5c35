"""What attachments cost (issue #22); prints a Markdown section for bench/RESULTS.md.

    python bench/attach_bench.py

In process, medians of 7 (after one warm-up): preparing a 4000×3000 JPEG
photo with EXIF (decode, orient, downscale, strip, re-encode: target < 300 ms),
a 2000×1500 PNG screenshot, and reading a 100-page text PDF page by page
(target < 2 s). Then whole commands, CPU time of the child: `aigc --help`
and `aigc ask --help` (which must not import Pillow, pypdf, pypdfium2 or
trafilatura: listed from `-X importtime`). Nothing is asserted.
"""

from __future__ import annotations

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
from tests.fixtures import attach_files as files  # noqa: E402

RUNS = 7
HEAVY = ("PIL", "pypdf", "pypdfium2", "trafilatura", "httpx2")


def median_ms(fn) -> float:  # type: ignore[no-untyped-def]
    fn()
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def cpu_ms(args: list[str], env: dict[str, str]) -> float:
    def one() -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([AIGC, *args], capture_output=True, env=env, timeout=60, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    one()
    return statistics.median(one() for _ in range(RUNS)) * 1000


def heavy_imports(args: list[str], env: dict[str, str]) -> list[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "aigc_cli", *args], capture_output=True,
                          env=env, timeout=60)
    names = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.decode().splitlines()
             if line.startswith("import time:") and "|" in line}
    return sorted(n for n in names if n.split(".")[0] in HEAVY)


def main() -> None:
    from aigc_cli.attachments.image import prepare
    from aigc_cli.attachments.pdf import read_pdf

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        photo = files.jpeg_with_gps(d / "photo.jpg", size=(4000, 3000), orientation=6).read_bytes()
        shot = files.png(d / "shot.png", size=(2000, 1500)).read_bytes()
        pdf = files.text_pdf(d / "doc.pdf", [f"Page {i}: " + "lorem ipsum dolor sit amet " * 20 for i in range(1, 101)])
        pdf_bytes = pdf.read_bytes()
        big, png = prepare(photo, "photo.jpg"), prepare(shot, "shot.png")
        rows = [
            (f"prepare 4000×3000 JPEG (EXIF, rotated) → {big.width}×{big.height}, {len(big.data) // 1000} KB",
             median_ms(lambda: prepare(photo, "photo.jpg")), 300),
            (f"prepare 2000×1500 RGBA PNG → {png.width}×{png.height}", median_ms(lambda: prepare(shot, "shot.png")), None),
            ("read 100-page text PDF", median_ms(lambda: read_pdf(pdf_bytes, "doc.pdf")), 2000),
        ]
        env = base_env(d / "home")
        (d / "home").mkdir()
        cmds = [("aigc --help", ["--help"]), ("aigc ask --help", ["ask", "--help"])]
        cmd_rows = [(name, cpu_ms(args, env), heavy_imports(args, env)) for name, args in cmds]
    import os

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"<!-- load average while measured: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores -->")
    print(f"## Attachments (bench/attach_bench.py, issue #22; {now}; {platform.machine()}, Python "
          f"{platform.python_version()}, median of {RUNS})\n")
    print("| case | ms | target |\n|---|---|---|")
    for name, ms, target in rows:
        print(f"| {name} | {ms:.0f} | {f'< {target}' if target else '-'} |")
    print("\n| command | CPU ms | attachment libraries imported |\n|---|---|---|")
    for name, ms, heavy in cmd_rows:
        print(f"| {name} | {ms:.0f} | {', '.join(heavy) or 'none'} |")


if __name__ == "__main__":
    main()
