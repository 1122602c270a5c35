"""Turning what the user attached (paths, URLs, ``-`` for stdin) into Attachments.

Everything is read, checked and prepared here, before the turn sends or stores
anything: a bad attachment is one line naming it and the reason (exit 3, or 4
when a URL cannot be reached), and the turn never starts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from aigc_cli.attachments.detect import AUDIO, IMAGE_MIME, sniff
from aigc_cli.attachments.model import Attachment, Loaded
from aigc_cli.errors import BadFile, UsageError

MAX_FILE_BYTES = 50_000_000  # any attachment read from a file or stdin
MAX_AUDIO_BYTES = 25_000_000  # OpenAI's limit for one transcription request

# (audio bytes, file name) -> transcript text; the backend's /v1/audio/transcriptions
Transcriber = Callable[[bytes, str], str]


def load(
    specs: Sequence[str],
    *,
    original: bool = False,
    stdin: BinaryIO | None = None,
    transcribe: Transcriber | None = None,
    url_timeout: float | None = None,
) -> Loaded:
    """Each ``PATH|URL|-`` as an Attachment, in the order given."""
    from aigc_cli import webpage

    items: list[Attachment] = []
    for spec in specs:
        if webpage.is_url(spec):
            items.append(_from_url(spec, original, transcribe, url_timeout or webpage.TIMEOUT_S))
        else:
            data = _read_stdin(stdin) if spec == "-" else read_path(spec)
            items.append(classify(data, "stdin" if spec == "-" else spec, original, transcribe))
    return Loaded(items=items)


def read_path(path: str) -> bytes:
    """A file's bytes; missing, a directory, unreadable, empty or over the cap: BadFile."""
    p = Path(path)
    try:
        if p.is_dir():
            raise BadFile(f"{path}: is a directory, not a file")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadFile(f"{path}: {size / 1e6:.1f} MB, over the cap of {MAX_FILE_BYTES // 1_000_000} MB")
        data = p.read_bytes()
    except FileNotFoundError:
        raise BadFile(f"{path}: no such file") from None
    except PermissionError:
        raise BadFile(f"{path}: permission denied") from None
    except OSError as exc:
        raise BadFile(f"{path}: cannot read it ({exc.strerror})") from None
    if not data:
        raise BadFile(f"{path}: the file is empty")
    return data


def _read_stdin(stdin: BinaryIO | None) -> bytes:
    if stdin is None:
        raise UsageError(
            "-a - reads stdin, but nothing is piped in", hint="cat photo.jpg | aigc ask -a - 'what is this?'"
        )
    data = stdin.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise BadFile(f"stdin: over the cap of {MAX_FILE_BYTES // 1_000_000} MB")
    if not data:
        raise BadFile("stdin: nothing was piped in (zero bytes)")
    return data


def classify(
    data: bytes, name: str, original: bool = False, transcribe: Transcriber | None = None, source: str | None = None
) -> Attachment:
    """What ``data`` becomes, by its first bytes."""
    kind = sniff(data[:2048])
    if kind in IMAGE_MIME:
        from aigc_cli.attachments.image import prepare

        return Attachment(
            kind="image",
            name=name,
            size=len(data),
            source=source,
            needs_sight=True,
            pictures=[prepare(data, name, original=original)],
        )
    if kind == "pdf":
        from aigc_cli.attachments.pdf import read_pdf

        return read_pdf(data, name).model_copy(update={"source": source})
    if kind in AUDIO:
        return _audio(data, name, kind, transcribe)
    if kind in ("text", "html"):
        try:
            text = data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise BadFile(f"{name}: not valid UTF-8 text (bad byte at offset {exc.start})") from None
        return Attachment(kind="text", name=name, size=len(data), text=text, source=source)
    raise BadFile(
        f"{name}: an unknown binary type (not an image, PDF, audio or text)",
        hint="images (PNG, JPEG, GIF, WebP), PDF, audio (MP3, WAV, M4A, OGG, FLAC, WebM) and text can be attached",
    )


def _audio(data: bytes, name: str, kind: str, transcribe: Transcriber | None) -> Attachment:
    if len(data) > MAX_AUDIO_BYTES:
        raise BadFile(f"{name}: {len(data) / 1e6:.1f} MB of audio, over the cap of {MAX_AUDIO_BYTES // 1_000_000} MB")
    if kind == "wav":
        _check_wav(data, name)
    if transcribe is None:
        raise UsageError(f"{name}: audio needs a backend that transcribes", hint="use -b openai")
    filename = name.rsplit("/", 1)[-1]
    if "." not in filename:
        filename += "." + kind
    return Attachment(kind="audio", name=name, size=len(data), text=transcribe(data, filename))


MAX_AUDIO_SECONDS = 3 * 3600


def _check_wav(data: bytes, name: str) -> None:
    """A WAV's header must parse; its length is capped."""
    import io
    import wave

    try:
        with wave.open(io.BytesIO(data)) as w:
            seconds = w.getnframes() / max(w.getframerate(), 1)
    except (wave.Error, EOFError) as exc:
        raise BadFile(f"{name}: not a readable WAV file ({exc})") from None
    if seconds > MAX_AUDIO_SECONDS:
        raise BadFile(f"{name}: {seconds / 3600:.1f} hours of audio, over the cap of {MAX_AUDIO_SECONDS // 3600} hours")


def _from_url(url: str, original: bool, transcribe: Transcriber | None, timeout: float) -> Attachment:
    """A web page as its readable text; an image, PDF or audio URL as that file."""
    from aigc_cli import webpage

    got = webpage.fetch(url, timeout=timeout)
    if not got.data:
        raise BadFile(f"{url}: the server sent nothing")
    kind = sniff(got.data[:2048])
    ctype = got.content_type.split(";")[0].strip().lower()
    if kind == "html" or ctype in ("text/html", "application/xhtml+xml"):
        title, text = webpage.readable(got.data.decode("utf-8", "replace"), got.url)
        if not text:
            raise BadFile(f"{url}: the page has no readable text")
        return Attachment(kind="web", name=url, size=len(got.data), source=got.url, title=title, text=text)
    if kind in IMAGE_MIME or kind == "pdf" or kind in AUDIO or ctype.startswith("text/"):
        found = classify(got.data, url, original, transcribe, source=got.url)
        return found.model_copy(update={"source": got.url})
    raise BadFile(f"{url}: not a web page, image, PDF or audio ({ctype or 'no content type'})")
