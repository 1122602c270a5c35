"""Writing files safely: atomically, privately, with storage faults named.

Every file aigc writes goes through :func:`atomic_write`: the data lands in a
temp file beside the target, is flushed and fsynced, and only then renamed
over the target. A crash, a full disk or a signal therefore leaves either the
old file or the new one, never a 0-byte or half-written file (issue #25 §7: a
0-byte recipe from a full disk ran as empty and blocked re-creation).

Conversations, memories and settings are private data, so files are created
0600 and aigc's directories 0700 unless a caller asks otherwise (§8).
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from aigc_cli.errors import AigcError, StorageFull, StorageReadOnly

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


_FULL = {errno.ENOSPC, errno.EDQUOT} if hasattr(errno, "EDQUOT") else {errno.ENOSPC}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def storage_error(exc: OSError, path: Path | str, doing: str = "write") -> AigcError | None:
    """The user-facing error for an OSError that is a storage fault, else None.

    Why: a full disk or read-only mount is not damage and must not be reported
    as such; the message says what is wrong and where.
    """
    if exc.errno in _FULL:
        return StorageFull(
            f"cannot {doing} {path}: no space left on the device",
            hint="free some space and try again; nothing was changed",
        )
    if exc.errno == errno.EROFS:
        return StorageReadOnly(f"cannot {doing} {path}: the file system is read-only")
    if exc.errno in _READ_ONLY:
        return StorageReadOnly(f"cannot {doing} {path}: permission denied")
    return None


def private_dir(path: Path, mode: int = PRIVATE_DIR, fix_existing: bool = False) -> Path:
    """Create ``path`` (and parents) if needed; each directory we create gets ``mode``.

    With ``fix_existing`` an existing directory we own is tightened (never
    loosened), so an install from before 0700 becomes private on next use.
    Only aigc's own folders ask for that: a user's export folder is theirs.
    """
    missing = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    path.mkdir(parents=True, exist_ok=True)
    for d in missing:
        _chmod_quietly(d, mode)
    if fix_existing and not missing:
        tighten(path, mode)
    return path


def tighten(path: Path, mode: int) -> None:
    """Remove permission bits beyond ``mode`` from an existing path we own."""
    try:
        st = path.stat()
    except OSError:
        return
    if st.st_uid != os.geteuid():
        return
    current = st.st_mode & 0o777
    if current & ~mode:
        _chmod_quietly(path, current & mode)


def _chmod_quietly(path: Path, mode: int) -> None:
    """chmod that ignores a read-only mount: privacy fixing never blocks reading."""
    try:
        os.chmod(path, mode)
    except OSError:
        pass


def atomic_write(
    path: Path | str,
    data: str | bytes,
    mode: int = PRIVATE_FILE,
    *,
    private_parent: bool = True,
    make_parents: bool = True,
) -> Path:
    """Write ``data`` to ``path`` all-or-nothing (temp + fsync + rename).

    Text is written as UTF-8 exactly as given (no newline translation). The
    file ends with ``mode``; with ``private_parent`` missing parents are made
    0700 (existing ones are left alone). A path the user named (an export, an
    output file) passes ``make_parents=False``: a missing folder is their typo
    to hear about (FileNotFoundError), not a folder to create. Storage faults raise :class:`StorageFull` / :class:`StorageReadOnly`
    naming ``path``; the old file, if any, is left as it was.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if not make_parents:
            pass
        elif private_parent:
            private_dir(path.parent)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise (storage_error(exc, path) or _cannot(exc, path)) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise (storage_error(exc, path) or _cannot(exc, path)) from exc
        raise
    _fsync_dir(path.parent)
    return path


def _cannot(exc: OSError, path: Path) -> AigcError:
    """Any other write failure (a folder in the way, a name too long): one line, exit 3."""
    from aigc_cli.errors import ConfigError

    return ConfigError(f"cannot write {path}: {exc.strerror or exc}")


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; not every file system allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def on_read_only_fs(path: Path) -> bool:
    """True if ``path`` (or its nearest existing ancestor) is on a read-only mount."""
    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        return bool(os.statvfs(p).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def nearly_full(path: Path, slack: int = 1 << 20) -> bool:
    """True if the file system holding ``path`` has less than ``slack`` bytes free.

    Why: SQLite often reports a full disk as a generic "disk I/O error"
    (the WAL index cannot grow); this tells that apart from damage.
    """
    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        st = os.statvfs(p)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < slack


def writable(path: Path) -> bool:
    """Can we write ``path`` (an existing file) and create files beside it (its journal)?"""
    path = Path(path)
    if on_read_only_fs(path):
        return False
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def prepare_private_db(path: Path) -> None:
    """Before SQLite opens ``path``: its folder 0700, the file created 0600.

    SQLite creates a database 0644 and gives its -wal and -shm files the
    database's mode, so creating the (empty, valid) file ourselves makes all
    three private; an existing store and its journals are tightened to 0600.
    """
    try:
        private_file(path)
    except OSError as exc:
        raise (storage_error(exc, path, "create") or _cannot(exc, path)) from None
    for p in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if p.is_file():
            tighten(p, PRIVATE_FILE)


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists, 0600, in a 0700 folder of aigc's (for files others
    append to, such as the chat's input history, which holds all the user typed)."""
    private_dir(path.parent, fix_existing=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        if path.is_file():  # a directory in the way is reported by whoever opens it
            tighten(path, PRIVATE_FILE)
    return path
