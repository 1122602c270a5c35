"""Which files of a Hub repository one ``models pull`` takes.

A GGUF repository usually holds one model in many quantisations, some of
them split into parts; the user names one by file name, glob or
``--quant``. Anything but exactly one model is a usage error (exit 2) whose
hint lists the choices, so the next command can be typed from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

from aigc_cli.errors import ConfigError, UsageError
from aigc_cli.localmodels.names import FileSet, group, has_quant, is_gguf, quant_label


def human_size(n: int | None) -> str:
    if n is None:
        return "? B"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"  # pragma: no cover - loop always returns


def _matches(filename: str, pattern: str) -> bool:
    """Exact name, or a glob against the path or the bare name, any case."""
    if filename == pattern:
        return True
    low, pat = filename.lower(), pattern.lower()
    return fnmatchcase(low, pat) or fnmatchcase(PurePosixPath(low).name, pat)


def _describe(fs: FileSet, sizes: Mapping[str, int | None]) -> str:
    total = sum(sizes.get(f) or 0 for f in fs.files) or None
    label = quant_label(fs.key) or "?"
    parts = f", {fs.total} parts" if fs.total > 1 else ""
    return f"{fs.key} ({label}, {human_size(total)}{parts})"


def _choices(sets: list[FileSet], sizes: Mapping[str, int | None]) -> str:
    return "; ".join(_describe(s, sizes) for s in sets)


def pick(
    repo_id: str, sizes: Mapping[str, int | None], pattern: str | None = None, quant: str | None = None
) -> FileSet:
    """The one model (a file, or a whole split set) that FILE and --quant select.

    ``sizes`` maps every file of the repository to its size. A glob that
    matches one part of a split set selects the whole set.
    """
    every = group(sizes)
    if not every:
        raise UsageError(f"{repo_id} has no GGUF files", hint="pull from a repository of .gguf models")
    sets = every
    if pattern:
        sets = [s for s in every if any(_matches(f, pattern) for f in s.files)]
        if not sets and any(_matches(f, pattern) and not is_gguf(f) for f in sizes):
            raise UsageError(
                f"{pattern!r} in {repo_id} is not a GGUF file", hint=f"GGUF files there: {_choices(every, sizes)}"
            )
    if quant:
        sets = [s for s in sets if has_quant(s.key, quant)]
    if not sets:
        what = " and ".join(x for x in (pattern and repr(pattern), quant and f"--quant {quant}") if x)
        raise UsageError(f"no GGUF file in {repo_id} matches {what}", hint=f"choices: {_choices(every, sizes)}")
    if len(sets) > 1:
        raise UsageError(
            f"{len(sets)} GGUF models in {repo_id} match; choose one",
            hint=f"pass --quant LABEL or the file name; choices: {_choices(sets, sizes)}",
        )
    chosen = sets[0]
    if not chosen.complete:
        missing = ", ".join(str(n) for n in chosen.missing)
        raise ConfigError(
            f"the split model {chosen.key} in {repo_id} is incomplete on the Hub "
            f"(missing part {missing} of {chosen.total})"
        )
    return chosen
