#!/usr/bin/env python3
"""Speech: espeak-ng synthesis speed (× real time) and `--speak`'s time to first audio.

1. espeak-ng through aigc's own call (`speech.espeak.synthesize`) on an English
   and a Chinese paragraph: seconds of audio per second of work, median of 5.
2. `aigc ask --speak` against the loopback fixture streaming a 6-sentence answer
   over ~3 s (0.08 s a word), speech offline, the player a recorder that notes
   when each sentence starts playing: the first sentence's start beside the
   moment the answer finished streaming (median of 3).

Usage: python3 bench/speech_bench.py   (needs espeak-ng; prints Markdown)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EN = ("The quarterly report shows steady growth across every region. Sales rose by twelve percent, "
      "while costs stayed flat. The team expects the new product line to launch in the spring, "
      "and hiring will continue at the same pace.")
ZH = "本季度报告显示各地区稳步增长。销售额增长了百分之十二，而成本保持不变。团队预计新产品线将在春季推出，招聘将保持同样的节奏。"
ANSWER = ("Start the day with a glass of water. Open a window for fresh air. Stretch for two minutes. "
          "Write down one thing you want to finish. Eat a slow breakfast. Leave your phone in another room.")


def synth_speed() -> list[tuple[str, float, float]]:
    from aigc_cli.speech import espeak, wav

    rows = []
    for label, text in (("English, 38 words", EN), ("Chinese, 60 characters", ZH)):
        walls, audio = [], 0.0
        for _ in range(5):
            start = time.perf_counter()
            data = espeak.synthesize(text)
            walls.append(time.perf_counter() - start)
            audio = wav.duration(data)
        wall = statistics.median(walls)
        rows.append((label, audio, audio / wall))
    return rows


def first_audio() -> tuple[float, float]:
    from tests.conftest import AIGC, base_env
    from tests.fixtures.openai_server import API_KEY, FakeOpenAI, Reply

    fake = FakeOpenAI()
    tmp = Path(tempfile.mkdtemp(prefix="aigc-speech-bench-"))
    env = {**base_env(tmp / "home"), "OPENAI_API_KEY": API_KEY, "OPENAI_BASE_URL": fake.url}
    (tmp / "home").mkdir()
    recorder = tmp / "rec.py"
    # the recorder copies nothing: it notes the start time next to the file it was given
    recorder.write_text("import sys, time, shutil\nshutil.copy(sys.argv[1], sys.argv[1] + '.wav')\n"
                        "open('%s/' + str(time.time()), 'w').close()\n" % tmp)
    for k, v in (("speech.player", f"{sys.executable} {recorder}"), ("speech.backend", "local")):
        subprocess.run([AIGC, "config", "set", k, v], env=env, check=True, capture_output=True)
    firsts, ends = [], []
    try:
        for _ in range(3):
            for f in tmp.iterdir():
                if f.name.replace(".", "").isdigit():
                    f.unlink()
            fake.reset()
            fake.push(Reply(text=ANSWER, chunk_delay=0.08))
            start = time.time()
            proc = subprocess.Popen([AIGC, "ask", "--speak", "calm morning tips"], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            assert proc.stdout is not None
            seen = b""
            while b"another room." not in seen:  # the answer's last words: the stream has ended
                piece = proc.stdout.read1(4096)
                if not piece:
                    break
                seen += piece
            streamed = time.time() - start
            proc.wait(timeout=120)
            played = sorted(float(f.name) for f in tmp.iterdir() if f.name.replace(".", "").isdigit())
            firsts.append(played[0] - start)
            ends.append(streamed)
    finally:
        fake.stop()
    return statistics.median(firsts), statistics.median(ends)


def main() -> None:
    import platform

    print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.1f}")
    print("| espeak-ng via aigc | audio s | × real time |")
    print("|---|---|---|")
    for label, audio, speed in synth_speed():
        print(f"| {label} | {audio:.1f} | {speed:.0f}× |")
    first, end = first_audio()
    print()
    print("| `ask --speak`, 6 sentences streamed at 0.08 s a word | seconds from start |")
    print("|---|---|")
    print(f"| first sentence starts playing | {first:.2f} |")
    print(f"| answer finished streaming | {end:.2f} |")


if __name__ == "__main__":
    main()
