"""A size-capped disk cache of llama.cpp prompt states, keyed by token prefix.

Continuing a long local conversation re-sends the whole history; evaluating
it again is most of the time to first token. After an answer, the backend
saves llama.cpp's state (the KV cache of every evaluated token) here; the
next run finds the saved state whose tokens share the longest prefix with its
new prompt, loads it, and evaluates only the rest.

Each entry is two files: ``NAME.state`` (written by llama.cpp) and
``NAME.tokens`` (the token ids as int32, read to find prefixes without
opening the big file). Entries are per model (path, size, mtime, n_ctx), are
written to a temporary name and renamed so concurrent processes never see a
half file, and the oldest are evicted past the byte cap. This module never
imports llama_cpp: the backend passes in the functions that read and write
the state, so the bookkeeping is testable on its own.
"""

from __future__ import annotations

import hashlib
import os
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    """One saved state: its file and the tokens it holds."""

    state: Path
    tokens: array

    def common_prefix(self, tokens: Sequence[int]) -> int:
        n = 0
        for a, b in zip(self.tokens, tokens):
            if a != b:
                break
            n += 1
        return n


def model_key(path: Path, n_ctx: int, extra: str = "") -> str:
    """Identify a model file cheaply: a changed file or window is another key."""
    st = path.stat()
    raw = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{n_ctx}|{extra}"
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


class StateCache:
    """Saved llama.cpp states for one model, in one directory, under a byte cap."""

    def __init__(self, root: Path, key: str, cap_bytes: int, min_tokens: int = 256) -> None:
        self.root = root
        self.key = key
        self.cap_bytes = cap_bytes
        self.min_tokens = min_tokens

    def _entries(self) -> list[Entry]:
        out: list[Entry] = []
        try:
            names = sorted(self.root.glob(f"{self.key}-*.tokens"))
        except OSError:
            return out
        for tok_file in names:
            state = tok_file.with_suffix(".state")
            try:
                data = tok_file.read_bytes()
            except OSError:
                continue
            if not state.exists():
                continue
            toks = array("i")
            toks.frombytes(data[: len(data) - len(data) % toks.itemsize])
            out.append(Entry(state, toks))
        return out

    def lookup(self, tokens: Sequence[int], better_than: int = 0, limit: int | None = None) -> Entry | None:
        """The longest saved state whose tokens all start ``tokens``, if worth loading.

        Only whole matches count: a state is restored as it was saved and
        continued from its end (see ``prefix.reuse``). ``limit`` caps
        its length, to leave some of the prompt to evaluate.
        """
        best: Entry | None = None
        for entry in self._entries():
            n = len(entry.tokens)
            if n < self.min_tokens or n <= better_than or (limit is not None and n > limit):
                continue
            if (best is None or n > len(best.tokens)) and entry.common_prefix(tokens) == n:
                best = entry
        return best

    def touch(self, entry: Entry) -> None:
        """Mark an entry used, so eviction (oldest first) keeps it longer."""
        try:
            os.utime(entry.state)
        except OSError:
            pass

    def store(self, tokens: Sequence[int], write: Callable[[Path], bool]) -> Path | None:
        """Save a state for ``tokens`` via ``write(path)``; skip short or known ones."""
        if len(tokens) < self.min_tokens or self.cap_bytes <= 0:
            return None
        toks = array("i", tokens)
        name = f"{self.key}-{hashlib.sha1(toks.tobytes()).hexdigest()[:20]}"
        state = self.root / f"{name}.state"
        if state.exists():
            return state
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{name}.{os.getpid()}.tmp"
        try:
            if not write(tmp):
                tmp.unlink(missing_ok=True)
                return None
            (self.root / f"{name}.tokens.tmp{os.getpid()}").write_bytes(toks.tobytes())
            os.replace(tmp, state)
            os.replace(self.root / f"{name}.tokens.tmp{os.getpid()}", self.root / f"{name}.tokens")
        except OSError:
            tmp.unlink(missing_ok=True)
            return None
        self.evict()
        return state

    def evict(self) -> None:
        """Delete the least recently used states until the cache fits its cap."""
        files = []
        for state in self.root.glob("*.state"):
            try:
                st = state.stat()
            except OSError:
                continue
            files.append((st.st_mtime, st.st_size, state))
        total = sum(size for _, size, _ in files)
        for _, size, state in sorted(files, key=lambda f: f[0]):
            if total <= self.cap_bytes:
                break
            state.with_suffix(".tokens").unlink(missing_ok=True)
            state.unlink(missing_ok=True)
            total -= size
