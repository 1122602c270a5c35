"""File names of GGUF models: short names, split sets, quantisation labels.

Pure functions on strings, shared by the pull (which files make one model)
and by discovery (which files on disk are one model), so a model pulled by
aigc and the same file found in LM Studio's folder get the same name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

SPLIT_RE = re.compile(r"^(?P<base>.+)-(?P<part>\d{5})-of-(?P<total>\d{5})\.gguf$", re.IGNORECASE)


def is_gguf(filename: str) -> bool:
    return filename.lower().endswith(".gguf")


def is_model_gguf(filename: str) -> bool:
    """A GGUF that is a language model: not a vision projector (``mmproj-*.gguf``)."""
    return is_gguf(filename) and not PurePosixPath(filename).name.lower().startswith("mmproj")


def split_part(filename: str) -> tuple[str, int, int] | None:
    """``(base, part, total)`` for a part of a split GGUF (``-00001-of-00003.gguf``)."""
    m = SPLIT_RE.match(PurePosixPath(filename).name)
    if m is None:
        return None
    return m["base"], int(m["part"]), int(m["total"])


def short_name(filename: str) -> str:
    """The name a user types for a model file: its stem, lower case, no split suffix.

    ``Qwen2.5-1.5B-Instruct-Q4_K_M.gguf`` -> ``qwen2.5-1.5b-instruct-q4_k_m``;
    ``big-Q4_K_M-00001-of-00002.gguf`` -> ``big-q4_k_m``.
    """
    name = PurePosixPath(filename).name
    split = split_part(name)
    stem = split[0] if split else (name[:-5] if is_gguf(name) else name)
    return stem.lower()


def has_quant(filename: str, quant: str) -> bool:
    """True if ``quant`` (``Q4_K_M``, any case) is a whole label in the file name.

    ``q4_k`` does not match ``Q4_K_M``: the label must not continue with a
    letter, digit or underscore, so one quantisation never selects another.
    """
    q = re.escape(quant.strip().lower())
    return re.search(rf"(?<![a-z0-9]){q}(?![a-z0-9_])", short_name(filename)) is not None


QUANT_RE = re.compile(r"(?<![a-z0-9])(i?q\d(?:_[a-z0-9]+)*|bf16|f16|f32|fp16|fp32)(?![a-z0-9])", re.IGNORECASE)


def quant_label(filename: str) -> str | None:
    """The quantisation written in a file name (``Q4_K_M``), if any, upper case."""
    found = QUANT_RE.findall(short_name(filename))
    return found[-1].upper() if found else None


@dataclass
class FileSet:
    """The files that make one model: one GGUF, or every part of a split set."""

    key: str  # the first file's path, which is what llama.cpp opens
    files: list[str] = field(default_factory=list)
    total: int = 1  # parts a complete set has

    @property
    def complete(self) -> bool:
        return len(self.files) == self.total

    @property
    def missing(self) -> list[int]:
        have = {split_part(f)[1] for f in self.files if split_part(f)}  # type: ignore[index]
        return [n for n in range(1, self.total + 1) if n not in have] if self.total > 1 else []


def group(filenames: Iterable[str]) -> list[FileSet]:
    """GGUF files grouped into models, split parts together, in name order.

    Parts group by folder, base name and part count; the set's key is part 1
    (even when part 1 is missing: then the set is incomplete, and says so).
    """
    sets: dict[tuple[str, str, int], FileSet] = {}
    for name in sorted(f for f in filenames if is_model_gguf(f)):
        split = split_part(name)
        if split is None:
            sets[(name, "", 1)] = FileSet(key=name, files=[name])
            continue
        base, _part, total = split
        folder = str(PurePosixPath(name).parent)
        first = str(PurePosixPath(folder) / f"{base}-00001-of-{total:05d}.gguf")
        if folder == ".":
            first = f"{base}-00001-of-{total:05d}.gguf"
        entry = sets.setdefault((folder, base, total), FileSet(key=first, total=total))
        entry.files.append(name)
    return sorted(sets.values(), key=lambda s: s.key.lower())
