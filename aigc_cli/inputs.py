"""Reading user input (stdin, files) safely, and composing it into a prompt.

User text is only ever inserted as a value: it is never treated as a
template, so ``{x}``, ``$x`` or ``%s`` inside it reach the model verbatim.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

from aigc_cli.errors import UsageError


def decode(data: bytes, source: str) -> str:
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


def read_stdin() -> str | None:
    """Piped stdin as text, or None when stdin is a terminal or absent."""
    stream = sys.stdin
    if stream is None or stream.closed:
        return None
    try:
        if stream.isatty():
            return None
        data = stream.buffer.read()
    except (OSError, ValueError):
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


def read_file(path: str | Path) -> str:
    """A text file's content; a missing or unreadable file is a usage error."""
    if str(path) == "-":
        return read_stdin() or ""
    with open_input(path) as fh:
        try:
            data = fh.read()
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
