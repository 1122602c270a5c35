"""Where generated pictures go: PNG files named from the prompt, never over another file.

A name is taken with a hard link from a fully written temp file, which fails
if the name exists: so two `aigc image` runs at once, or an existing
`sunset.png`, get `sunset-2.png`, never a replaced file and never half a file.
"""

from __future__ import annotations

import os
import re
import struct
import tempfile
import unicodedata
from pathlib import Path

from aigc_cli.errors import ConfigError

MAX_SLUG = 48


def slug(prompt: str) -> str:
    """A file name stem from the prompt's first words (letters of any script kept)."""
    text = unicodedata.normalize("NFKC", prompt).strip().lower()
    words = re.findall(r"\w+", text)
    out = ""
    for w in words:
        nxt = f"{out}-{w}" if out else w
        if len(nxt) > MAX_SLUG:
            break
        out = nxt
    return out[:MAX_SLUG] or "image"


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's header, or None for another format."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return None
    return struct.unpack(">II", data[16:24])


def targets(out: str | None, prompt: str, n: int) -> tuple[Path, str]:
    """(folder, stem) for the pictures: ``-o DIR`` (a name with no extension is a folder),
    ``-o FILE.png``, or the current folder."""
    if out is None:
        return Path.cwd(), slug(prompt)
    path = Path(out).expanduser()
    if path.is_dir() or out.endswith(("/", os.sep)) or not path.suffix:  # `-o pics`: a folder
        return path, slug(prompt)
    return path.parent, path.stem


def save(folder: Path, stem: str, data: bytes, index: int | None = None) -> Path:
    """Write ``data`` as ``folder/stem[-index].png``, or the first free numbered name."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".aigc-image-", suffix=".png", dir=folder)
    except OSError as exc:
        raise ConfigError(f"cannot write pictures to {folder}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        base = f"{stem}-{index}" if index is not None else stem
        for k in range(1, 10_000):
            name = folder / (f"{base}.png" if k == 1 else f"{base}-{k}.png")
            try:
                os.link(tmp, name)
                return name
            except FileExistsError:
                continue
        raise ConfigError(f"no free file name for {base}.png in {folder}")
    except OSError as exc:
        raise ConfigError(f"cannot write a picture to {folder}: {exc.strerror or exc}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
