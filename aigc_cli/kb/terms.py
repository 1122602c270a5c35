"""Turning text into index terms for Chinese and English alike.

English is left to FTS5's unicode61 tokenizer with Porter stemming. Chinese
and Japanese have no spaces between words, and most of their words are two
characters long, so every CJK run is written as its overlapping character
pairs (``绿茶用水`` -> ``绿茶 茶用 用水``), the classic CJK bigram index: a
question and a passage that share a two-character word share a term, however
differently the rest is phrased. Each CJK character is indexed on its own
too, so a query whose words the passage holds apart still matches
(``泡茶`` finds ``怎么泡绿茶`` and ``茶叶``): retrieval asks for every pair
first, then every character, then any term, so exact phrases still rank
first (``retrieve``). The same function prepares passages and queries, so
they always agree; ``VERSION`` names this scheme, and a base indexed with an
older one is re-indexed when opened (``index``).
"""

from __future__ import annotations

import re

VERSION = "2"  # 1: CJK pairs only; 2: pairs and single characters

CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
CJK_RUN = re.compile(f"[{CJK_CLASS}]+")
_WORD = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+")
STOPWORDS = set(
    "a an and are as at be by can could did do does for from had has have how i if in into is it its me my no not of"
    " on or our so than that the their them then there these they this to was we were what when where which who"
    " why will with would you your should shall may might must about also any each just more most only other some"
    " such very".split()
)
# the commonest function-word pairs of Chinese questions carry no topic
CJK_STOP = {
    "什么",
    "怎么",
    "如何",
    "为什",
    "么样",
    "哪些",
    "是否",
    "可以",
    "一个",
    "这个",
    "那个",
    "我们",
    "的是",
    "是什",
    "么是",
    "怎样",
    "吗？",
    "呢？",
    "请问",
    "有没",
    "没有",
}
# single characters that carry no topic: particles, pronouns, question words
CJK_STOP_CHARS = set("的了是吗呢吧啊么什怎如何哪请问我你他她它们这那个一在有和与及或就都也还很把被将")


def _pairs(run: str) -> list[str]:
    return [run] if len(run) == 1 else [a + b for a, b in zip(run, run[1:])]


def _spaced(m: re.Match[str]) -> str:
    run = m.group(0)
    return f" {run} " if len(run) == 1 else " " + " ".join([a + b for a, b in zip(run, run[1:])]) + " "


def bigrams(text: str) -> str:
    """CJK runs as space-separated character pairs, the rest unchanged (the version-1 index text)."""
    return CJK_RUN.sub(_spaced, text)


def _with_chars(m: re.Match[str]) -> str:
    run = m.group(0)
    if len(run) == 1:
        return f" {run} "
    return " " + " ".join([*run, *(a + b for a, b in zip(run, run[1:]))]) + " "


def index_text(text: str) -> str:
    """Text for the word index: CJK runs as their single characters and pairs, the rest unchanged."""
    return CJK_RUN.sub(_with_chars, text)


def query_terms(query: str) -> list[str]:
    """Terms to look up in the word index: English words (no stopwords) and CJK pairs."""
    words = [w.lower() for w in _WORD.findall(query)]
    out = [w for w in words if w.isdigit() or (len(w) > 1 and w not in STOPWORDS)]
    for run in CJK_RUN.findall(query):
        out += [p for p in _pairs(run) if p not in CJK_STOP]
    return list(dict.fromkeys(out))


def query_chars(query: str) -> list[str]:
    """The query's CJK characters that carry a topic, each once: the second tier of a search."""
    chars = [c for run in CJK_RUN.findall(query) for c in run if c not in CJK_STOP_CHARS]
    return list(dict.fromkeys(chars))


def single_cjk(query: str) -> list[str]:
    """CJK runs of one character: no pair to look up, so they are matched with LIKE."""
    return [run for run in CJK_RUN.findall(query) if len(run) == 1]
