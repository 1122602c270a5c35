"""Reading user input (stdin, files) safely, and composing it into a prompt.

User text is only ever inserted as a value: it is never treated as a
template, so ``{x}``, ``$x`` or ``%s`` inside it reach the model verbatim.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from aigc_cli.errors import InputTooLarge, UsageError

if TYPE_CHECKING:
    from aigc_cli.config import LimitsSettings

BLOCK = 1 << 20  # read in 1 MiB blocks: a signal handler runs between them
_SNIFF = 65536  # binary data shows in its first 64 KiB


def limits() -> "LimitsSettings":
    """The ``[limits]`` settings (a broken config file is its usual ConfigError)."""
    from aigc_cli.config import load_settings

    return load_settings().limits


def size_text(n: int) -> str:
    """Bytes for people: 64 MiB, 1 GiB, 512 KiB."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.4g} {unit}"
    return f"{n} bytes"


def read_bounded(fh: BinaryIO, source: str, limit: int, setting: str | None = "limits.input_bytes") -> bytearray:
    """All of ``fh``, read block by block, refusing more than ``limit`` bytes (InputTooLarge, exit 6)
    and NUL bytes at the start (binary data, UsageError).

    ``/dev/zero``, ``yes |`` or a runaway pipe would otherwise grow until the
    kernel kills us, and one unbounded ``read()`` never returns to Python to
    run the SIGINT/SIGTERM handlers.
    """
    data = bytearray()  # grown in place: no second copy of a large input
    while True:
        block = fh.read(min(BLOCK, limit + 1 - len(data)))  # OSError: the caller's to word
        if not block:
            return data
        if len(data) < _SNIFF and b"\x00" in block[: _SNIFF - len(data)]:
            raise UsageError(f"{source} looks like binary data, not text")
        if len(data) + len(block) > limit:
            raise InputTooLarge(
                f"{source} is larger than {size_text(limit)}" + (f" ({setting})" if setting else ""),
                hint=_raise_hint(setting),
            )
        data += block


def _raise_hint(setting: str | None) -> str | None:
    if setting is None:
        return None
    hint = f"raise it with `aigc config set {setting} BYTES`"
    if setting == "limits.input_bytes":
        hint += ", or use `aigc summarize`, which reads long input in parts"
    return hint


def decode(data: bytes | bytearray, source: str) -> str:
    """Bytes -> text, refusing binary data and invalid UTF-8 with a clear error."""
    if b"\x00" in data[:65536]:
        raise UsageError(f"{source} looks like binary data, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{source} is not valid UTF-8 (bad byte at offset {exc.start})",
            hint="convert it first, e.g. with iconv -t UTF-8",
        ) from None
    return text.removeprefix("\ufeff")


def _limit(setting: str) -> int:
    return int(getattr(limits(), setting.removeprefix("limits.")))


def read_stdin(setting: str = "limits.input_bytes", cap: int | None = None) -> str | None:
    """Piped stdin as text, or None when stdin is a terminal or absent; at most ``setting``
    bytes (or ``cap``, when smaller)."""
    stream = sys.stdin
    if stream is None or stream.closed:
        return None
    try:
        if stream.isatty():
            return None
        limit = _limit(setting)
        if cap is not None and cap < limit:
            limit, setting = cap, None  # type: ignore[assignment]  # a fixed bound of the command
        data = read_bounded(stream.buffer, "stdin", limit, setting)
    except (OSError, ValueError, AttributeError):
        return None
    return decode(data, "stdin")


def open_input(path: str | Path) -> BinaryIO:
    """Open a file the user named, for reading; a missing or unreadable one is a usage error."""
    try:
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def read_file(path: str | Path, setting: str = "limits.input_bytes") -> str:
    """A text file's content, at most ``setting`` bytes; a missing or unreadable file is a usage error."""
    if str(path) == "-":
        return read_stdin(setting) or ""
    with open_input(path) as fh:
        try:
            data = read_bounded(fh, str(path), _limit(setting), setting)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    return decode(data, str(path))


def compose(instruction: str | None, content: str | None, label: str = "input") -> str:
    """The instruction plus piped/file text as clearly delimited content.

    Content comes first and the instruction last, which is what models follow
    best for long inputs; either part alone is sent as it is.
    """
    instruction = (instruction or "").strip()
    content = content if content and content.strip() else None
    if content is None:
        return instruction
    if not instruction:
        return content
    return f"<{label}>\n{content.rstrip()}\n</{label}>\n\n{instruction}"


def delimit(text: str, label: str = "input") -> str:
    """Text as clearly delimited content, even when it is the only input."""
    return f"<{label}>\n{text.rstrip()}\n</{label}>"


def join_sources(files: list[str], piped: str | None) -> str | None:
    """Files (each under a ``==> name <==`` header when there are several) and stdin."""
    parts = [(path, read_file(path)) for path in files]
    if piped and piped.strip():
        parts.append(("stdin", piped))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0][1]
    return "\n\n".join(f"==> {name} <==\n{text.rstrip()}" for name, text in parts)
