"""Audio in another format than an engine gives: ffmpeg when installed (sox for FLAC).

Used when offline speech (WAV only) is asked for as mp3/opus/flac, and when
a long text's parts must be joined for a format that cannot simply be
concatenated. Without an encoder the error says to use WAV or install one.
"""

from __future__ import annotations

import shutil
import subprocess

from aigc_cli.errors import ConfigError

FORMATS = ("mp3", "wav", "opus", "flac")
_FFMPEG = {"mp3": ["-f", "mp3"], "opus": ["-c:a", "libopus", "-f", "ogg"], "flac": ["-f", "flac"], "wav": ["-f", "wav"]}


def from_wav(data: bytes, fmt: str) -> bytes:
    """WAV bytes re-encoded as ``fmt``."""
    if fmt == "wav":
        return data
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        cmd = [ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0", *_FFMPEG[fmt], "pipe:1"]
    elif fmt == "flac" and shutil.which("sox"):
        cmd = ["sox", "-t", "wav", "-", "-t", "flac", "-"]
    else:
        raise ConfigError(
            f"writing {fmt} here needs ffmpeg, which is not installed", hint="use --format wav, or install ffmpeg"
        )
    proc = subprocess.run(cmd, input=data, capture_output=True, timeout=600, check=False)
    if proc.returncode != 0 or not proc.stdout:
        raise ConfigError(f"could not encode {fmt}: {proc.stderr.decode('utf-8', 'replace').strip()[:200]}")
    return proc.stdout


def to_wav(data: bytes) -> bytes:
    """Any audio ffmpeg reads, as WAV (to join parts of a format that cannot be concatenated)."""
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        raise ConfigError("joining these audio parts needs ffmpeg", hint="use --format wav or mp3, or install ffmpeg")
    proc = subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-f", "wav", "pipe:1"],
        input=data,
        capture_output=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise ConfigError("could not decode the audio parts to join them")
    return proc.stdout


def join_mp3(parts: list[bytes]) -> bytes:
    """MP3 frames are independent: parts concatenate, minus the ID3 tag of each later part."""
    out = bytearray(parts[0])
    for p in parts[1:]:
        if p[:3] == b"ID3" and len(p) > 10:
            size = (p[6] << 21) | (p[7] << 14) | (p[8] << 7) | p[9]
            p = p[10 + size :]
        out += p
    return bytes(out)
