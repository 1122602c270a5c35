"""Which files a knowledge base holds: a walk that honours ignore files and skips binaries.

Folders are walked recursively; ``.gitignore`` and ``.ignore`` files (gitignore
syntax, via ``pathspec``) apply to their own folder and below, like git, and a
few folders nobody wants indexed (``.git``, ``node_modules``, virtualenvs) are
always skipped. Binary files are detected by content (a NUL byte in the first
8 KB, as git does), except the formats we can extract from (PDF).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

IGNORE_FILES = (".gitignore", ".ignore")
ALWAYS_SKIP = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".DS_Store",
}
# binary formats we know and never sniff (saves a read per image or archive)
BINARY_EXT = {
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".bmp",
    ".ico",
    ".tif",
    ".tiff",
    ".zip",
    ".gz",
    ".tgz",
    ".bz2",
    ".xz",
    ".7z",
    ".rar",
    ".tar",
    ".whl",
    ".so",
    ".dll",
    ".exe",
    ".bin",
    ".o",
    ".a",
    ".pyc",
    ".class",
    ".jar",
    ".mp3",
    ".mp4",
    ".mov",
    ".avi",
    ".wav",
    ".flac",
    ".ogg",
    ".woff",
    ".woff2",
    ".ttf",
    ".otf",
    ".db",
    ".sqlite",
    ".gguf",
    ".npy",
    ".pkl",
    ".docx",
    ".xlsx",
    ".pptx",
}
SNIFF_BYTES = 8192
NOT_UTF8 = "name is not valid UTF-8"


@dataclass(slots=True, frozen=True)
class FileStat:
    """A candidate file as found on disk: enough to tell whether it changed."""

    path: str  # absolute, resolved
    size: int
    mtime_ns: int
    skip: str | None = None  # known without reading: "broken link"


def _spec(folder: Path):
    """The ignore patterns a folder itself declares, or None."""
    lines: list[str] = []
    for name in IGNORE_FILES:
        try:
            lines += (folder / name).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
    if not lines:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _ignored(rel_parts: list[tuple[object, str]], is_dir: bool) -> bool:
    """Does any applicable ignore file (nearest last, like git) ignore this path?"""
    result = False
    for spec, rel in rel_parts:
        check = rel + "/" if is_dir else rel
        res = spec.check_file(check)  # type: ignore[attr-defined]
        if res.include is not None:
            result = bool(res.include)
    return result


def walk(root: str | os.PathLike[str]) -> Iterator[FileStat]:
    """Every file under ``root`` (or ``root`` itself) that is not ignored, binaries included.

    Binary detection needs a read, so it is left to the caller, who reads only
    files that changed.
    """
    top = Path(root).expanduser().resolve()
    if top.is_file():
        st = top.stat()
        yield FileStat(str(top), st.st_size, st.st_mtime_ns)
        return
    yield from _walk_dir(top, [])


def check_root(path: Path) -> str:
    """The resolved path to add to a base, or a UsageError: a folder or a regular file only
    (``/dev/zero``, a FIFO or a socket would be registered and never yield anything), with a
    name the index can store (valid UTF-8)."""
    from aigc_cli.errors import UsageError

    resolved = path.expanduser().resolve()
    if not _utf8(str(resolved)):
        raise UsageError(f"{shown(str(path))}: the name is not valid UTF-8", hint="rename it, then add it again")
    if not (resolved.is_dir() or resolved.is_file()):
        raise UsageError(f"{path} is not a folder or a regular file")
    return str(resolved)


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 arrive as lone surrogates
        return False
    return True


def shown(name: str) -> str:
    """A file name that is not valid UTF-8 as printable text, its bad bytes as ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _walk_dir(folder: Path, specs: list[tuple[object, Path]]) -> Iterator[FileStat]:
    own = _spec(folder)
    if own is not None:
        specs = [*specs, (own, folder)]
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name in ALWAYS_SKIP:
            continue
        if not _utf8(entry.name):  # named (escaped) in the sync report; the rest is indexed
            yield FileStat(shown(entry.path), 0, 0, NOT_UTF8)
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = not is_dir and entry.is_file()
        except OSError:
            continue
        if not (is_dir or is_file):
            if entry.is_symlink() and not os.path.exists(entry.path):  # named in the sync report, not lost
                yield _broken_link(entry)
            continue
        path = Path(entry.path)
        if specs and _ignored([(s, path.relative_to(base).as_posix()) for s, base in specs], is_dir):
            continue
        if is_dir:
            yield from _walk_dir(path, specs)
            continue
        try:
            st = entry.stat()
        except OSError:
            continue
        yield FileStat(entry.path, st.st_size, st.st_mtime_ns)


def _broken_link(entry: os.DirEntry[str]) -> FileStat:
    """A symlink to nothing: listed so that the user learns it is missing from the base."""
    try:
        mtime = entry.stat(follow_symlinks=False).st_mtime_ns
    except OSError:
        mtime = 0
    return FileStat(entry.path, 0, mtime, "broken link")


def known_binary(path: str) -> bool:
    """A format we never read (by extension)."""
    return os.path.splitext(path)[1].lower() in BINARY_EXT


def looks_binary(head: bytes) -> bool:
    """Git's rule: a NUL byte near the start means binary."""
    return b"\0" in head[:SNIFF_BYTES]
