"""Text to speech, the one core entry for `aigc speak` (and the engine for `--speak`).

The backend is chosen as for text (``speech.backend`` or ``-b`` first): with no
API key that is the local backend, which speaks offline through espeak-ng.
Long text is split at sentence ends into pieces the engine takes, each piece
one request, and the audio joined into one file (WAV frames with faded joins,
MP3 frames concatenated; other formats through WAV and an encoder).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

from aigc_cli.errors import InputTooLarge, UsageError

if TYPE_CHECKING:
    from aigc_cli.backends.base import Backend
    from aigc_cli.config import Settings

MAX_PARTS = 200  # ~800k characters on an API: more is a mistake, not a speech


class Speech(BaseModel):
    audio: bytes
    fmt: str
    parts: int
    backend: str
    seconds: float | None = None  # known for WAV


def speech_backend(settings: "Settings", flag: str | None) -> "Backend":
    from aigc_cli.session.choose import pick_backend

    return pick_backend(settings, flag or settings.speech.backend, None)


def synthesize(
    text: str,
    settings: "Settings",
    *,
    backend: str | None = None,
    voice: str | None = None,
    fmt: str | None = None,
    speed: float = 1.0,
) -> Speech:
    """``text`` as one audio file in ``fmt`` (default: mp3 where the engine makes it, else wav)."""
    from aigc_cli.speech import convert, wav
    from aigc_cli.speech.split import speakable, split

    said = speakable(text).strip()
    if not said:
        raise UsageError("nothing to say", hint='aigc speak "Hello"  or  echo text | aigc speak')
    be = speech_backend(settings, backend)
    pieces = split(said, be.speech_max_chars)
    if len(pieces) > MAX_PARTS:
        raise InputTooLarge(
            f"the text is too long to speak ({len(said):,} characters, {len(pieces)} parts; at most {MAX_PARTS})"
        )
    fmt = fmt or ("mp3" if "mp3" in be.speech_formats else "wav")
    native = fmt in be.speech_formats
    if native and (len(pieces) == 1 or fmt in ("wav", "mp3")):
        ask = fmt
    else:
        ask = "wav" if "wav" in be.speech_formats else (be.speech_formats or ("wav",))[0]
    voice = voice or settings.speech.voice
    parts = [be.speech(p, voice=voice, fmt=ask, speed=speed, model=settings.speech.model) for p in pieces]
    if ask == "wav":
        joined = wav.join(parts)
        seconds = wav.duration(joined)
        audio = convert.from_wav(joined, fmt)
    elif ask == "mp3":
        audio, seconds = convert.join_mp3(parts), None
    else:  # one part in a format of the engine's own
        audio, seconds = parts[0], None
    return Speech(audio=audio, fmt=fmt, parts=len(pieces), backend=be.name, seconds=seconds)
