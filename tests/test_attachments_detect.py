"""What an attachment is, by its first bytes (attachments/detect.py) and the tile rule (tokens.py)."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest

from aigc_cli.attachments.detect import sniff
from tests.fixtures import attach_files as files


@pytest.mark.parametrize(
    "head, kind",
    [
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (b"\xff\xd8\xff\xe0..JFIF", "jpeg"),
        (b"GIF89a..", "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "wav"),
        (b"%PDF-1.7\n", "pdf"),
        (b"ID3\x04\x00", "mp3"),
        (b"\xff\xfb\x90\x64", "mp3"),
        (b"\x00\x00\x00\x20ftypM4A ", "m4a"),
        (b"OggS\x00\x02", "ogg"),
        (b"fLaC\x00\x00", "flac"),
        (b"\x1a\x45\xdf\xa3\x9f", "webm"),
        (b"  <!DOCTYPE html><html>", "html"),
        ("# Notes\nhéllo 你好".encode(), "text"),
        ("hi".encode("utf-16"), "binary"),
        (bytes(range(256)), "binary"),
        ("你好".encode()[:-1], "text"),  # a character cut at the end of the sample is still text
    ],
)
def test_sniff(head: bytes, kind: str) -> None:
    assert sniff(head) == kind


def test_real_files_are_told_by_their_bytes_not_their_names(tmp_path: Path) -> None:
    assert sniff(files.wav(tmp_path / "memo.mp3").read_bytes()[:2048]) == "wav"
    assert sniff(files.png(tmp_path / "photo.jpg").read_bytes()[:2048]) == "png"
    assert sniff(files.text_pdf(tmp_path / "x.txt", ["a"]).read_bytes()[:2048]) == "pdf"
    with wave.open(io.BytesIO(files.wav(tmp_path / "w.wav").read_bytes())) as w:
        assert w.getframerate() == 16000


@pytest.mark.parametrize(
    "w, h, detail, tokens",
    [(1024, 1024, "auto", 765), (2048, 4096, "auto", 1105), (512, 512, "auto", 255), (4000, 3000, "low", 85)],
)
def test_image_tokens_follow_openais_tile_rule(w: int, h: int, detail: str, tokens: int) -> None:
    from aigc_cli.tokens import image_tokens

    assert image_tokens(w, h, detail) == tokens
