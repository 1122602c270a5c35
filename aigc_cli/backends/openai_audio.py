"""Speech to text on the OpenAI API: ``/v1/audio/transcriptions`` (multipart).

OpenAI and the compatible servers (whisper.cpp's server, faster-whisper-server,
LocalAI) take the file as a multipart upload with ``model`` and optionally
``language``; ``verbose_json`` adds segments with times, which `aigc
transcribe --timestamps` prints. A server without the endpoint answers 404:
that is a usage error (exit 2), said plainly, not "model not found".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aigc_cli.backends.base import Segment, Transcript
from aigc_cli.errors import AigcError, UsageError

if TYPE_CHECKING:
    import openai


def transcribe(
    client: "openai.OpenAI",
    base_url: str | None,
    audio: bytes,
    filename: str,
    model: str,
    language: str | None = None,
    timestamps: bool = False,
) -> Transcript:
    """One transcription request; SDK errors mapped like every other request."""
    import openai

    from aigc_cli.backends.openai_errors import map_error

    args: dict[str, Any] = {
        "file": (filename, audio),
        "model": model,
        "response_format": "verbose_json" if timestamps else "json",
    }
    if language:
        args["language"] = language
    try:
        resp = client.audio.transcriptions.with_raw_response.create(**args)
        data = resp.http_response.json()
    except AigcError:
        raise
    except openai.NotFoundError as exc:
        where = base_url or "api.openai.com"
        raise UsageError(
            f"{where} has no audio transcription endpoint (/v1/audio/transcriptions answered 404: "
            f"{_message(exc)}); nothing was sent",
            hint="point openai.base_url at a server that transcribes, or set audio.transcribe_model",
        ) from None
    except Exception as exc:
        raise map_error(exc, base_url) from exc
    return _parse(data)


def _message(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error", {}).get("message") or "not found")
    return "not found"


def _parse(data: Any) -> Transcript:
    from aigc_cli.errors import BadServerAnswer

    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise BadServerAnswer("the transcription server's answer has no text")
    segments = None
    if isinstance(data.get("segments"), list):
        segments = [
            Segment(start=float(s.get("start", 0)), end=float(s.get("end", 0)), text=str(s.get("text", "")))
            for s in data["segments"]
            if isinstance(s, dict)
        ]
    duration = data.get("duration")
    return Transcript(
        text=data["text"].strip(),
        language=data.get("language"),
        duration=float(duration) if isinstance(duration, int | float) else None,
        segments=segments,
    )
