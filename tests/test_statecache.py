"""The prompt-state cache's bookkeeping: lookup by whole token prefix, the
size cap, atomic entries. The writer stands in for llama.cpp's state save
(the backend tests cover the real one on the bundled model)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from aigc_cli.backends.statecache import StateCache, model_key


def writer(size: int) -> Callable[[Path], bool]:
    def write(path: Path) -> bool:
        path.write_bytes(b"s" * size)
        return True

    return write


def cache(tmp_path: Path, cap: int = 10_000, min_tokens: int = 4, key: str = "m") -> StateCache:
    return StateCache(tmp_path / "state", key, cap, min_tokens=min_tokens)


def test_lookup_finds_the_longest_saved_prefix(tmp_path):
    c = cache(tmp_path)
    c.store([1, 2, 3, 4], writer(10))
    c.store([1, 2, 3, 4, 5, 6], writer(10))
    c.store([1, 2, 9, 9, 9, 9, 9], writer(10))
    entry = c.lookup([1, 2, 3, 4, 5, 6, 7, 8])
    assert entry is not None and list(entry.tokens) == [1, 2, 3, 4, 5, 6]


def test_a_state_that_diverges_from_the_prompt_is_not_used(tmp_path):
    c = cache(tmp_path)
    c.store([1, 2, 3, 4, 5], writer(10))
    assert c.lookup([1, 2, 3, 4, 9, 9]) is None


def test_lookup_respects_limit_and_better_than(tmp_path):
    c = cache(tmp_path)
    c.store([1, 2, 3, 4, 5, 6], writer(10))
    prompt = [1, 2, 3, 4, 5, 6, 7]
    assert c.lookup(prompt, limit=5) is None
    assert c.lookup(prompt, better_than=6) is None
    assert c.lookup(prompt, better_than=5, limit=6) is not None


def test_short_prefixes_are_neither_saved_nor_used(tmp_path):
    c = cache(tmp_path, min_tokens=4)
    assert c.store([1, 2, 3], writer(10)) is None
    assert not (tmp_path / "state").exists() or not list((tmp_path / "state").iterdir())


def test_other_models_states_are_invisible(tmp_path):
    cache(tmp_path, key="a").store([1, 2, 3, 4], writer(10))
    assert cache(tmp_path, key="b").lookup([1, 2, 3, 4, 5]) is None


def test_cache_evicts_least_recently_used_states_beyond_the_cap(tmp_path):
    c = cache(tmp_path, cap=250)
    old = c.store([1, 1, 1, 1], writer(100))
    used = c.store([2, 2, 2, 2], writer(100))
    assert old is not None and used is not None
    os.utime(old, (2, 2))
    os.utime(used, (1, 1))  # older than `old` until it is used
    entry = c.lookup([2, 2, 2, 2, 5])
    assert entry is not None
    c.touch(entry)  # now the most recent
    c.store([3, 3, 3, 3], writer(100))
    assert not old.exists() and not old.with_suffix(".tokens").exists()
    assert used.exists()
    assert sum(p.stat().st_size for p in (tmp_path / "state").glob("*.state")) <= 250


def test_a_failed_write_leaves_no_entry(tmp_path):
    c = cache(tmp_path)
    assert c.store([1, 2, 3, 4], lambda path: False) is None
    assert list((tmp_path / "state").iterdir()) == []
    assert c.lookup([1, 2, 3, 4, 5]) is None


def test_model_key_changes_with_the_window(tmp_path):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    assert model_key(model, 1024) != model_key(model, 2048)
    assert model_key(model, 1024) == model_key(model, 1024)
