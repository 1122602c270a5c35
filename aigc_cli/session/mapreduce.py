"""Summarizing text of any size: reading inputs in blocks, and map-reduce.

Input that fits the model's window is summarized in one turn. Larger input
is split by tokens into chunks, each chunk is summarized on its own (the map
step, concurrently on API backends), and the part summaries, in their
original order, are merged into one (the reduce step, repeated while the
merged text is still too big).

Memory stays bounded whatever the input size: files and stdin are read in
blocks with an incremental UTF-8 decoder, chunks are produced lazily, and at
most ``2 * jobs`` chunks are alive at a time; only the short part summaries
are kept.
"""

from __future__ import annotations

import codecs
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from aigc_cli.errors import InputTooLarge, UsageError
from aigc_cli.messages import GenOptions, Message
from aigc_cli.session.stages.frame import build_messages
from aigc_cli.session.turn import generate
from aigc_cli.textsplit import CountTokens, split_by_tokens  # noqa: F401 - the map step splits with it

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import LimitsSettings

BLOCK = 1 << 20  # bytes read at a time
MIN_BUDGET = 64  # a chunk smaller than this is not worth a request
MAX_ROUNDS = 6  # reduce rounds before giving up
MAP_PROMPT = (
    "Below, inside <input> tags, is part {part} of a longer text. Summarize this part, keeping every "
    "key fact, name, number and decision; the summaries of all parts will be merged later.\n\n"
    "<input>\n{text}\n</input>"
)
MERGE_NOTE = (
    "The text inside <input> tags is a series of summaries of consecutive parts of one long text, "
    "in order. Treat it as that whole text."
)

Progress = Callable[[int, int | None], None]  # (chunks done, estimated total)


# ------------------------------------------------------------------- reading


@dataclass
class Source:
    """One input: a named binary stream, read lazily in blocks."""

    name: str
    stream: IO[bytes]
    size: int | None = None


def decode_stream(src: Source) -> Iterator[str]:
    """Text blocks from a byte stream; binary data or bad UTF-8 is a usage error."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    first = True
    while True:
        data = src.stream.read(BLOCK)
        if first and b"\x00" in data[:65536]:
            raise UsageError(f"{src.name} looks like binary data, not text")
        try:
            text = decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"{src.name} is not valid UTF-8 (bad byte at offset {offset + exc.start})",
                hint="convert it first, e.g. with iconv -t UTF-8",
            ) from None
        if first:
            text = text.removeprefix("\ufeff")
            first = False
        if text:
            yield text
        if not data:
            return
        offset += len(data)


def iter_sources(sources: list[Source]) -> Iterator[str]:
    """All sources as one text stream; several get ``==> name <==`` headers."""
    for i, src in enumerate(sources):
        if len(sources) > 1:
            yield ("\n\n" if i else "") + f"==> {src.name} <==\n"
        yield from decode_stream(src)


# --------------------------------------------------------------- map-reduce


class Stopped(Exception):
    """A part's request was abandoned because the map step is stopping."""


@dataclass
class Summarizer:
    """Summarizes chunks with one backend and the (rendered) summarize recipe."""

    backend: "Backend"
    options: GenOptions
    system: str | None
    budget: int
    jobs: int = 1
    count: CountTokens = field(default=len)
    # base models: a part's text to continue (the recipe's completion), replacing MAP_PROMPT
    frame: Callable[[str], str] | None = None
    limits: "LimitsSettings | None" = None  # the user's bounds on each answer (None: the defaults)
    parts_done: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def one(self, part: int, text: str) -> str:
        """The map step for one chunk (no conversation, nothing stored)."""
        if self.frame is not None:
            messages = [Message(role="user", content=self.frame(text.strip()))]
        else:
            messages = build_messages(self.system, [], MAP_PROMPT.format(part=part, text=text.strip()))
        answer, error = generate(self.backend, messages, self.options, self._check_stop, stream=True,
                                 limits=self.limits)  # fmt: skip
        if error is not None:
            raise error
        return answer.text.strip()

    def _check_stop(self, _text: str) -> None:
        """Called per streamed piece: abandons a request once the map step was stopped."""
        if self._stop.is_set():
            raise Stopped()

    def map(
        self,
        chunks: Iterable[str],
        progress: Progress | None = None,
        estimate: Callable[[int], int | None] | None = None,
    ) -> list[str]:
        """Summaries of all chunks, in chunk order, at most ``2 * jobs`` in flight.

        With one job everything runs in the calling thread: an in-process model
        is then never used from two threads (tokenizing the next chunk while
        the previous one generates).
        """
        results: list[str] = []
        if self.jobs <= 1:
            for i, chunk in enumerate(chunks, start=1):
                results.append(self.one(i, chunk))
                self._tick(progress, estimate)
            return results
        with ThreadPoolExecutor(max_workers=max(1, self.jobs)) as pool:
            pending: deque[Future[str]] = deque()
            try:
                for i, chunk in enumerate(chunks, start=1):
                    pending.append(pool.submit(self.one, i, chunk))
                    while len(pending) >= 2 * max(1, self.jobs):
                        results.append(pending.popleft().result())
                        self._tick(progress, estimate)
                while pending:
                    results.append(pending.popleft().result())
                    self._tick(progress, estimate)
            except BaseException:
                self._stop.set()  # Ctrl-C or a failed part: running requests end at their next piece
                for fut in pending:
                    fut.cancel()
                raise
        return results

    def _tick(self, progress: Progress | None, estimate: Callable[[int], int | None] | None) -> None:
        self.parts_done += 1
        if progress is not None:
            progress(self.parts_done, estimate(self.parts_done) if estimate else None)

    def reduce(self, summaries: list[str], progress: Progress | None = None) -> str:
        """Merge part summaries until they fit one request; returns the merged text."""
        join = join_lines if self.frame is not None else join_parts
        for _ in range(MAX_ROUNDS):
            merged = join(summaries)
            if self.count(merged) <= self.budget:
                return merged
            groups = group_parts(summaries, self.budget, self.count)
            summaries = self.map((join(g) for g in groups), progress)
        raise InputTooLarge("the part summaries do not fit the model's window even after merging")


def join_parts(summaries: list[str]) -> str:
    """Part summaries in order, each under its number, as one text."""
    return "\n\n".join(f"[part {i}]\n{s}" for i, s in enumerate(summaries, start=1))


def join_lines(summaries: list[str]) -> str:
    """Part summaries as consecutive paragraphs: a base model continues plain text,
    where ``[part N]`` headers would only be copied."""
    return "\n".join(s for s in summaries if s)


def group_parts(summaries: list[str], budget: int, count: CountTokens) -> Iterator[list[str]]:
    """Consecutive summaries grouped so that each group's text fits the budget."""
    group: list[str] = []
    used = 0
    for s in summaries:
        n = count(s) + 8
        if group and used + n > budget:
            yield group
            group, used = [], 0
        group.append(s)
        used += n
    if group:
        yield group


def chunk_budget(window: int, reserve: int, overhead: int) -> int:
    """Tokens one chunk may take: the window minus the answer, the prompt and a margin."""
    budget = int((window - reserve - overhead) * 0.9)
    if budget < MIN_BUDGET:
        raise InputTooLarge(
            f"the model's window ({window} tokens) leaves no room for input after the "
            f"prompt ({overhead}) and the answer ({reserve})",
            hint="use a model with a larger window, or a smaller --max-tokens",
        )
    return budget


def prompt_overhead(backend: "Backend", model: str, system: str | None, prompt: str) -> int:
    """Tokens a request costs before any input: the larger of a map and the final request.

    Counted with the backend on real messages, so a local model's transcript
    preamble is included.
    """
    fixed = [MAP_PROMPT.format(part=9999, text=""), f"{MERGE_NOTE}\n{prompt}"]
    return max(backend.count_tokens(build_messages(system, [], p), model) for p in fixed) + 16
