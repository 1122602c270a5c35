"""Reusing an evaluated prompt prefix across turns, in memory and from disk.

Continuing a long local conversation re-evaluates only the new tokens: the
KV cache of the unchanged prefix is kept (same process) or restored from a
saved state (``statecache.StateCache``), with the same answer as a cold run
(see ``reuse``). Only the local backend calls this; llama_cpp is imported
lazily.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from aigc_cli.backends.statecache import StateCache

if TYPE_CHECKING:
    from llama_cpp import Llama

# Reused prompt prefixes end at a multiple of ALIGN, at least MIN_TAIL tokens
# before the end of the prompt (see reuse).
ALIGN = 32
MIN_TAIL = 8

_TRUSTED: dict[int, int] = {}  # id(llm) -> evaluated prefix safe to reuse
_RESTORED: dict[int, int] = {}  # id(llm) -> cells restored from disk, never trimmed


def trust(llm: "Llama", prompt_tokens: int) -> int:
    """After a whole prompt was evaluated: the prefix a later turn may reuse."""
    _TRUSTED[id(llm)] = _aligned(prompt_tokens)
    return _TRUSTED[id(llm)]


def _aligned(n: int) -> int:
    return max(0, n - n % ALIGN)


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def reuse(llm: "Llama", cache: StateCache | None, tokens: list[int]) -> None:
    """Keep (or load from disk) the longest evaluated prefix of ``tokens``
    whose KV cache is bit-identical to what a cold run would compute, and
    evaluate the rest in the same batches a cold run would.

    A greedy answer can change with the last bits of a logit, and llama.cpp's
    CPU results depend on how tokens were batched: rows in aligned groups of
    a prompt batch take one kernel path; leftover rows, single generated
    tokens and batches of under 4 rows take another. So only tokens that
    were evaluated in aligned groups are reused, cut at a multiple of
    ``ALIGN`` and at least ``MIN_TAIL`` tokens before the end; the previous
    answer is evaluated again; and the first batch ends on a multiple of
    ``n_batch``, so the following batches, the last one included, are the
    cold run's own. A state from disk is restored per sequence (a whole-
    context restore rewinds the cache head, and new tokens land in cells of
    the sliding window's past) and only continued from its end: trimming
    restored cells leaves llama.cpp's bookkeeping off, so a context that
    would need that starts over instead.
    """
    key = id(llm)
    limit = len(tokens) - MIN_TAIL
    keep = _aligned(min(_common_prefix(llm.input_ids[: llm.n_tokens], tokens), _TRUSTED.get(key, 0), limit))
    if keep < _RESTORED.get(key, 0):
        keep = 0
    entry = cache.lookup(tokens, better_than=keep, limit=limit) if cache is not None else None
    if entry is not None and _load(llm, entry.state):
        keep = len(entry.tokens)
        _RESTORED[key] = keep
        cache.touch(entry)  # type: ignore[union-attr]
    if keep == 0:
        _RESTORED[key] = 0
    llm.n_tokens = keep  # eval()/generate() drop the KV cells past the kept prefix
    _TRUSTED[key] = keep  # raised once the whole prompt is evaluated
    boundary = -(-keep // llm.n_batch) * llm.n_batch
    if 0 < keep < boundary < len(tokens):
        llm.eval(tokens[keep:boundary])


def _load(llm: "Llama", state: Path) -> bool:
    import llama_cpp

    capacity = llm.n_ctx()
    buf = (llama_cpp.llama_token * capacity)()
    n_out = ctypes.c_size_t(0)
    path = str(state).encode()
    if not llama_cpp.llama_state_seq_load_file(llm.ctx, path, 0, buf, capacity, ctypes.byref(n_out)):
        llm._ctx.kv_cache_clear()  # a bad file leaves the context undefined
        llm.reset()
        return False
    n = int(n_out.value)
    llm.input_ids[:n] = buf[:n]
    llm.n_tokens = n
    return True


def save(llm: "Llama", cache: StateCache, trusted: int) -> None:
    """Save the trusted prefix's state for a later run.

    The cells past it (the answer) are dropped first: restored with them and
    trimmed afterwards, the cache no longer matches a cold run bit for bit.
    """
    import llama_cpp

    if trusted < cache.min_tokens:
        return
    llm._ctx.kv_cache_seq_rm(-1, trusted, -1)
    llm.n_tokens = trusted
    tokens = [int(t) for t in llm.input_ids[:trusted]]
    arr = (llama_cpp.llama_token * max(1, trusted))(*tokens)

    def write(path: Path) -> bool:
        return bool(llama_cpp.llama_state_seq_save_file(llm.ctx, str(path).encode(), 0, arr, trusted))

    cache.store(tokens, write)
