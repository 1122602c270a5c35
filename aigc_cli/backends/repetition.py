"""Ending an answer that has started to loop (a repeated line, or a short loop).

Small models, base models above all, fall into loops: the same line again and
again ("7. Write a program to find the sum of all digits in a string"), or a
few characters repeated until max_tokens ("----…", "然后输入：然后输入："). Once
that starts nothing useful follows, and it costs the user minutes, so the
local backend passes its stream through a ``RepetitionGuard``, which ends the
answer at the start of the repetition.

Two rules, on the text (not tokens: backend-agnostic and testable alone):

* **repeated line**: a finished line whose normalized form (list numbers,
  bullets and spacing removed, lower case) is at least ``MIN_LINE`` characters
  and equals an earlier line's ends the answer before that line (a shorter
  one, on its ``SHORT_TIMES``-th appearance);
* **repeated clauses**: within lines, a clause (up to ``，。；！？`` or an
  English ``, . ; ! ?``) of at least ``MIN_LINE`` characters seen for the
  ``SHORT_TIMES``-th time, or a run of clauses that repeats an earlier run
  and weighs ``LONG_CLAUSE`` in all, ends the answer where the repeated run
  starts ("感谢您的建议，感谢您的反馈，感谢您的建议，…", where the loop unit
  alternates and the short-loop rule sees no exact copies) — moved forward
  to a sentence start inside the run, so a cut never splits a sentence the
  first copy of the loop ended;
* **short loop**: the text ends in three or more copies of one unit of up to
  ``MAX_PERIOD`` characters spanning at least ``MIN_SPAN`` characters; the
  answer keeps one copy.

Lines inside a fenced code block are exempt from the line and clause rules
(code repeats ``return result;`` in earnest); the short-loop rule still applies.

So that the repetition never reaches the user, the guard holds back a little
text: the last ``HOLD`` characters, the current line (or clause) while it
could still turn out to repeat an earlier one, and finished clauses that
repeat earlier ones until a new clause follows. Pure Python, no llama.cpp import.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator
from typing import Any

MIN_LINE = 8  # shorter lines ("Thanks,", "---") may repeat; a CJK character counts 2
MAX_PERIOD = 120  # longest loop unit the short-loop rule looks for
MIN_SPAN = 40  # "ha ha ha" is text; forty characters of one unit is a loop
HOLD = 0  # characters held back beyond the line rule (more delays short answers)
SHORT_TIMES = 3  # a short line ("4. 东北") may repeat, but not this often
LONG_CLAUSE = 24  # a clause this long (CJK counted double) is never repeated in earnest
FINISH = "repetition"  # the finish reason of an answer the guard ended

_LEAD = re.compile(r"^(?:[\W\d_]|step\s*\d+|第\s*[\d一二三四五六七八九十]+\s*[步章节条点])*", re.I)
_SPACE = re.compile(r"\s+")
_CLAUSE_END = re.compile(r"[，。；！？\n]|[,.;!?](?=\s)")
_SENTENCE_END = frozenset("。！？\n.!?")
_FENCES = ("```", "~~~")


def normalize_line(line: str) -> str:
    """A line as compared for repetition: no list numbering, bullets or extra spaces."""
    return _SPACE.sub(" ", _LEAD.sub("", line.strip())).strip().lower()


def weight(line: str) -> int:
    """Length for the MIN_LINE rule: a CJK character counts twice (it says more than a letter)."""
    return len(line) + sum(1 for ch in line if ch >= "\u2e80")


def loop_start(text: str) -> int | None:
    """Where the short loop at the end of ``text`` should be cut (keeping one copy), or None."""
    n = len(text)
    for p in range(1, min(MAX_PERIOD, n // 3) + 1):
        copies = max(3, -(-MIN_SPAN // p))
        if copies * p > n:
            break
        unit = text[n - p :]
        if text[n - copies * p :] == unit * copies:
            return n - (copies - 1) * p
    return None


class RepetitionGuard:
    """Feed it the answer piece by piece; it returns what may be shown so far.

    ``feed`` returns the text now safe to show; once a rule fires, ``stopped``
    is True and the caller ends generation. ``finish`` returns the held rest.
    """

    def __init__(self) -> None:
        self.text = ""  # everything received (up to a cut, once stopped)
        self.shown = 0  # characters of ``text`` already released
        self.stopped = False
        self._lines: set[str] = set()
        self._short: dict[str, int] = {}
        self._line_start = 0  # where the current (unfinished) line begins
        self._clauses: dict[str, int] = {}  # clause key -> times seen
        self._clause_start = 0  # where the current (unfinished) clause begins
        self._seq: list[tuple[str, int, str]] = []  # finished clauses: (key, start, the mark that ended it)
        self._last: dict[str, int] = {}  # clause key -> its latest index in _seq
        self._repeat_from: int | None = None  # start of the trailing run of repeated clauses
        self._fences: list[int] = []  # where each ``` line starts

    def feed(self, piece: str) -> str:
        """Take the next piece of the answer; return the text that may be shown now."""
        if self.stopped or not piece:
            return ""
        self.text += piece
        cut = self._finished_lines()
        if cut is None:
            cut = self._finished_clauses()
        if cut is None:
            cut = loop_start(self.text)
        if cut is not None:
            self.text = self.text[: max(cut, self.shown)]
            self.stopped = True
            return self._release(len(self.text))
        return self._release(self._safe_end())

    def finish(self) -> str:
        """The held text, once the answer has ended on its own."""
        return self._release(len(self.text))

    def _release(self, end: int) -> str:
        out = self.text[self.shown : end] if end > self.shown else ""
        self.shown = max(self.shown, end)
        return out

    def _in_code(self, pos: int) -> bool:
        return sum(1 for f in self._fences if f < pos) % 2 == 1

    def _finished_lines(self) -> int | None:
        """Check each newly finished line; the start of the first repeated one, or None."""
        while (nl := self.text.find("\n", self._line_start)) != -1:
            start, self._line_start = self._line_start, nl + 1
            if self.text[start:nl].lstrip().startswith(_FENCES):
                self._fences.append(start)
                continue
            key = normalize_line(self.text[start:nl])
            if not key or self._in_code(start):
                continue
            if weight(key) < MIN_LINE:
                self._short[key] = self._short.get(key, 0) + 1
                if self._short[key] >= SHORT_TIMES:
                    return start
                continue
            if key in self._lines:
                return start
            self._lines.add(key)
        return None

    def _finished_clauses(self) -> int | None:
        """Check each newly finished clause; where the loop it closes should be cut, or None."""
        while m := _CLAUSE_END.search(self.text, self._clause_start):
            start, self._clause_start = self._clause_start, m.end()
            raw = self.text[start : m.start()]
            key = normalize_line(raw)
            begin = start + len(raw) - len(raw.lstrip())
            if not key or self._in_code(begin):
                continue
            earlier = self._last.get(key)
            self._last[key] = len(self._seq)
            self._seq.append((key, begin, m.group()))
            seen = self._clauses[key] = self._clauses.get(key, 0) + 1
            if earlier is None:
                self._repeat_from = None
                continue
            if self._repeat_from is None:
                self._repeat_from = begin
            often = seen >= SHORT_TIMES and weight(key) >= MIN_LINE
            run = self._repeated_run(len(self._seq) - 1, earlier)
            if often or sum(weight(self._seq[x][0]) for x in run) >= LONG_CLAUSE:
                return self._sentence_start(run)
        return None

    def _repeated_run(self, i: int, j: int) -> range:
        """The clauses ending at ``i`` that repeat, in order, those ending at ``j`` (j < i)."""
        k = 0
        while i - k > j and j - k >= 0 and self._seq[i - k][0] == self._seq[j - k][0]:
            k += 1
        return range(i - k + 1, i + 1)

    def _sentence_start(self, run: range) -> int:
        """Where to cut a repeated run: its first clause that starts a sentence, else its start."""
        for x in run:
            if x == 0 or self._seq[x - 1][2] in _SENTENCE_END:
                return self._seq[x][1]
        return self._seq[run.start][1]

    def _safe_end(self) -> int:
        """How far the text may be shown: not the last HOLD characters, nor a
        current line or clause that may yet repeat an earlier one, nor a
        trailing run of repeated clauses that may yet turn out to be a loop."""
        end = len(self.text) - HOLD
        partial = normalize_line(self.text[self._line_start :])
        if not partial or any(line.startswith(partial) for line in (*self._lines, *self._short)):
            end = min(end, self._line_start)
        clause = normalize_line(self.text[self._clause_start :]).rstrip(",.;!? ")  # "." may end it next
        if clause and any(seen.startswith(clause) for seen in self._last):
            end = min(end, self._clause_start)
        if self._repeat_from is not None:
            end = min(end, self._repeat_from)
        return end


def guard_events(events: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """llama-cpp-python completion events with looping text removed.

    Yields events of the same shape; when the guard fires it yields the last
    safe text with finish reason ``repetition`` and stops reading ``events``
    (the caller closes the generator, which ends sampling).
    """
    guard = RepetitionGuard()
    finish: str | None = None
    try:
        for event in events:
            choice = event["choices"][0]
            finish = choice.get("finish_reason") or finish
            text = guard.feed(choice.get("text") or "")
            if guard.stopped:
                yield {"choices": [{"text": text, "finish_reason": FINISH}]}
                return
            if text:
                yield {"choices": [{"text": text, "finish_reason": None}]}
        yield {"choices": [{"text": guard.finish(), "finish_reason": finish}]}
    finally:
        if isinstance(events, Generator):
            events.close()  # end sampling now, not when the generator is collected


def stop_after_start(events: Iterable[dict[str, Any]], stops: list[str]) -> Iterator[dict[str, Any]]:
    """Events cut at the first stop sequence that follows some text.

    llama.cpp matches stops anywhere, so a base model that begins its
    continuation with a blank line (``摘要 (TL;DR):`` then ``\\n\\n* ...``) would end
    on ``\\n\\n`` with nothing said; leading whitespace never counts here. A stop
    found is dropped, with everything after it, and sampling ends.
    """
    text, sent, finish = "", 0, None
    longest = max((len(s) for s in stops), default=1)
    try:
        for event in events:
            choice = event["choices"][0]
            finish = choice.get("finish_reason") or finish
            text += choice.get("text") or ""
            body = len(text) - len(text.lstrip())
            hits = [i for s in stops if (i := text.find(s, body)) != -1 and text[body:i].strip()]
            if hits:
                yield {"choices": [{"text": text[sent : min(hits)], "finish_reason": "stop"}]}
                return
            safe = max(sent, len(text) - longest + 1)
            if safe > sent:
                yield {"choices": [{"text": text[sent:safe], "finish_reason": None}]}
                sent = safe
        yield {"choices": [{"text": text[sent:], "finish_reason": finish}]}
    finally:
        if isinstance(events, Generator):
            events.close()
