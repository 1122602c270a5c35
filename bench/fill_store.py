#!/usr/bin/env python3
"""Fill an aigc conversation store with N logged turns, quickly.

The same workload as ../shared/bench-peers/llm_fill_logs.py, so aigc and llm
are measured on the same data: each turn is a question ("question K about
TOPIC", with the word "needle" in about 1 in 1000) and a pseudo-random answer
of --words words from a fixed vocabulary that contains "word". Turns are
grouped into conversations of 1-6 turns, and a tenth of the questions are in
Chinese, so the index holds CJK text too.

Rows go in through the store's own import API (``Store.import_conversations``,
1000 turns per transaction), so they are exactly what aigc keeps.

Usage: AIGC_HOME=DIR fill_store.py --target 50000 [--words 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from aigc_cli.store.db import Imported, Store

VOCAB = ("the of and to in is that for it as with was on be by this are or from at "
         "function return value error file line python shell command output input "
         "list dict string number class module import package install version "
         "server client request response token stream model prompt answer question "
         "word data table index query database sqlite cache memory time seconds "
         "test assert check build run start stop open close read write path "
         "example simple because when then else while each more most other some such "
         "only also very just like need use used using make made first last new old").split()
CJK = ("人工智能", "生成内容", "数据库", "查询", "模型", "答案", "问题", "写作", "总结", "计划")
BATCH = 1000


def answer(rng: random.Random, words: int) -> str:
    out = []
    for i in range(words):
        out.append(rng.choice(VOCAB))
        if i % 12 == 11:
            out.append(".\n" if i % 60 == 59 else ".")
    return " ".join(out)


def question(rng: random.Random, k: int) -> str:
    needle = " needle" if k % 1000 == 7 else ""
    if k % 10 == 3:
        return f"第{k}个问题：关于{rng.choice(CJK)}和{rng.choice(CJK)}{needle}"
    return f"question {k} about {rng.choice(VOCAB)}{needle}"


def turns_stored(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM messages WHERE role = 'user'").fetchone()[0]


def conversations(rng: random.Random, start: int, count: int, words: int, t0: float) -> list[Imported]:
    """Turns ``start..start+count`` grouped into conversations of 1-6 turns."""
    out: list[Imported] = []
    k = start
    while k < start + count:
        n = min(rng.randint(1, 6), start + count - k)
        t = t0 + k * 60.0
        msgs = []
        for j in range(n):
            msgs.append(("user", question(rng, k + j), t + 60 * j))
            msgs.append(("assistant", answer(rng, words), t + 60 * j + 5))
        out.append(Imported(f"bench:{k}", msgs[0][1][:60], t, msgs[-1][2], "fake-300", None, msgs))
        k += n
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--target", type=int, required=True, help="turns the store should hold")
    p.add_argument("--words", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    store = Store.open()
    assert store is not None
    have = turns_stored(store)
    todo = max(0, a.target - have)
    rng = random.Random(a.seed * 7919 + have)
    t_base = time.time() - 86400 * 365  # a year of history, one turn a minute
    started = time.perf_counter()
    for start in range(have, have + todo, BATCH):
        store.import_conversations(conversations(rng, start, min(BATCH, have + todo - start), a.words, t_base))
        if todo >= 10 * BATCH and (start - have) % (10 * BATCH) == 0:
            sys.stderr.write(f"  {start - have}/{todo} turns, {time.perf_counter() - started:.1f}s\n")
    sys.stderr.write(f"{store.path}: added {todo} turns in {time.perf_counter() - started:.1f}s,"
                     f" now {turns_stored(store)} turns\n")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
