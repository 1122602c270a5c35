"""What a file is, by its first bytes (never by its name)."""

from __future__ import annotations

from typing import Literal

Detected = Literal[
    "png", "jpeg", "gif", "webp", "pdf", "mp3", "wav", "m4a", "ogg", "flac", "webm", "html", "text", "binary"
]

IMAGE_MIME = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
AUDIO = {"mp3", "wav", "m4a", "ogg", "flac", "webm"}


def sniff(head: bytes) -> Detected:
    """The type of a file from its first bytes (64 are enough)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head.lstrip()[:5] == b"%PDF-" or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"ID3") or (
        len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[:2] != b"\xff\xfe"
    ):  # an MPEG frame, not a UTF-16 BOM
        return "mp3"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    return _textual(head)


def _textual(head: bytes) -> Detected:
    if b"\x00" in head:
        return "binary"
    start = head.lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "html"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is still text
        if exc.start < len(head) - 4:
            return "binary"
    return "text"
